import { status as GrpcStatus } from '@grpc/grpc-js';
import { GrpcHttp2Client, type CallHandle, type GrpcCallError } from '@minik8s/grpc-http2';
import {
  API_SERVER_SERVICE,
  defaultScheme,
  fromServiceError,
  type ApiObject,
  type DeleteOptions,
  type DiscoveryResponse,
  type KindInfo,
  type ListOptions,
  type ResourceRef,
  type Scheme,
  type Unknown,
  type VersionInfo,
  type WatchEvent,
} from '@minik8s/api';
import type { KindRef } from './kinds';

export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface TypedWatchEvent<T> {
  type: WatchEventType;
  object: T;
}

export interface ClientOptions {
  scheme?: Scheme;
  /** Deadline for unary calls. */
  timeoutMs?: number;
  /**
   * Whether calls wait (until their deadline) for an unreachable apiserver to come back, as
   * components want across restarts; a CLI wants to fail fast instead. Default true.
   */
  waitForReady?: boolean;
}

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

/** A watch in progress: iterate its events; `close` ends it. */
export class WatchStream<T> implements AsyncIterable<TypedWatchEvent<T>> {
  private readonly queue: TypedWatchEvent<T>[] = [];
  private waiting: ((r: IteratorResult<TypedWatchEvent<T>>) => void) | undefined;
  private failWaiting: ((err: unknown) => void) | undefined;
  private ended = false;
  private error: unknown;
  private readonly call: CallHandle;

  /** `open` starts the call with handlers for each event and for its end. */
  constructor(open: (handlers: { event(e: WatchEvent): void; end(err: GrpcCallError | undefined): void }) => CallHandle, decode: (u: Unknown | undefined) => T) {
    this.call = open({
      event: (event) => this.push({ type: (event.type ?? 'MODIFIED') as WatchEventType, object: decode(event.object) }),
      // A cancel we asked for is a normal end.
      end: (err) => this.finish(!err || (err.code === GrpcStatus.CANCELLED && this.closed) ? undefined : fromServiceError(err)),
    });
  }

  private closed = false;

  private push(event: TypedWatchEvent<T>): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.failWaiting = undefined;
      resolve({ value: event, done: false });
    } else {
      this.queue.push(event);
    }
  }

  private finish(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    if (this.waiting) {
      const resolve = this.waiting;
      const reject = this.failWaiting;
      this.waiting = undefined;
      this.failWaiting = undefined;
      if (err && reject) reject(err);
      else resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<TypedWatchEvent<T>>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.ended) {
      return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  close(): void {
    this.closed = true;
    this.call.cancel();
    this.finish(undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<TypedWatchEvent<T>> {
    return { next: () => this.next(), return: async () => (this.close(), { value: undefined, done: true }) };
  }
}

/** Calls on one resource, optionally scoped to a namespace: `client.resource(Pods).namespace('x')`. */
export class ResourceClient<T extends ApiObject> {
  constructor(
    private readonly client: ApiClient,
    readonly info: KindInfo,
    private readonly ns: string | undefined,
  ) {}

  namespace(namespace: string | undefined): ResourceClient<T> {
    return new ResourceClient<T>(this.client, this.info, namespace);
  }

  private nsOf(obj?: ApiObject): string | undefined {
    return this.info.namespaced ? (obj?.metadata?.namespace ?? this.ns) : undefined;
  }

  create(obj: T, options: { dryRun?: boolean } = {}): Promise<T> {
    return this.client.create(this.info, obj, this.nsOf(obj), options) as Promise<T>;
  }
  get(name: string): Promise<T> {
    return this.client.get(this.info, this.ns, name) as Promise<T>;
  }
  list(options: ListOptions = {}): Promise<ObjectList<T>> {
    return this.client.list(this.info, this.ns, options) as Promise<ObjectList<T>>;
  }
  update(obj: T, options: { dryRun?: boolean } = {}): Promise<T> {
    return this.client.update(this.info, obj, this.nsOf(obj), '', options) as Promise<T>;
  }
  updateStatus(obj: T): Promise<T> {
    return this.client.update(this.info, obj, this.nsOf(obj), 'status') as Promise<T>;
  }
  patch(name: string, patchType: string, patch: unknown, subresource = ''): Promise<T> {
    return this.client.patch(this.info, this.ns, name, patchType, patch, subresource) as Promise<T>;
  }
  delete(name: string, options: DeleteOptions = {}): Promise<T> {
    return this.client.delete(this.info, this.ns, name, options) as Promise<T>;
  }
  deleteCollection(listOptions: ListOptions = {}, options: DeleteOptions = {}): Promise<ObjectList<T>> {
    return this.client.deleteCollection(this.info, this.ns, listOptions, options) as Promise<ObjectList<T>>;
  }
  watch(options: ListOptions = {}): WatchStream<T> {
    return this.client.watch(this.info, this.ns, options) as unknown as WatchStream<T>;
  }
}

/** A unary method of the ApiServer service, as the generated definition describes it. */
interface UnaryMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

/**
 * The typed gRPC client of the apiserver that every component and minictl use, on one HTTP/2
 * connection of libs/grpc-http2: grpc-js's client stack cost several times node:http2's own per
 * call, and the scheduler's binds, the kubelets' and controllers' status writes and every
 * informer's watch events all pass through here.
 */
export class ApiClient {
  readonly scheme: Scheme;
  private readonly transport: GrpcHttp2Client;
  private readonly timeoutMs: number;
  private readonly waitForReady: boolean;

  constructor(
    readonly address: string,
    options: ClientOptions = {},
  ) {
    this.scheme = options.scheme ?? defaultScheme();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.waitForReady = options.waitForReady ?? true;
    // Its defaults are the ones this client always had: pings every 20 s, reconnects 200 ms → 2 s.
    this.transport = new GrpcHttp2Client(address.replace(/^grpc:\/\//, ''));
  }

  resource<T extends ApiObject>(ref: KindRef<T>): ResourceClient<T> {
    return new ResourceClient<T>(this, this.kindInfo(ref), undefined);
  }

  kindInfo(ref: { apiVersion: string; kind: string }): KindInfo {
    const info = this.scheme.forKind(ref.apiVersion, ref.kind);
    if (!info) throw new Error(`kind ${ref.kind} of ${ref.apiVersion} is not registered`);
    return info;
  }

  private ref(info: KindInfo, namespace: string | undefined, name = '', subresource = ''): ResourceRef {
    return { group: info.group, version: info.version, resource: info.resource, namespace: info.namespaced ? namespace : undefined, name, subresource };
  }

  private async call<Req, Res>(method: UnaryMethod<Req, Res>, req: Req): Promise<Res> {
    let bytes: Buffer;
    try {
      bytes = await this.transport.call(method.path, method.requestSerialize(req), { deadline: Date.now() + this.timeoutMs, waitForReady: this.waitForReady });
    } catch (err) {
      throw fromServiceError(err);
    }
    return method.responseDeserialize(bytes);
  }

  private decode(unknown: Unknown | undefined): ApiObject {
    return this.scheme.fromUnknown(unknown).obj;
  }

  async create(info: KindInfo, obj: ApiObject, namespace: string | undefined, options: { dryRun?: boolean } = {}): Promise<ApiObject> {
    const res = await this.call(API_SERVER_SERVICE.create, {
      ref: this.ref(info, namespace ?? obj.metadata?.namespace),
      object: this.scheme.toUnknown(info, obj),
      dryRun: options.dryRun ? ['All'] : [],
    });
    return this.decode(res.object);
  }

  async get(info: KindInfo, namespace: string | undefined, name: string, subresource = ''): Promise<ApiObject> {
    const res = await this.call(API_SERVER_SERVICE.get, { ref: this.ref(info, namespace, name, subresource) });
    return this.decode(res.object);
  }

  async list(info: KindInfo, namespace: string | undefined, options: ListOptions = {}): Promise<ObjectList<ApiObject>> {
    const res = await this.call(API_SERVER_SERVICE.list, { ref: this.ref(info, namespace), options });
    return {
      items: (res.items ?? []).map((u) => this.decode(u)),
      resourceVersion: res.metadata?.resourceVersion ?? '',
      continue: res.metadata?.continue || undefined,
    };
  }

  async update(info: KindInfo, obj: ApiObject, namespace: string | undefined, subresource = '', options: { dryRun?: boolean } = {}): Promise<ApiObject> {
    const res = await this.call(API_SERVER_SERVICE.update, {
      ref: this.ref(info, namespace ?? obj.metadata?.namespace, obj.metadata?.name ?? '', subresource),
      object: this.scheme.toUnknown(subresource === 'scale' ? this.kindInfo({ apiVersion: 'autoscaling/v1', kind: 'Scale' }) : info, obj),
      dryRun: options.dryRun ? ['All'] : [],
    });
    return this.decode(res.object);
  }

  async patch(info: KindInfo, namespace: string | undefined, name: string, patchType: string, patch: unknown, subresource = ''): Promise<ApiObject> {
    const body = typeof patch === 'string' ? patch : JSON.stringify(patch);
    const res = await this.call(API_SERVER_SERVICE.patch, {
      ref: this.ref(info, namespace, name, subresource),
      patchType,
      patch: Buffer.from(body, 'utf8'),
    });
    return this.decode(res.object);
  }

  async delete(info: KindInfo, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<ApiObject> {
    const res = await this.call(API_SERVER_SERVICE.delete, { ref: this.ref(info, namespace, name), options });
    return this.decode(res.object);
  }

  async deleteCollection(info: KindInfo, namespace: string | undefined, listOptions: ListOptions = {}, options: DeleteOptions = {}): Promise<ObjectList<ApiObject>> {
    const res = await this.call(API_SERVER_SERVICE.deleteCollection, { ref: this.ref(info, namespace), listOptions, options });
    return { items: (res.items ?? []).map((u) => this.decode(u)), resourceVersion: res.metadata?.resourceVersion ?? '' };
  }

  watch(info: KindInfo, namespace: string | undefined, options: ListOptions = {}): WatchStream<ApiObject> {
    const method = API_SERVER_SERVICE.watch;
    const request = method.requestSerialize({ ref: this.ref(info, namespace), options });
    return new WatchStream(
      (handlers) =>
        this.transport.serverStream(
          method.path,
          request,
          // An event that does not decode ends the watch with the error; the informer relists.
          { message: (bytes) => handlers.event(method.responseDeserialize(bytes)), end: handlers.end },
          { waitForReady: this.waitForReady },
        ),
      (u) => this.decode(u),
    );
  }

  /** pods/binding: places a pod on a node, as the scheduler does. */
  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    const pods = this.kindInfo({ apiVersion: 'v1', kind: 'Pod' });
    const bindings = this.kindInfo({ apiVersion: 'v1', kind: 'Binding' });
    await this.call(API_SERVER_SERVICE.create, {
      ref: this.ref(pods, namespace, podName, 'binding'),
      object: this.scheme.toUnknown(bindings, {
        metadata: { name: podName, namespace, uid: podUid },
        target: { kind: 'Node', name: nodeName, apiVersion: 'v1' },
      } as ApiObject),
    });
  }

  async getScale(info: KindInfo, namespace: string | undefined, name: string): Promise<ApiObject> {
    return this.get(info, namespace, name, 'scale');
  }

  async updateScale(info: KindInfo, namespace: string | undefined, name: string, replicas: number, resourceVersion?: string): Promise<ApiObject> {
    return this.update(info, { metadata: { name, namespace, resourceVersion }, spec: { replicas } } as ApiObject, namespace, 'scale');
  }

  async discovery(): Promise<DiscoveryResponse> {
    return this.call(API_SERVER_SERVICE.discovery, {});
  }

  async version(): Promise<VersionInfo> {
    return this.call(API_SERVER_SERVICE.version, {});
  }

  close(): void {
    this.transport.close();
  }
}
