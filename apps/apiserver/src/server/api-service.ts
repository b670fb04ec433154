import type { sendUnaryData, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { API_SERVER_SERVICE, encodeMessageToBuffer, WatchEvent } from '@minik8s/api';
import type {
  ApiServerServer,
  ApiObject,
  KindInfo,
  ResourceRef,
  Scheme,
  Unknown,
  WatchRequest,
  ListResponse,
  ObjectResponse,
} from '@minik8s/api';
import { apiVersionOf, newBadRequest, newMethodNotSupported, StatusError, toServiceError } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import type { Clock, GenericRegistry } from '../registry/generic-registry';
import { bindPod, type ScaleSubresource } from '../registry/subresources';
import type { ApiMetrics } from './metrics';
import { discoveryResources } from './discovery';

export const SERVER_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-minik8s.0.1.0',
  gitCommit: '',
  buildDate: '',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch}`,
};

// One event goes to every watcher as the same Unknown object; its WatchEvent bytes are made once
// and written as they are (see WATCH_SERVICE), instead of once per watcher.
const encodedEvents = new WeakMap<Unknown, Map<string, Buffer>>();

function encodedWatchEvent(type: string, object: Unknown): Buffer {
  let byType = encodedEvents.get(object);
  if (!byType) encodedEvents.set(object, (byType = new Map()));
  let bytes = byType.get(type);
  if (!bytes) {
    bytes = encodeMessageToBuffer(WatchEvent, { type, object });
    byType.set(type, bytes);
  }
  return bytes;
}

/** The service definition with a Watch serializer that passes pre-encoded events through. */
export const WATCH_SERVICE: typeof API_SERVER_SERVICE = {
  ...API_SERVER_SERVICE,
  watch: {
    ...API_SERVER_SERVICE.watch,
    responseSerialize: (value: WatchEvent | Buffer): Buffer => (Buffer.isBuffer(value) ? value : encodeMessageToBuffer(WatchEvent, value)),
  },
};

interface ResolvedRef {
  info: KindInfo;
  namespace: string | undefined;
  name: string;
  subresource: string;
}

/** The gRPC face of the apiserver: resolves the resource, dispatches the verb, records metrics. */
export class ApiService {
  constructor(
    private readonly scheme: Scheme,
    private readonly registry: GenericRegistry,
    private readonly scale: ScaleSubresource,
    private readonly clock: Clock,
    private readonly metrics: ApiMetrics,
    private readonly logger: Logger,
  ) {}

  private resolveOrNotFound(ref: ResourceRef | undefined, needsName: boolean): ResolvedRef {
    const info = this.scheme.forResource(ref?.group ?? '', ref?.resource ?? '');
    if (!info || (ref?.version && ref.version !== info.version)) {
      throw new StatusError('NotFound', 'the server could not find the requested resource');
    }
    const namespace = info.namespaced ? ref?.namespace || undefined : undefined;
    const name = ref?.name ?? '';
    if (needsName && !name) throw newBadRequest('resource name may not be empty');
    if (needsName && info.namespaced && !namespace) throw newBadRequest('namespace is required for a namespaced resource');
    return { info, namespace, name, subresource: ref?.subresource ?? '' };
  }

  private unary<Req, Res>(
    verb: string,
    refOf: (req: Req) => ResourceRef | undefined,
    handler: (req: Req) => Promise<Res>,
  ): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
    return (call, callback) => {
      const ref = refOf(call.request);
      const labels = { verb, group: ref?.group ?? '', resource: ref?.resource ?? '', subresource: ref?.subresource ?? '' };
      const end = this.metrics.latency.startTimer(labels);
      handler(call.request).then(
        (res) => {
          end();
          this.metrics.requests.inc({ ...labels, code: 'OK' });
          callback(null, res);
        },
        (err: unknown) => {
          end();
          const serviceError = toServiceError(err);
          this.metrics.requests.inc({ ...labels, code: String(serviceError.code) });
          if (serviceError.code === 13) this.logger.error({ err, verb, ref }, 'request failed');
          else this.logger.debug({ verb, ref, reason: serviceError.details }, 'request refused');
          callback(serviceError as never, null);
        },
      );
    };
  }

  private decodeBody(info: KindInfo, body: Unknown | undefined, expected?: KindInfo): ApiObject {
    const { info: bodyInfo, obj } = this.scheme.fromUnknown(body);
    const want = expected ?? info;
    if (bodyInfo !== want) {
      throw newBadRequest(`the API version in the data (${apiVersionOf(bodyInfo)}) does not match the expected API version (${apiVersionOf(want)}) or kind ${bodyInfo.kind} is not ${want.kind}`);
    }
    return obj;
  }

  private respond(info: KindInfo, obj: ApiObject): ObjectResponse {
    return { object: this.registry.toUnknown(info, obj) };
  }

  implementation(): ApiServerServer {
    return {
      create: this.unary('create', (r) => r.ref, async (req) => {
        const { info, namespace, name, subresource } = this.resolveOrNotFound(req.ref, false);
        const dryRun = (req.dryRun ?? []).includes('All');
        if (subresource === 'binding' && info.group === '' && info.kind === 'Pod') {
          const bindingKind = this.scheme.forKind('v1', 'Binding');
          if (!bindingKind) throw newMethodNotSupported({ group: '', resource: 'pods' }, 'binding');
          const binding = this.decodeBody(info, req.object, bindingKind);
          return this.respond(bindingKind, await bindPod(this.registry, info, this.clock, namespace ?? '', name, binding));
        }
        if (subresource) throw newMethodNotSupported({ group: info.group, resource: info.resource }, `create of ${subresource}`);
        const obj = this.decodeBody(info, req.object);
        return this.respond(info, await this.registry.create(info, namespace, obj, dryRun));
      }),
      get: this.unary('get', (r) => r.ref, async (req) => {
        const { info, namespace, name, subresource } = this.resolveOrNotFound(req.ref, true);
        if (subresource === 'scale') return this.respond(this.scale.kind, await this.scale.get(info, namespace, name));
        if (subresource && subresource !== 'status') throw newMethodNotSupported({ group: info.group, resource: info.resource }, `get of ${subresource}`);
        return this.respond(info, await this.registry.get(info, namespace, name));
      }),
      list: this.unary('list', (r) => r.ref, async (req): Promise<ListResponse> => {
        const { info, namespace } = this.resolveOrNotFound(req.ref, false);
        const result = await this.registry.list(info, namespace, req.options ?? {});
        return {
          metadata: { resourceVersion: result.resourceVersion, continue: result.continue, remainingItemCount: result.remainingItemCount },
          items: result.items,
        };
      }),
      update: this.unary('update', (r) => r.ref, async (req) => {
        const { info, namespace, name, subresource } = this.resolveOrNotFound(req.ref, true);
        const dryRun = (req.dryRun ?? []).includes('All');
        if (subresource === 'scale') {
          return this.respond(this.scale.kind, await this.scale.update(info, namespace, name, this.decodeBody(info, req.object, this.scale.kind)));
        }
        const obj = this.decodeBody(info, req.object);
        return this.respond(info, await this.registry.update(info, namespace, name, obj, subresource, dryRun));
      }),
      patch: this.unary('patch', (r) => r.ref, async (req) => {
        const { info, namespace, name, subresource } = this.resolveOrNotFound(req.ref, true);
        const dryRun = (req.dryRun ?? []).includes('All');
        const patched = await this.registry.patch(info, namespace, name, req.patchType ?? '', req.patch ?? new Uint8Array(), subresource, dryRun);
        return this.respond(info, patched);
      }),
      delete: this.unary('delete', (r) => r.ref, async (req) => {
        const { info, namespace, name } = this.resolveOrNotFound(req.ref, true);
        return this.respond(info, await this.registry.delete(info, namespace, name, req.options ?? {}));
      }),
      deleteCollection: this.unary('deletecollection', (r) => r.ref, async (req): Promise<ListResponse> => {
        const { info, namespace } = this.resolveOrNotFound(req.ref, false);
        const result = await this.registry.deleteCollection(info, namespace, req.listOptions ?? {}, req.options ?? {});
        return { metadata: { resourceVersion: result.resourceVersion }, items: result.items };
      }),
      watch: (call: ServerWritableStream<WatchRequest, WatchEvent>) => this.watch(call),
      discovery: this.unary('discovery', () => undefined, async () => ({ resources: discoveryResources(this.scheme) })),
      version: this.unary('version', () => undefined, async () => SERVER_VERSION),
    };
  }

  private watch(call: ServerWritableStream<WatchRequest, WatchEvent>): void {
    const ref = call.request.ref;
    const labels = { group: ref?.group ?? '', resource: ref?.resource ?? '' };
    let handle: { stop(): void } | undefined;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      handle?.stop();
      this.metrics.watchers.dec(labels);
      if (err) call.emit('error', toServiceError(err));
      else call.end();
    };
    this.metrics.watchers.inc(labels);
    this.metrics.requests.inc({ verb: 'watch', ...labels, subresource: '', code: 'OK' });
    call.on('cancelled', () => finish());
    call.on('error', () => finish());
    void (async () => {
      try {
        const { info, namespace } = this.resolveOrNotFound(ref, false);
        const options = call.request.options ?? {};
        handle = await this.registry.watch(info, namespace, options, {
          send: (type, object) => {
            if (!finished) call.write(encodedWatchEvent(type, object) as unknown as WatchEvent);
          },
          close: (err) => finish(err),
        });
        if (finished) handle.stop();
        if (options.timeoutSeconds && options.timeoutSeconds > 0) {
          timer = setTimeout(() => finish(), options.timeoutSeconds * 1000);
        }
      } catch (err) {
        finish(err);
      }
    })();
  }
}
