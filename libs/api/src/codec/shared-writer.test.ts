import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { ObjectMeta } from '../generated/meta/v1/meta';
import { encodeMessage, encodeMessageToBuffer, type MessageEncoder } from './shared-writer';

const meta = (name: string): ObjectMeta => ({ name, namespace: 'default', labels: { app: name }, annotations: { note: 'x'.repeat(300) } }) as ObjectMeta;

describe('encodeMessage', () => {
  it('gives the bytes a fresh writer gives, call after call', () => {
    for (const name of ['a', 'kubia-7d9f', 'b']) {
      expect(encodeMessage(ObjectMeta, meta(name))).toEqual(ObjectMeta.encode(meta(name)).finish());
    }
  });

  it('leaves nothing of a message that failed half-way in the next one', () => {
    const failing: MessageEncoder<number> = {
      encode(value, w = new BinaryWriter()) {
        w.uint32(10).fork().uint32(8).uint32(7);
        return w.uint32(value); // a negative value is refused after bytes were written
      },
    };
    expect(() => encodeMessage(failing, -1)).toThrow();
    expect(encodeMessage(ObjectMeta, meta('after'))).toEqual(ObjectMeta.encode(meta('after')).finish());
  });

  it('returns bytes no later call overwrites, also as a Buffer', () => {
    const first = encodeMessageToBuffer(ObjectMeta, meta('first'));
    const copy = Buffer.from(first);
    encodeMessage(ObjectMeta, { ...meta('second'), annotations: { big: 'y'.repeat(2 << 20) } } as ObjectMeta);
    encodeMessage(ObjectMeta, meta('third'));
    expect(first).toEqual(copy);
    expect(ObjectMeta.decode(first).name).toBe('first');
  });
});
