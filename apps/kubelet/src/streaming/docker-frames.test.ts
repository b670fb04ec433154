import { describe, expect, it } from 'vitest';
import { DockerFrameParser } from './docker-frames';

function frame(type: number, text: string): Buffer {
  const data = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

describe('DockerFrameParser', () => {
  it('splits whole frames into stdout and stderr', () => {
    const parser = new DockerFrameParser();
    const frames = parser.push(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, '')]));
    expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
      ['stdout', 'out\n'],
      ['stderr', 'err\n'],
      ['stdout', ''],
    ]);
    expect(parser.buffered).toBe(0);
  });

  it('keeps a frame split anywhere, the header included, until it is complete', () => {
    const bytes = Buffer.concat([frame(1, 'hello world'), frame(2, 'oops')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const parser = new DockerFrameParser();
      const frames = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
      expect(frames.map((f) => `${f.stream}:${f.data.toString()}`)).toEqual(['stdout:hello world', 'stderr:oops']);
      expect(parser.buffered).toBe(0);
    }
  });

  it('waits for the rest of a frame whose payload has not arrived', () => {
    const parser = new DockerFrameParser();
    const bytes = frame(1, 'abcdef');
    expect(parser.push(bytes.subarray(0, 10))).toEqual([]);
    expect(parser.buffered).toBe(10);
    expect(parser.push(bytes.subarray(10)).map((f) => f.data.toString())).toEqual(['abcdef']);
  });
});
