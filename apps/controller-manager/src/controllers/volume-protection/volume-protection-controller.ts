import { isNotFound, type corev1 } from '@minik8s/api';
import {
  JSON_PATCH,
  keyOf,
  PersistentVolumeClaims,
  PersistentVolumes,
  Pods,
  splitKey,
  WorkQueue,
  type EventHandlers,
  type Lister,
} from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import { claimsOfPod, podUsesClaim, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, volumeInUse } from './in-use';

/** Removes one finalizer from an object, NotFound counting as done. */
export type RemoveFinalizer = (namespace: string | undefined, name: string, finalizer: string) => Promise<void>;

export interface PvcProtectionDeps {
  claims: Lister<corev1.PersistentVolumeClaim>;
  pods: Lister<corev1.Pod>;
  /** The pods of a namespace as the apiserver has them now: the last word before letting go. */
  livePods(namespace: string): Promise<corev1.Pod[]>;
  removeFinalizer: RemoveFinalizer;
  logger: Logger;
  waitForCacheSync?: () => Promise<boolean>;
}

/**
 * Kubernetes' pvc-protection controller: a claim being deleted keeps its
 * `kubernetes.io/pvc-protection` finalizer while any unfinished pod uses it, so its data
 * outlives no pod and no pod loses its data mid-run.
 */
export class PvcProtectionController implements Controller {
  readonly name = 'pvc-protection';
  readonly queue = new WorkQueue<string>();

  constructor(private readonly deps: PvcProtectionDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.deps.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    await runQueue(this.name, this.queue, (key) => this.sync(key), 2, signal, this.deps.logger);
  }

  claimHandlers(): EventHandlers<corev1.PersistentVolumeClaim> {
    const enqueue = (claim: corev1.PersistentVolumeClaim): void => {
      if (claim.metadata?.deletionTimestamp && claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) this.queue.add(keyOf(claim));
    };
    return { onAdd: enqueue, onUpdate: (_old, cur) => enqueue(cur), onDelete: () => undefined };
  }

  /** A pod that finishes or goes may free its claims. */
  podHandlers(): EventHandlers<corev1.Pod> {
    const enqueue = (pod: corev1.Pod): void => {
      for (const name of claimsOfPod(pod)) this.queue.add(`${pod.metadata?.namespace ?? ''}/${name}`);
    };
    return { onAdd: () => undefined, onUpdate: (_old, cur) => enqueue(cur), onDelete: enqueue };
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const claim = this.deps.claims.get(namespace, name);
    if (!claim?.metadata?.deletionTimestamp || !claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    const ns = namespace ?? '';
    if (this.deps.pods.list(ns).some((p) => podUsesClaim(p, name))) return;
    // The cache may lag a pod just created: ask the apiserver before letting the claim go.
    if ((await this.deps.livePods(ns)).some((p) => podUsesClaim(p, name))) return;
    await this.deps.removeFinalizer(ns, name, PVC_PROTECTION_FINALIZER);
  }
}

export interface PvProtectionDeps {
  volumes: Lister<corev1.PersistentVolume>;
  removeFinalizer: RemoveFinalizer;
  logger: Logger;
  waitForCacheSync?: () => Promise<boolean>;
}

/**
 * Kubernetes' pv-protection controller: a volume being deleted keeps its
 * `kubernetes.io/pv-protection` finalizer while a claim is bound to it.
 */
export class PvProtectionController implements Controller {
  readonly name = 'pv-protection';
  readonly queue = new WorkQueue<string>();

  constructor(private readonly deps: PvProtectionDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.deps.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    await runQueue(this.name, this.queue, (key) => this.sync(key), 1, signal, this.deps.logger);
  }

  volumeHandlers(): EventHandlers<corev1.PersistentVolume> {
    const enqueue = (pv: corev1.PersistentVolume): void => {
      if (pv.metadata?.deletionTimestamp && pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) this.queue.add(pv.metadata?.name ?? '');
    };
    return { onAdd: enqueue, onUpdate: (_old, cur) => enqueue(cur), onDelete: () => undefined };
  }

  async sync(name: string): Promise<void> {
    const pv = this.deps.volumes.get(undefined, name);
    if (!pv?.metadata?.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return;
    if (volumeInUse(pv)) return;
    await this.deps.removeFinalizer(undefined, name, PV_PROTECTION_FINALIZER);
  }
}

/** A JSON patch that removes exactly `finalizer` (tested in place, so no other one is lost). */
function removeFinalizerPatch(finalizers: readonly string[], finalizer: string): unknown[] {
  const i = finalizers.indexOf(finalizer);
  return [
    { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
    { op: 'remove', path: `/metadata/finalizers/${i}` },
  ];
}

/** Removes a finalizer by a fresh read and a guarded patch. */
function finalizerRemover(get: (ns: string | undefined, name: string) => Promise<{ metadata?: { finalizers?: string[] } }>, patch: (ns: string | undefined, name: string, body: unknown[]) => Promise<unknown>): RemoveFinalizer {
  return async (ns, name, finalizer) => {
    try {
      const fresh = await get(ns, name);
      const finalizers = fresh.metadata?.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      await patch(ns, name, removeFinalizerPatch(finalizers, finalizer));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };
}

export function newPvcProtectionController(context: ControllerContext): PvcProtectionController {
  const claims = context.informers.informerFor(PersistentVolumeClaims);
  const pods = context.informers.informerFor(Pods);
  const claimClient = context.client.resource(PersistentVolumeClaims);
  const podClient = context.client.resource(Pods);
  const controller = new PvcProtectionController({
    claims,
    pods,
    livePods: async (ns) => (await podClient.namespace(ns).list()).items,
    removeFinalizer: finalizerRemover(
      (ns, name) => claimClient.namespace(ns).get(name),
      (ns, name, body) => claimClient.namespace(ns).patch(name, JSON_PATCH, body),
    ),
    logger: context.logger.child({ controller: 'pvc-protection' }),
    waitForCacheSync: async () => (await Promise.all([claims.waitForCacheSync(), pods.waitForCacheSync()])).every(Boolean),
  });
  claims.addEventHandler(controller.claimHandlers());
  pods.addEventHandler(controller.podHandlers());
  return controller;
}

export function newPvProtectionController(context: ControllerContext): PvProtectionController {
  const volumes = context.informers.informerFor(PersistentVolumes);
  const client = context.client.resource(PersistentVolumes);
  const controller = new PvProtectionController({
    volumes,
    removeFinalizer: finalizerRemover(
      (_ns, name) => client.get(name),
      (_ns, name, body) => client.patch(name, JSON_PATCH, body),
    ),
    logger: context.logger.child({ controller: 'pv-protection' }),
    waitForCacheSync: () => volumes.waitForCacheSync(),
  });
  volumes.addEventHandler(controller.volumeHandlers());
  return controller;
}

/** `pvc-protection`: a claim in use by a pod is not removed until the pod is done with it. */
export const pvcProtectionControllerFactory: ControllerFactory = (context) => newPvcProtectionController(context);
/** `pv-protection`: a volume bound to a claim is not removed until it is released. */
export const pvProtectionControllerFactory: ControllerFactory = (context) => newPvProtectionController(context);
