import type { Unknown } from '../generated/apiserver/v1/apiserver';
import { newBadRequest } from '../errors';
import { DescriptorPool, type FileMetadata } from '../codec/descriptor-pool';
import { encodeMessage } from '../codec/shared-writer';
import { JsonCodec, type DecodeProblem, type JsonObject } from '../codec/json-codec';
import { apiVersionOf, type ApiObject, type KindInfo, type KindStrategy } from './kind-info';

export interface GroupResource {
  group: string;
  resource: string;
}

/** A manifest that could not be turned into a typed object. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    message: string,
    readonly problems: DecodeProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * The registry of kinds: names, scope, protobuf codec, JSON conversion, strategy and columns.
 * Adding a kind is one proto message plus one `register` call.
 */
export class Scheme {
  private readonly kinds: KindInfo[] = [];
  private readonly byResource = new Map<string, KindInfo>();
  private readonly byKind = new Map<string, KindInfo>();
  readonly json: JsonCodec;

  constructor(files: Iterable<FileMetadata>) {
    this.json = new JsonCodec(new DescriptorPool(files));
  }

  register(info: KindInfo): this {
    const gr = `${info.resource}.${info.group}`;
    if (this.byResource.has(gr)) throw new Error(`resource ${gr} registered twice`);
    this.kinds.push(info);
    this.byResource.set(gr, info);
    this.byKind.set(`${apiVersionOf(info)}/${info.kind}`, info);
    return this;
  }

  /** Attaches server-side rules to an already registered kind. */
  setStrategy<T extends ApiObject>(group: string, kind: string, strategy: KindStrategy<T>): this {
    const info = this.kinds.find((k) => k.group === group && k.kind === kind);
    if (!info) throw new Error(`cannot set strategy: kind ${kind} in group "${group}" is not registered`);
    (info as { strategy?: KindStrategy<ApiObject> }).strategy = strategy as unknown as KindStrategy<ApiObject>;
    return this;
  }

  all(): readonly KindInfo[] {
    return this.kinds;
  }

  forResource(group: string, resource: string): KindInfo | undefined {
    return this.byResource.get(`${resource}.${group}`);
  }

  forKind(apiVersion: string, kind: string): KindInfo | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /**
   * Resolves what a user types (`po`, `pods`, `pod`, `Pod`, `deployments.apps`, `deploy`) the way
   * kubectl's RESTMapper does.
   */
  resolve(name: string): KindInfo | undefined {
    const lower = name.toLowerCase();
    const dot = lower.indexOf('.');
    if (dot > 0) {
      const resource = lower.slice(0, dot);
      const group = lower.slice(dot + 1);
      return this.kinds.find(
        (k) => (k.resource === resource || k.singular === resource || k.kind.toLowerCase() === resource) && k.group === group,
      );
    }
    return (
      this.kinds.find((k) => k.resource === lower) ??
      this.kinds.find((k) => k.singular === lower || k.kind.toLowerCase() === lower) ??
      this.kinds.find((k) => k.shortNames.includes(lower))
    );
  }

  /** Turns one JSON/YAML document into a typed object; unknown kinds and fields are refused. */
  fromJson(doc: unknown): { info: KindInfo; obj: ApiObject } {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new DecodeError('the object is not a JSON/YAML map');
    }
    const { apiVersion, kind } = doc as { apiVersion?: unknown; kind?: unknown };
    if (typeof kind !== 'string' || kind === '') throw new DecodeError("Object 'Kind' is missing");
    if (typeof apiVersion !== 'string' || apiVersion === '') throw new DecodeError("Object 'apiVersion' is missing");
    const info = this.forKind(apiVersion, kind);
    if (!info) {
      throw new DecodeError(`no matches for kind "${kind}" in version "${apiVersion}"`);
    }
    const { value, problems } = this.json.decode(info.protoName, doc);
    if (problems.length > 0) {
      throw new DecodeError(
        `error decoding ${kind}: ${problems.map((p) => (p.message.startsWith('unknown field') ? p.message : `${p.path}: ${p.message}`)).join(', ')}`,
        problems,
      );
    }
    return { info, obj: value as ApiObject };
  }

  /** Kubernetes' JSON for a typed object, with apiVersion and kind filled in. */
  toJson(info: KindInfo, obj: ApiObject): JsonObject {
    const json = this.json.encode(info.protoName, { ...obj, apiVersion: apiVersionOf(info), kind: info.kind });
    return json;
  }

  encode(info: KindInfo, obj: ApiObject): Uint8Array {
    return encodeMessage(info.codec, { ...obj, apiVersion: apiVersionOf(info), kind: info.kind });
  }

  decode(info: KindInfo, bytes: Uint8Array): ApiObject {
    return info.codec.decode(bytes);
  }

  toUnknown(info: KindInfo, obj: ApiObject): Unknown {
    return { apiVersion: apiVersionOf(info), kind: info.kind, raw: Buffer.from(this.encode(info, obj)) };
  }

  fromUnknown(unknown: Unknown | undefined): { info: KindInfo; obj: ApiObject } {
    if (!unknown?.kind || !unknown.apiVersion) throw newBadRequest('the request carries no object');
    const info = this.forKind(unknown.apiVersion, unknown.kind);
    if (!info) throw newBadRequest(`no kind "${unknown.kind}" is registered for version "${unknown.apiVersion}"`);
    return { info, obj: this.decode(info, unknown.raw ?? new Uint8Array()) };
  }
}
