// One exec or attach session: the caller's frames (stdin, its end, terminal resizes) go to the
// hijacked Docker connection, the container's output comes back as stdout/stderr frames, and the
// session ends with the exit status Kubernetes reports on its error channel.

import type { Duplex } from 'node:stream';
import type { streamingv1 } from '@minik8s/api';
import { DockerFrameParser } from './docker-frames';

/** What a session needs from the gRPC call. */
export interface StdioCall {
  write(frame: streamingv1.StreamOutput): boolean;
  on(event: 'data', listener: (frame: streamingv1.StreamInput) => void): unknown;
  on(event: 'end' | 'cancelled' | 'close', listener: () => void): unknown;
}

export interface StdioTarget {
  /** The hijacked Docker connection. */
  stream: Duplex;
  tty: boolean;
  resize(size: { width: number; height: number }): Promise<void>;
  /** The exit code once the stream has ended. */
  exitCode(): Promise<number>;
  /** Whether the caller may write stdin. */
  stdin: boolean;
}

const NEWLINE = 0x0a;
/** The terminal's end-of-input character (VEOF, Ctrl-D). */
const TERMINAL_EOF = Buffer.from([0x04]);
const TERMINAL_EOF_TWICE = Buffer.from([0x04, 0x04]);

export function exitStatus(exitCode: number, command: string[] | undefined): streamingv1.ExitStatus {
  if (exitCode === 0) return { status: 'Success', exitCode: 0 };
  const what = command ? `error executing command [${command.join(' ')}], exit code ${exitCode}` : `exit code ${exitCode}`;
  return { status: 'Failure', reason: 'NonZeroExitCode', message: `command terminated with non-zero exit code: ${what}`, exitCode };
}

/**
 * Pumps frames both ways until Docker ends the output; resolves to the exit status to send, or
 * undefined when the caller went away first.
 */
export function runStdioSession(call: StdioCall, target: StdioTarget, command?: string[]): Promise<streamingv1.ExitStatus | undefined> {
  const { stream } = target;
  const parser = new DockerFrameParser();
  let callerGone = false;

  let midLine = false;
  call.on('data', (frame) => {
    if (frame.stdin && frame.stdin.length > 0 && target.stdin && !stream.writableEnded) {
      stream.write(Buffer.from(frame.stdin));
      midLine = frame.stdin[frame.stdin.length - 1] !== NEWLINE;
    }
    if (frame.stdinClose && target.stdin && !stream.writableEnded) {
      // Docker ends a terminal's whole session, output included, once its input is closed, so
      // the output of a process still running would be lost (`run -it` fed from a pipe). A
      // terminal says end-of-input with its EOF character instead: the process reads EOF and its
      // output still arrives. A first EOF only hands over a pending partial line.
      if (target.tty) stream.write(midLine ? TERMINAL_EOF_TWICE : TERMINAL_EOF);
      else stream.end();
    }
    if (frame.resize?.width && frame.resize.height) {
      // A resize before the process has a terminal fails harmlessly: the next one lands.
      target.resize({ width: frame.resize.width, height: frame.resize.height }).catch(() => undefined);
    }
  });
  const gone = (): void => {
    callerGone = true;
    stream.destroy();
  };
  call.on('cancelled', gone);

  stream.on('data', (chunk: Buffer) => {
    if (callerGone) return;
    if (target.tty) {
      call.write({ stdout: chunk });
      return;
    }
    for (const f of parser.push(chunk)) call.write(f.stream === 'stderr' ? { stderr: f.data } : { stdout: f.data });
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      if (callerGone) return resolve(undefined);
      target.exitCode().then((code) => resolve(exitStatus(code, command)), reject);
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', (err) => {
      if (callerGone) finish();
      else if (!settled) {
        settled = true;
        reject(err);
      }
    });
  });
}
