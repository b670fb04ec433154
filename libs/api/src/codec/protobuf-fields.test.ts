import { describe, expect, it } from 'vitest';
import { lastLengthDelimitedField, ProtobufFieldsError, readVarint } from './protobuf-fields';

describe('readVarint', () => {
  it('reads one- and multi-byte varints and says where the next field starts', () => {
    expect(readVarint(Uint8Array.from([0x05, 0xff]), 0)).toEqual([5, 1]);
    expect(readVarint(Uint8Array.from([0x00, 0xac, 0x02]), 1)).toEqual([300, 3]);
  });

  it('refuses a truncated varint and one longer than ten bytes', () => {
    expect(() => readVarint(Uint8Array.from([0x80]), 0)).toThrow(ProtobufFieldsError);
    expect(() => readVarint(new Uint8Array(11).fill(0x80), 0)).toThrow('varint longer than 10 bytes');
  });
});

describe('lastLengthDelimitedField', () => {
  // field 1 varint 150, field 2 "ab", fixed64 field 3, fixed32 field 4, field 2 again "xyz"
  const message = Uint8Array.from([
    0x08, 0x96, 0x01,
    0x12, 0x02, 0x61, 0x62,
    0x19, 1, 2, 3, 4, 5, 6, 7, 8,
    0x25, 1, 2, 3, 4,
    0x12, 0x03, 0x78, 0x79, 0x7a,
  ]);

  it('finds the last occurrence of a field past the other wire types, with its tag offset', () => {
    expect(lastLengthDelimitedField(message, 2)).toEqual({ tag: 21, start: 23, end: 26 });
    expect(lastLengthDelimitedField(message, 7)).toBeUndefined();
  });

  it('walks only the given range, as for a nested message', () => {
    expect(lastLengthDelimitedField(message, 2, 0, 7)).toEqual({ tag: 3, start: 5, end: 7 });
  });

  it('refuses a field that runs past the end and an unknown wire type', () => {
    expect(() => lastLengthDelimitedField(message.subarray(0, 24), 2)).toThrow('field runs past the end of its message');
    expect(() => lastLengthDelimitedField(Uint8Array.from([0x0b]), 1)).toThrow('unsupported wire type 3');
  });
});
