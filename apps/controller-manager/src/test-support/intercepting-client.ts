import type { ApiObject, DeleteOptions, KindInfo } from '@minik8s/api';
import { ApiClient, type ClientOptions } from '@minik8s/client';

/** One write a controller is about to send to the apiserver. */
export interface ApiWrite {
  readonly verb: 'create' | 'update' | 'patch' | 'delete';
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** '' for the object itself, e.g. 'status' for an updateStatus. */
  readonly subresource: string;
  /** What a create or update sends. */
  readonly object?: ApiObject;
  /** What a patch sends. */
  readonly patch?: unknown;
}

/** Sees each write before it is sent; throwing (or rejecting) fails the call with that error, as a failed API call would. */
export type WriteInterceptor = (write: ApiWrite) => void | Promise<void>;

/**
 * An ApiClient that shows every create, update, patch and delete to an interceptor first, so an
 * integration test can make one chosen API call fail and reach the state a crash or a transient
 * apiserver error between two writes of a sync leaves behind, which a healthy apiserver never
 * produces on its own. Reads and watches pass through untouched.
 */
export class InterceptingApiClient extends ApiClient {
  constructor(
    address: string,
    options: ClientOptions,
    private readonly intercept: WriteInterceptor,
  ) {
    super(address, options);
  }

  override async create(info: KindInfo, obj: ApiObject, namespace: string | undefined, options: { dryRun?: boolean } = {}): Promise<ApiObject> {
    const ns = namespace ?? obj.metadata?.namespace;
    await this.intercept({ verb: 'create', kind: info.kind, namespace: ns, name: obj.metadata?.name ?? '', subresource: '', object: obj });
    return super.create(info, obj, namespace, options);
  }

  override async update(info: KindInfo, obj: ApiObject, namespace: string | undefined, subresource = '', options: { dryRun?: boolean } = {}): Promise<ApiObject> {
    const ns = namespace ?? obj.metadata?.namespace;
    await this.intercept({ verb: 'update', kind: info.kind, namespace: ns, name: obj.metadata?.name ?? '', subresource, object: obj });
    return super.update(info, obj, namespace, subresource, options);
  }

  override async patch(info: KindInfo, namespace: string | undefined, name: string, patchType: string, patch: unknown, subresource = ''): Promise<ApiObject> {
    await this.intercept({ verb: 'patch', kind: info.kind, namespace, name, subresource, patch });
    return super.patch(info, namespace, name, patchType, patch, subresource);
  }

  override async delete(info: KindInfo, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<ApiObject> {
    await this.intercept({ verb: 'delete', kind: info.kind, namespace, name, subresource: '' });
    return super.delete(info, namespace, name, options);
  }
}
