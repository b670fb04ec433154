import type { DescriptorPool, FieldInfo, FieldShape } from './descriptor-pool';

/** A JSON value as Kubernetes' JSON and YAML manifests hold them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One problem found while decoding a manifest, with the JSON path it sits at. */
export interface DecodeProblem {
  path: string;
  message: string;
}

const INT_OR_STRING = 'minik8s.meta.v1.IntOrString';
const RAW_EXTENSION = 'minik8s.meta.v1.RawExtension';

// Values produced by the decoder are exactly ts-proto's message shapes; they are built generically
// here, so the edge of this module is typed `unknown` and narrowed by the scheme.
type Decoded = Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Converts between Kubernetes JSON and ts-proto objects, walking the protobuf descriptors so that
 * every kind converts the same way: unknown fields are refused (kubectl's strict decoding),
 * intstr keeps its number-or-string form, RawExtension embeds any JSON, bytes are base64.
 */
export class JsonCodec {
  constructor(private readonly pool: DescriptorPool) {}

  decode(typeName: string, json: unknown): { value: Decoded; problems: DecodeProblem[] } {
    const problems: DecodeProblem[] = [];
    const value = this.decodeMessage(typeName, json, '', problems) ?? {};
    return { value, problems };
  }

  encode(typeName: string, value: unknown): JsonObject {
    const out = this.encodeMessage(typeName, value);
    return isPlainObject(out) ? (out as JsonObject) : {};
  }

  private decodeMessage(typeName: string, json: unknown, path: string, problems: DecodeProblem[]): Decoded | undefined {
    if (typeName === INT_OR_STRING) {
      if (typeof json === 'number' && Number.isInteger(json)) return { type: 0, intVal: json };
      if (typeof json === 'string') return { type: 1, strVal: json };
      problems.push({ path, message: `expected an integer or a string, got ${describe(json)}` });
      return undefined;
    }
    if (typeName === RAW_EXTENSION) {
      return { raw: Buffer.from(JSON.stringify(json), 'utf8') };
    }
    if (!isPlainObject(json)) {
      problems.push({ path, message: `expected an object, got ${describe(json)}` });
      return undefined;
    }
    const info = this.pool.message(typeName);
    const out: Decoded = {};
    for (const [key, raw] of Object.entries(json)) {
      const field = info.byJsonName.get(key);
      const fieldPath = join(path, key);
      if (!field) {
        problems.push({ path: fieldPath, message: `unknown field "${fieldPath}"` });
        continue;
      }
      if (raw === null || raw === undefined) continue;
      const converted = this.decodeField(field, raw, fieldPath, problems);
      if (converted !== undefined) out[field.jsonName] = converted;
    }
    return out;
  }

  private decodeField(field: FieldInfo, raw: unknown, path: string, problems: DecodeProblem[]): unknown {
    if (field.mapValue) {
      if (!isPlainObject(raw)) {
        problems.push({ path, message: `expected a map, got ${describe(raw)}` });
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) {
        if (v === null || v === undefined) continue;
        const converted = this.decodeValue(field.mapValue, v, `${path}.${k}`, problems);
        if (converted !== undefined) out[k] = converted;
      }
      return out;
    }
    if (field.repeated) {
      if (!Array.isArray(raw)) {
        problems.push({ path, message: `expected an array, got ${describe(raw)}` });
        return undefined;
      }
      const out: unknown[] = [];
      raw.forEach((item, i) => {
        const converted = this.decodeValue(field.shape, item, `${path}[${i}]`, problems);
        if (converted !== undefined) out.push(converted);
      });
      return out;
    }
    return this.decodeValue(field.shape, raw, path, problems);
  }

  private decodeValue(shape: FieldShape, raw: unknown, path: string, problems: DecodeProblem[]): unknown {
    if (shape.kind === 'message') return this.decodeMessage(shape.typeName, raw, path, problems);
    switch (shape.scalar) {
      case 'string':
      case 'enum':
        // Kubernetes accepts bare numbers where a quantity string is expected (`cpu: 1`).
        if (typeof raw === 'string') return raw;
        if (typeof raw === 'number') return String(raw);
        problems.push({ path, message: `expected a string, got ${describe(raw)}` });
        return undefined;
      case 'int':
      case 'int64':
        if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
        problems.push({ path, message: `expected an integer, got ${describe(raw)} ${JSON.stringify(raw)}` });
        return undefined;
      case 'double':
        if (typeof raw === 'number') return raw;
        problems.push({ path, message: `expected a number, got ${describe(raw)}` });
        return undefined;
      case 'bool':
        if (typeof raw === 'boolean') return raw;
        problems.push({ path, message: `expected a boolean, got ${describe(raw)}` });
        return undefined;
      case 'bytes':
        if (typeof raw === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(raw) && raw.length % 4 === 0) {
          return Buffer.from(raw, 'base64');
        }
        problems.push({ path, message: 'illegal base64 data' });
        return undefined;
    }
  }

  private encodeMessage(typeName: string, value: unknown): JsonValue | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeName === INT_OR_STRING) {
      const v = value as { type?: number; intVal?: number; strVal?: string };
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    if (typeName === RAW_EXTENSION) {
      const raw = (value as { raw?: Uint8Array }).raw;
      if (!raw || raw.length === 0) return null;
      return JSON.parse(Buffer.from(raw).toString('utf8')) as JsonValue;
    }
    const info = this.pool.message(typeName);
    const source = value as Record<string, unknown>;
    const out: JsonObject = {};
    for (const field of info.fields) {
      const encoded = this.encodeField(field, source[field.jsonName]);
      if (encoded !== undefined) out[field.jsonName] = encoded;
    }
    return out;
  }

  private encodeField(field: FieldInfo, value: unknown): JsonValue | undefined {
    if (value === undefined || value === null) return undefined;
    if (field.mapValue) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) return undefined;
      const out: JsonObject = {};
      for (const [k, v] of entries) {
        const encoded = this.encodeValue(field.mapValue, v);
        if (encoded !== undefined) out[k] = encoded;
      }
      return out;
    }
    if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) return undefined;
      return items.map((item) => this.encodeValue(field.shape, item) ?? null);
    }
    return this.encodeValue(field.shape, value);
  }

  private encodeValue(shape: FieldShape, value: unknown): JsonValue | undefined {
    if (value === undefined || value === null) return undefined;
    if (shape.kind === 'message') return this.encodeMessage(shape.typeName, value);
    if (shape.scalar === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
    return value as JsonValue;
  }
}
