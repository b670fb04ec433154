// One port-forward connection: a connection to the pod's port spliced onto one gRPC stream. The
// kubelet connects to the pod IP (the pod network is reachable from every node); a port that
// refuses there may listen on the pod's loopback only, and is then reached from inside the pod's
// network namespace, as Kubernetes' port-forward does.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import type { streamingv1 } from '@minik8s/api';

export interface PortForwardCall {
  write(frame: streamingv1.PortForwardOutput): boolean;
  end(): void;
  on(event: 'data', listener: (frame: streamingv1.PortForwardInput) => void): unknown;
  on(event: 'end' | 'cancelled', listener: () => void): unknown;
  pause(): void;
  resume(): void;
}

/** A TCP connection to host:port, once it is up. */
export function tcpConnect(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

// Runs inside the pod's network namespace: connects to 127.0.0.1:PORT, says so on stderr, then
// copies stdin to the connection and the connection to stdout.
const NETNS_HELPER = `
const s = require('net').connect(Number(process.argv[1]), '127.0.0.1');
s.on('connect', () => { process.stderr.write('connected\\n'); process.stdin.pipe(s); s.pipe(process.stdout); });
s.on('error', (e) => { process.stderr.write(e.message + '\\n'); process.exit(1); });
s.on('close', () => process.exit(0));
`;

/** A child's stdout and stdin as one stream; destroying it ends the child. */
class ChildDuplex extends Duplex {
  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    super();
    child.stdout.on('data', (d: Buffer) => {
      if (!this.push(d)) child.stdout.pause();
    });
    child.stdout.on('end', () => this.push(null));
    child.stdin.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.child.stdin.write(chunk, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.child.stdin.end(done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.child.kill();
    done(err);
  }
}

/** A connection to 127.0.0.1:port inside the network namespace of process `pid`, once it is up. */
export function netnsConnect(pid: number, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, '--', process.execPath, '-e', NETNS_HELPER, String(port)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let up = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!up && stderr.includes('connected\n')) {
        up = true;
        resolve(new ChildDuplex(child));
      }
    });
    child.once('error', (err) => reject(err));
    child.once('exit', () => {
      if (!up) reject(new Error(stderr.trim() || 'the connection helper exited'));
    });
  });
}

/**
 * Opens the connection and splices it onto the call; `first` is the call's first frame, which may
 * already carry data. Resolves once the connection is up; rejects when it cannot be made.
 */
export async function forwardPort(call: PortForwardCall, open: () => Promise<Duplex>, first: streamingv1.PortForwardInput): Promise<void> {
  let socket: Duplex | undefined = undefined;
  let ended = false;
  const pending: Buffer[] = first.data && first.data.length > 0 ? [Buffer.from(first.data)] : [];
  let closeWhenOpen = first.close ?? false;
  let cancelled = false;
  call.on('data', (frame) => {
    if (frame.data && frame.data.length > 0) {
      if (!socket) pending.push(Buffer.from(frame.data));
      // Backpressure: stop reading the caller while the pod is slow to take the bytes.
      else if (!socket.write(Buffer.from(frame.data))) {
        call.pause();
        socket.once('drain', () => call.resume());
      }
    }
    if (frame.close) {
      if (socket) socket.end();
      else closeWhenOpen = true;
    }
  });
  call.on('end', () => (socket ? socket.end() : (closeWhenOpen = true)));
  call.on('cancelled', () => {
    cancelled = true;
    socket?.destroy();
  });
  const endCall = (): void => {
    if (ended) return;
    ended = true;
    call.end();
  };
  socket = await open();
  if (cancelled) {
    socket.destroy();
    return;
  }
  for (const b of pending) socket.write(b);
  if (closeWhenOpen) socket.end();
  socket.on('data', (data: Buffer) => {
    if (!ended) call.write({ data });
  });
  socket.on('end', endCall);
  socket.on('error', () => socket?.destroy());
  socket.on('close', endCall);
}
