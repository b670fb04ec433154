/**
 * Every top-level kind carries its ObjectMeta as field 3 and ObjectMeta its resource_version as
 * field 6, as in Kubernetes' generated.proto; `resourceVersionSpliceWorks` checks a kind.
 */
const METADATA_FIELD = 3;
const RESOURCE_VERSION_FIELD = 6;
const LENGTH_DELIMITED = 2;
const METADATA_TAG = (METADATA_FIELD << 3) | LENGTH_DELIMITED;
const RESOURCE_VERSION_TAG = (RESOURCE_VERSION_FIELD << 3) | LENGTH_DELIMITED;

/** Thrown for bytes that are not a protobuf message this splice can walk. */
export class SpliceError extends Error {
  override readonly name = 'SpliceError';
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[pos++] = value;
  return pos;
}

/** Reads the varint at `pos`; returns [value, position after it]. */
function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new SpliceError('truncated varint');
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 0x80;
  }
  throw new SpliceError('varint longer than 10 bytes');
}

/** Where the (last, as decoders keep the last) metadata field sits in a top-level message. */
interface MetadataSpan {
  /** Offset of the field's tag. */
  start: number;
  /** Offset of the ObjectMeta bytes and their length. */
  body: number;
  length: number;
}

function findMetadata(bytes: Uint8Array): MetadataSpan | undefined {
  let found: MetadataSpan | undefined;
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
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
        if (tag === METADATA_TAG) found = { start, body: pos, length };
        pos += length;
        break;
      }
      default:
        throw new SpliceError(`unsupported wire type ${tag & 7}`);
    }
    if (pos > bytes.length) throw new SpliceError('field runs past the end of the message');
  }
  return found;
}

/**
 * The protobuf encoding of an object with `metadata.resourceVersion` set, made from its encoding
 * without it (what etcd holds): the field is appended to the ObjectMeta bytes and their length
 * prefix rewritten, instead of decoding and encoding the whole object again. A resourceVersion
 * already in the bytes is overridden, since decoders keep the last value of a field.
 */
export function spliceResourceVersion(encoded: Uint8Array, resourceVersion: string): Buffer {
  if (!resourceVersion) return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const rvLength = Buffer.byteLength(resourceVersion, 'utf8');
  const rvField = 1 + varintSize(rvLength) + rvLength;
  const span = findMetadata(encoded);
  const metaLength = (span?.length ?? 0) + rvField;
  const head = span ? span.start : encoded.length;
  const tail = span ? span.body + span.length : encoded.length;
  const out = Buffer.allocUnsafe(head + 1 + varintSize(metaLength) + metaLength + (encoded.length - tail));
  out.set(encoded.subarray(0, head), 0);
  let pos = head;
  out[pos++] = METADATA_TAG;
  pos = writeVarint(out, pos, metaLength);
  if (span) {
    out.set(encoded.subarray(span.body, tail), pos);
    pos += span.length;
  }
  out[pos++] = RESOURCE_VERSION_TAG;
  pos = writeVarint(out, pos, rvLength);
  pos += out.write(resourceVersion, pos, 'utf8');
  out.set(encoded.subarray(tail), pos);
  return out;
}

/**
 * Whether `spliceResourceVersion` is right for a message type: its decoder must read the
 * spliced resourceVersion back. Callers check each kind once and encode in full where it fails.
 */
export function resourceVersionSpliceWorks(
  encode: (obj: { metadata?: { name?: string } }) => Uint8Array,
  decode: (bytes: Uint8Array) => { metadata?: { name?: string; resourceVersion?: string } },
): boolean {
  try {
    const probe = decode(spliceResourceVersion(encode({ metadata: { name: 'probe' } }), '12345'));
    const bare = decode(spliceResourceVersion(encode({}), '678'));
    return probe.metadata?.name === 'probe' && probe.metadata.resourceVersion === '12345' && bare.metadata?.resourceVersion === '678';
  } catch {
    return false;
  }
}
