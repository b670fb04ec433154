import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { streamingv1 } from '@minik8s/api';
import { exitStatus, runStdioSession, type StdioCall } from './stdio-session';

/** A Docker connection stand-in: records what the session writes, emits what a test pushes. */
class FakeConnection extends Duplex {
  written: Buffer[] = [];
  inputEnded = false;
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.written.push(chunk);
    done();
  }
  override _final(done: () => void): void {
    this.inputEnded = true;
    done();
  }
}

class FakeCall extends EventEmitter implements StdioCall {
  frames: streamingv1.StreamOutput[] = [];
  write(frame: streamingv1.StreamOutput): boolean {
    this.frames.push(frame);
    return true;
  }
}

function frame(type: number, text: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([header, Buffer.from(text)]);
}

describe('runStdioSession', () => {
  it('passes stdin, its end and resizes in; demultiplexed output and the exit status out', async () => {
    const conn = new FakeConnection();
    const call = new FakeCall();
    const sizes: { width: number; height: number }[] = [];
    const done = runStdioSession(call, { stream: conn, tty: false, stdin: true, resize: async (s) => void sizes.push(s), exitCode: async () => 2 }, ['sh']);
    call.emit('data', { stdin: Buffer.from('abc') });
    call.emit('data', { resize: { width: 80, height: 24 } });
    call.emit('data', { stdinClose: true });
    conn.push(Buffer.concat([frame(1, 'out'), frame(2, 'err')]));
    conn.push(null);
    const status = await done;
    expect(Buffer.concat(conn.written).toString()).toBe('abc');
    expect(conn.inputEnded).toBe(true);
    expect(sizes).toEqual([{ width: 80, height: 24 }]);
    expect(call.frames.map((f) => (f.stdout ? `out:${Buffer.from(f.stdout)}` : `err:${Buffer.from(f.stderr ?? [])}`))).toEqual(['out:out', 'err:err']);
    expect(status).toEqual(exitStatus(2, ['sh']));
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', exitCode: 2 });
  });

  it("ends a terminal's input with its EOF character, not by closing Docker's stream (which would end the output too)", async () => {
    for (const [input, eof] of [
      ['ls\n', '\x04'],
      ['ls', '\x04\x04'],
    ]) {
      const conn = new FakeConnection();
      const call = new FakeCall();
      const done = runStdioSession(call, { stream: conn, tty: true, stdin: true, resize: async () => undefined, exitCode: async () => 0 });
      call.emit('data', { stdin: Buffer.from(input) });
      call.emit('data', { stdinClose: true });
      conn.push(Buffer.from('output after the input ended'));
      conn.push(null);
      await done;
      expect(Buffer.concat(conn.written).toString()).toBe(input + eof);
      expect(conn.inputEnded).toBe(false);
      expect(call.frames.map((f) => Buffer.from(f.stdout ?? []).toString())).toEqual(['output after the input ended']);
    }
  });

  it('sends a TTY stream as it is, and ignores stdin the session was not given', async () => {
    const conn = new FakeConnection();
    const call = new FakeCall();
    const done = runStdioSession(call, { stream: conn, tty: true, stdin: false, resize: async () => undefined, exitCode: async () => 0 });
    call.emit('data', { stdin: Buffer.from('ignored') });
    conn.push(frame(2, 'raw'));
    conn.push(null);
    expect(await done).toEqual({ status: 'Success', exitCode: 0 });
    expect(conn.written).toEqual([]);
    expect(Buffer.from(call.frames[0].stdout ?? []).equals(frame(2, 'raw'))).toBe(true);
  });

  it('ends without a status when the caller goes away', async () => {
    const conn = new FakeConnection();
    const call = new FakeCall();
    const done = runStdioSession(call, { stream: conn, tty: false, stdin: true, resize: async () => undefined, exitCode: async () => 0 });
    call.emit('cancelled');
    expect(await done).toBeUndefined();
    expect(conn.destroyed).toBe(true);
  });
});
