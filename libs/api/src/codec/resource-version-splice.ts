import { lastLengthDelimitedField } from './protobuf-fields';

/**
 * Every top-level kind carries its ObjectMeta as field 3 and ObjectMeta its resource_version as
 * field 6, as in Kubernetes' generated.proto; `resourceVersionSpliceWorks` checks a kind.
 */
const METADATA_FIELD = 3;
const RESOURCE_VERSION_FIELD = 6;
const LENGTH_DELIMITED = 2;
const METADATA_TAG = (METADATA_FIELD << 3) | LENGTH_DELIMITED;
const RESOURCE_VERSION_TAG = (RESOURCE_VERSION_FIELD << 3) | LENGTH_DELIMITED;

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

/**
 * The protobuf encoding of an object with `metadata.resourceVersion` set, made from its encoding
 * without it (what etcd holds): the field is appended to the ObjectMeta bytes and their length
 * prefix rewritten, instead of decoding and encoding the whole object again. A resourceVersion
 * already in the bytes is overridden, since decoders keep the last value of a field. Bytes that
 * are not a protobuf message throw a ProtobufFieldsError.
 */
export function spliceResourceVersion(encoded: Uint8Array, resourceVersion: string): Buffer {
  if (!resourceVersion) return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const rvLength = Buffer.byteLength(resourceVersion, 'utf8');
  const rvField = 1 + varintSize(rvLength) + rvLength;
  const span = lastLengthDelimitedField(encoded, METADATA_FIELD);
  const spanLength = span ? span.end - span.start : 0;
  const metaLength = spanLength + rvField;
  const head = span ? span.tag : encoded.length;
  const tail = span ? span.end : encoded.length;
  const out = Buffer.allocUnsafe(head + 1 + varintSize(metaLength) + metaLength + (encoded.length - tail));
  out.set(encoded.subarray(0, head), 0);
  let pos = head;
  out[pos++] = METADATA_TAG;
  pos = writeVarint(out, pos, metaLength);
  if (span) {
    out.set(encoded.subarray(span.start, tail), pos);
    pos += spanLength;
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
