/**
 * Walking a protobuf message's top-level fields without decoding it, for the few places that
 * need one field out of stored or streamed bytes (a resourceVersion, an event's type) and cannot
 * afford a full decode per object.
 */

const LENGTH_DELIMITED = 2;

/** Thrown for bytes that are not a protobuf message the walk can read. */
export class ProtobufFieldsError extends Error {
  override readonly name = 'ProtobufFieldsError';
}

/** Reads the varint at `pos`; returns [value, position after it]. */
export function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new ProtobufFieldsError('truncated varint');
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 0x80;
  }
  throw new ProtobufFieldsError('varint longer than 10 bytes');
}

/** Where a length-delimited field sits: its tag, and its body [start, end). */
export interface FieldSpan {
  tag: number;
  start: number;
  end: number;
}

/**
 * The last occurrence of length-delimited field `field` among the fields in bytes[start, end)
 * (the last, as decoders keep the last value of a singular field).
 */
export function lastLengthDelimitedField(bytes: Uint8Array, field: number, start = 0, end = bytes.length): FieldSpan | undefined {
  const wanted = (field << 3) | LENGTH_DELIMITED;
  let found: FieldSpan | undefined;
  let pos = start;
  while (pos < end) {
    const tagAt = pos;
    let tag: number;
    [tag, pos] = readVarint(bytes, pos);
    switch (tag & 7) {
      case 0:
        [, pos] = readVarint(bytes, pos);
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case LENGTH_DELIMITED: {
        let length: number;
        [length, pos] = readVarint(bytes, pos);
        if (tag === wanted) found = { tag: tagAt, start: pos, end: pos + length };
        pos += length;
        break;
      }
      default:
        throw new ProtobufFieldsError(`unsupported wire type ${tag & 7}`);
    }
    if (pos > end) throw new ProtobufFieldsError('field runs past the end of its message');
  }
  return found;
}
