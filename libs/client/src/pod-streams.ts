// Client side of the pods/log, pods/exec, pods/attach and pods/portforward subresources: the
// apiserver's PodStreams service, with gRPC frames turned into bytes, stdin, terminal resizes
// and exit statuses.

import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { credentials, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError, StatusError, streamingv1 } from '@minik8s/api';

export type PodLogOptions = streamingv1.PodLogOptions;
export type PodExecOptions = streamingv1.PodExecOptions;
export type PodAttachOptions = streamingv1.PodAttachOptions;
export type ExitStatus = streamingv1.ExitStatus;

export interface TerminalSize {
  width: number;
  height: number;
}

/** Where an exec or attach session reads and writes. */
export interface StdioStreams {
  /** Sent as stdin until it ends (then stdin is closed in the container). */
  stdin?: Readable;
  stdout?: { write(data: Buffer): unknown };
  stderr?: { write(data: Buffer): unknown };
  /** The terminal's size now and as it changes (TTY sessions). */
  terminal?: { size(): TerminalSize | undefined; onResize(listener: () => void): () => void };
}

/** Logs, exec, attach and port-forward of pods, through the apiserver. */
export class PodStreams {
  private readonly grpc: streamingv1.PodStreamsClient;

  constructor(readonly address: string) {
    this.grpc = new streamingv1.PodStreamsClient(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  }

  /**
   * Copies a container's logs to `onData` until they end (with `follow`, until the container
   * stops or `signal` fires). Rejects with the server's StatusError.
   */
  logs(namespace: string, name: string, options: PodLogOptions, onData: (data: Buffer) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.grpc.log({ pod: { namespace, name }, options });
      const abort = (): void => call.cancel();
      signal?.addEventListener('abort', abort, { once: true });
      const done = (err?: unknown): void => {
        signal?.removeEventListener('abort', abort);
        if (err) reject(err);
        else resolve();
      };
      call.on('data', (chunk: streamingv1.LogChunk) => {
        if (chunk.data && chunk.data.length > 0) onData(Buffer.from(chunk.data));
      });
      call.on('end', () => done());
      call.on('error', (err: ServiceError) => done(signal?.aborted ? undefined : fromServiceError(err)));
    });
  }

  /** Runs a command in a container; resolves to its exit status once it ends. */
  exec(namespace: string, name: string, options: PodExecOptions, io: StdioStreams, signal?: AbortSignal): Promise<ExitStatus> {
    return this.stdio(this.grpc.exec(), { pod: { namespace, name }, exec: options }, options.stdin ?? false, io, signal);
  }

  /** Attaches to a container's main process; resolves when it ends (or the session is closed). */
  attach(namespace: string, name: string, options: PodAttachOptions, io: StdioStreams, signal?: AbortSignal): Promise<ExitStatus> {
    return this.stdio(this.grpc.attach(), { pod: { namespace, name }, attach: options }, options.stdin ?? false, io, signal);
  }

  private stdio(
    call: ClientDuplexStream<streamingv1.StreamInput, streamingv1.StreamOutput>,
    first: streamingv1.StreamInput,
    withStdin: boolean,
    io: StdioStreams,
    signal: AbortSignal | undefined,
  ): Promise<ExitStatus> {
    return new Promise((resolve, reject) => {
      let exit: ExitStatus | undefined;
      let settled = false;
      const cleanups: (() => void)[] = [];
      const done = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        for (const c of cleanups) c();
        if (err) reject(err);
        else if (exit) resolve(exit);
        else if (signal?.aborted) resolve({ status: 'Success', exitCode: 0 });
        else reject(new StatusError('InternalError', 'the stream ended without an exit status'));
      };
      const size = io.terminal?.size();
      call.write({ ...first, resize: size });
      if (io.terminal) {
        cleanups.push(io.terminal.onResize(() => {
          const next = io.terminal?.size();
          if (next) call.write({ resize: next });
        }));
      }
      const stdin = io.stdin;
      if (withStdin && stdin) {
        const onData = (data: Buffer | string): void => {
          if (!call.write({ stdin: typeof data === 'string' ? Buffer.from(data) : data })) {
            stdin.pause();
            call.once('drain', () => stdin.resume());
          }
        };
        const onEnd = (): void => void call.write({ stdinClose: true });
        stdin.on('data', onData);
        stdin.once('end', onEnd);
        cleanups.push(() => {
          stdin.off('data', onData);
          stdin.off('end', onEnd);
          stdin.pause();
        });
      }
      const abort = (): void => {
        call.cancel();
        done();
      };
      signal?.addEventListener('abort', abort, { once: true });
      cleanups.push(() => signal?.removeEventListener('abort', abort));
      call.on('data', (frame: streamingv1.StreamOutput) => {
        if (frame.stdout && frame.stdout.length > 0) io.stdout?.write(Buffer.from(frame.stdout));
        if (frame.stderr && frame.stderr.length > 0) io.stderr?.write(Buffer.from(frame.stderr));
        if (frame.exit) exit = frame.exit;
      });
      call.on('end', () => {
        call.end();
        done();
      });
      call.on('error', (err: ServiceError) => done(settled ? undefined : fromServiceError(err)));
    });
  }

  /**
   * Carries one local connection to `port` of the pod: bytes both ways until either side ends.
   * Rejects when the pod cannot be reached (the socket is then destroyed).
   */
  forwardConnection(namespace: string, name: string, port: number, socket: Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.grpc.portForward();
      let settled = false;
      const done = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve();
      };
      call.write({ pod: { namespace, name }, port });
      socket.on('data', (data: Buffer) => {
        if (!call.write({ data })) {
          socket.pause();
          call.once('drain', () => socket.resume());
        }
      });
      socket.on('end', () => call.end());
      socket.on('error', () => call.cancel());
      socket.on('close', () => {
        if (!settled) call.cancel();
        done();
      });
      call.on('data', (frame: streamingv1.PortForwardOutput) => {
        if (frame.data && frame.data.length > 0 && !socket.write(Buffer.from(frame.data))) {
          call.pause();
          socket.once('drain', () => call.resume());
        }
      });
      call.on('end', () => {
        socket.end();
        done();
      });
      call.on('error', (err: ServiceError) => done(settled ? undefined : fromServiceError(err)));
    });
  }

  close(): void {
    this.grpc.close();
  }
}
