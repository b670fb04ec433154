import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import type { ObjectMeta } from '../generated/meta/v1/meta';
import type { FieldError } from '../validation/field-path';
import type { NameValidator } from '../validation/primitives';

/** What every API object has; the typed kinds extend it with spec and status. */
export interface ApiObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: ObjectMeta | undefined;
}

/** The protobuf functions ts-proto generates for a message. */
export interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

export type Subresource = 'status' | 'scale' | 'binding' | 'finalize' | 'log' | 'exec' | 'attach' | 'portforward';

/** One column of `minictl get`'s table, like a Kubernetes TableColumnDefinition. */
export interface TableColumn<T> {
  name: string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
  value(obj: T, now: Date): string;
}

/**
 * The server-side rules of a kind, as Kubernetes' REST strategies hold them. Methods (not function
 * properties) keep a KindStrategy<Pod> usable where a KindStrategy<ApiObject> is expected.
 */
export interface KindStrategy<T> {
  /** How metadata.name is validated; DNS-1123 subdomain when absent. */
  readonly nameValidator?: NameValidator;
  /** Fills in Kubernetes' defaults in place. */
  applyDefaults?(obj: T): void;
  /** Resets what a client may not set on create (e.g. status). */
  prepareForCreate?(obj: T): void;
  /** Carries over from the stored object what an update may not change. */
  prepareForUpdate?(obj: T, old: T): void;
  validate?(obj: T): FieldError[];
  validateUpdate?(obj: T, old: T): FieldError[];
}

/** How the scale subresource reads and writes a kind's replicas. */
export interface ScaleAccess<T> {
  specReplicas(obj: T): number;
  setSpecReplicas(obj: T, replicas: number): void;
  statusReplicas(obj: T): number;
  /** The label selector in its string form, as Scale.status.selector carries it. */
  selector(obj: T): string;
}

/** Everything the scheme knows about one kind. */
export interface KindInfo<T extends ApiObject = ApiObject> {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Plural lower-case resource name, as in REST paths. */
  readonly resource: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories?: readonly string[];
  readonly namespaced: boolean;
  /** Full protobuf message name, e.g. `minik8s.core.v1.Pod`. */
  readonly protoName: string;
  readonly codec: MessageCodec<T>;
  readonly subresources: readonly Subresource[];
  readonly columns?: readonly TableColumn<T>[];
  /** Field-selector labels beyond metadata.name and metadata.namespace (e.g. spec.nodeName). */
  fieldLabels?(obj: T): Record<string, string>;
  readonly scale?: ScaleAccess<T>;
  readonly strategy?: KindStrategy<T>;
}

export function apiVersionOf(info: { group: string; version: string }): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Widens a concrete KindInfo for storage in the registry. */
export function defineKind<T extends ApiObject>(info: KindInfo<T>): KindInfo {
  return info as unknown as KindInfo;
}
