import { apiVersionOf, isConflict, isNotFound, reasonOf, type ApiObject, type corev1, type KindInfo } from '@minik8s/api';
import { Namespaces, type ApiClient, type Clock } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { failingConditions, updateConditions, type ContentDeletionReport } from './conditions';

/** The spec.finalizers entry this controller owns. */
export const KUBERNETES_FINALIZER = 'kubernetes';
/** How long objects held by metadata.finalizers are given, as Kubernetes assumes. */
export const FINALIZER_ESTIMATE_SECONDS = 15;
const CONFLICT_RETRIES = 5;

/** What one resource's pass found. */
interface ResourceResult {
  estimateSeconds: number;
  remaining: number;
  remainingByFinalizer: Map<string, number>;
  error?: string;
}

function resourceName(info: KindInfo): string {
  return `${info.resource}.${info.group}`;
}

function timeString(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Empties a terminating namespace and finalizes it, as Kubernetes' namespacedResourcesDeleter:
 * each pass deletes every namespaced resource (deletecollection, or list and delete where that
 * is not served), lists what is left, records the outcome in status conditions, and answers how
 * many seconds to wait when content is still going (graceful pods, finalizers). Once nothing is
 * left, it removes `kubernetes` from spec.finalizers through the finalize subresource, and the
 * apiserver removes the namespace.
 */
export class NamespacedContentDeleter {
  private readonly namespaceKind: KindInfo;
  /** `verb resource.group` pairs the apiserver does not serve. */
  private readonly unsupported = new Set<string>();

  constructor(
    private readonly client: ApiClient,
    private readonly kinds: readonly KindInfo[],
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.namespaceKind = client.kindInfo(Namespaces);
  }

  /** One pass. Answers the seconds to wait before the next one; 0 when there is nothing left to do. */
  async delete(name: string): Promise<number> {
    let namespace = await this.getNamespace(name);
    if (!namespace?.metadata?.deletionTimestamp) return 0;
    namespace = await this.retryOnConflict(namespace, (ns) => this.ensureTerminating(ns));
    if (!namespace?.metadata?.deletionTimestamp) return 0;
    if (!(namespace.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return 0;
    const estimate = await this.deleteAllContent(namespace);
    if (estimate > 0) return estimate;
    await this.retryOnConflict(namespace, (ns) => this.finalize(ns));
    this.logger.info({ namespace: name }, 'namespace content removed; finalized');
    return 0;
  }

  private async getNamespace(name: string): Promise<corev1.Namespace | undefined> {
    try {
      return (await this.client.get(this.namespaceKind, undefined, name)) as corev1.Namespace;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Runs `fn`, reading the namespace again after each Conflict; undefined once it is gone. */
  private async retryOnConflict(
    namespace: corev1.Namespace,
    fn: (ns: corev1.Namespace) => Promise<corev1.Namespace>,
  ): Promise<corev1.Namespace | undefined> {
    let current = namespace;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(current);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      }
      const latest = await this.getNamespace(current.metadata?.name ?? '');
      if (!latest) return undefined;
      if (latest.metadata?.uid !== current.metadata?.uid) throw new Error('namespace uid has changed across retries');
      current = latest;
    }
  }

  private async ensureTerminating(ns: corev1.Namespace): Promise<corev1.Namespace> {
    if (ns.status?.phase === 'Terminating') return ns;
    const next: corev1.Namespace = { ...ns, status: { ...ns.status, phase: 'Terminating' } };
    return (await this.client.update(this.namespaceKind, next, undefined, 'status')) as corev1.Namespace;
  }

  private async finalize(ns: corev1.Namespace): Promise<corev1.Namespace> {
    const finalizers = [...new Set((ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER))].sort();
    const next: corev1.Namespace = { metadata: ns.metadata, spec: { ...ns.spec, finalizers } };
    return (await this.client.update(this.namespaceKind, next, undefined, 'finalize')) as corev1.Namespace;
  }

  /** Deletes what is in the namespace, writes the conditions, and answers the estimate. */
  private async deleteAllContent(namespace: corev1.Namespace): Promise<number> {
    const name = namespace.metadata?.name ?? '';
    const results = await Promise.all(
      this.kinds.map(async (info) => {
        try {
          return { info, result: await this.deleteAllContentFor(info, name) };
        } catch (err) {
          return { info, result: { estimateSeconds: 0, remaining: 0, remainingByFinalizer: new Map(), error: (err as Error).message } };
        }
      }),
    );
    let estimate = 0;
    const report: ContentDeletionReport & { remainingByResource: Map<string, number>; remainingByFinalizer: Map<string, number> } = {
      errors: [],
      remainingByResource: new Map(),
      remainingByFinalizer: new Map(),
    };
    for (const { info, result } of results) {
      estimate = Math.max(estimate, result.estimateSeconds);
      if (result.error) report.errors.push(result.error);
      if (result.remaining > 0) report.remainingByResource.set(resourceName(info), result.remaining);
      for (const [finalizer, n] of result.remainingByFinalizer) {
        report.remainingByFinalizer.set(finalizer, (report.remainingByFinalizer.get(finalizer) ?? 0) + n);
      }
    }
    await this.retryOnConflict(namespace, async (ns) => {
      const now = timeString(this.clock.now());
      const status = structuredClone(ns.status ?? {});
      if (!updateConditions(status, failingConditions(report, now), now)) return ns;
      const next: corev1.Namespace = { ...ns, status };
      return (await this.client.update(this.namespaceKind, next, undefined, 'status')) as corev1.Namespace;
    });
    if (report.errors.length > 0) {
      throw new Error(`namespace ${name}: ${[...report.errors].sort().join('; ')}`);
    }
    if (report.remainingByResource.size > 0) {
      this.logger.debug({ namespace: name, estimate, remaining: Object.fromEntries(report.remainingByResource) }, 'namespace content remains');
    }
    return estimate;
  }

  private async deleteAllContentFor(info: KindInfo, namespace: string): Promise<ResourceResult> {
    if (!(await this.deleteCollection(info, namespace))) await this.deleteEachItem(info, namespace);
    const remaining = await this.listCollection(info, namespace);
    const result: ResourceResult = { estimateSeconds: 0, remaining: remaining?.length ?? 0, remainingByFinalizer: new Map() };
    if (!remaining || remaining.length === 0) return result;
    for (const item of remaining) {
      for (const finalizer of item.metadata?.finalizers ?? []) {
        result.remainingByFinalizer.set(finalizer, (result.remainingByFinalizer.get(finalizer) ?? 0) + 1);
      }
    }
    if (info.group === '' && info.kind === 'Pod') result.estimateSeconds = this.estimateGracefulTermination(remaining as corev1.Pod[]);
    // Finalizers are a normal reason to wait: give whoever owns them time to finish.
    if (result.estimateSeconds === 0 && result.remainingByFinalizer.size > 0) result.estimateSeconds = FINALIZER_ESTIMATE_SECONDS;
    if (result.estimateSeconds === 0) {
      result.error = `unexpected items still remain in namespace: ${namespace} for gvr: ${apiVersionOf(info)}, Resource=${info.resource}`;
    }
    return result;
  }

  /**
   * How long the pods still here may take: each one's remaining grace period when it is
   * already terminating, its terminationGracePeriodSeconds otherwise. Finished pods take none.
   */
  private estimateGracefulTermination(pods: readonly corev1.Pod[]): number {
    const now = this.clock.now();
    let estimate = 0;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const deletionTimestamp = pod.metadata?.deletionTimestamp;
      const seconds = deletionTimestamp
        ? Math.max(1, Math.ceil((Date.parse(deletionTimestamp) - now) / 1000))
        : (pod.spec?.terminationGracePeriodSeconds ?? 30);
      estimate = Math.max(estimate, seconds);
    }
    return estimate;
  }

  /** Whether `verb` on `info` is served; remembers when the apiserver says it is not. */
  private async supported<T>(verb: string, info: KindInfo, call: () => Promise<T>): Promise<{ served: boolean; value?: T }> {
    const key = `${verb} ${resourceName(info)}`;
    if (this.unsupported.has(key)) return { served: false };
    try {
      return { served: true, value: await call() };
    } catch (err) {
      // An unknown resource answers NotFound; a verb it does not serve, MethodNotAllowed.
      if (isNotFound(err) || reasonOf(err) === 'MethodNotAllowed') {
        this.unsupported.add(key);
        return { served: false };
      }
      throw err;
    }
  }

  private async deleteCollection(info: KindInfo, namespace: string): Promise<boolean> {
    const { served } = await this.supported('deletecollection', info, () =>
      this.client.deleteCollection(info, namespace, {}, { propagationPolicy: 'Background' }),
    );
    return served;
  }

  private async listCollection(info: KindInfo, namespace: string): Promise<ApiObject[] | undefined> {
    const { value } = await this.supported('list', info, () => this.client.list(info, namespace));
    return value?.items;
  }

  private async deleteEachItem(info: KindInfo, namespace: string): Promise<void> {
    const items = (await this.listCollection(info, namespace)) ?? [];
    for (const item of items) {
      try {
        await this.client.delete(info, namespace, item.metadata?.name ?? '', { propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}
