import type { ApiObject } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import type { ApiClient } from './api-client';
import type { Clock } from './clock';
import { Informer } from './informer';
import type { KindRef } from './kinds';

/**
 * client-go's SharedInformerFactory: one informer per kind (and namespace/selector), shared by
 * every controller in the process, started together, synced together.
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<ApiObject>>();
  private started = false;

  constructor(
    private readonly client: ApiClient,
    private readonly options: { namespace?: string; logger?: Logger; clock?: Clock; resyncMs?: number } = {},
  ) {}

  informerFor<T extends ApiObject>(ref: KindRef<T>, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Informer<T> {
    const key = `${ref.apiVersion}/${ref.kind}?${selectors.labelSelector ?? ''}&${selectors.fieldSelector ?? ''}`;
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer<ApiObject>(this.client, this.client.kindInfo(ref), { ...this.options, ...selectors });
      this.informers.set(key, informer);
      if (this.started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  /** Resolves true once every informer has listed, false if `timeoutMs` passes first. */
  async waitForCacheSync(timeoutMs = 60_000): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForCacheSync(timeoutMs)));
    return results.every(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
