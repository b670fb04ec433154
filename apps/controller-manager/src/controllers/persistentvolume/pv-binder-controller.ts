import { isAlreadyExists, isNotFound, type ApiObject, type corev1, type storagev1 } from '@minik8s/api';
import {
  keyOf,
  PersistentVolumeClaims,
  Events,
  PersistentVolumes,
  Pods,
  splitKey,
  StorageClasses,
  WorkQueue,
  type EventHandlers,
  type EventType,
  type Lister,
} from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  claimRefFor,
  findBestMatch,
  isPreBoundTo,
  mismatch,
  waitsForFirstConsumer,
} from './matching';
import {
  isRecyclerPod,
  recyclablePath,
  RECYCLER_NAMESPACE,
  recyclerPod,
  recyclerPodName,
  recyclesCurrentRelease,
  recycleOutcome,
  unboundVolume,
} from './recycler-pod';

/** The binder's API writes, behind one seam. */
export interface BinderApi {
  updateVolume(pv: corev1.PersistentVolume): Promise<corev1.PersistentVolume>;
  updateVolumeStatus(pv: corev1.PersistentVolume): Promise<corev1.PersistentVolume>;
  deleteVolume(name: string): Promise<void>;
  updateClaim(claim: corev1.PersistentVolumeClaim): Promise<corev1.PersistentVolumeClaim>;
  updateClaimStatus(claim: corev1.PersistentVolumeClaim): Promise<corev1.PersistentVolumeClaim>;
  createPod(pod: corev1.Pod): Promise<corev1.Pod>;
  /** Deletes a pod; NotFound is the caller's to ignore. */
  deletePod(namespace: string, name: string): Promise<void>;
  /** The events recorded about a pod, forwarded to the volume it recycled. */
  podEvents(namespace: string, name: string): Promise<corev1.Event[]>;
}

export interface BinderEventSink {
  event(obj: ApiObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface PersistentVolumeBinderDeps {
  volumes: Lister<corev1.PersistentVolume>;
  claims: Lister<corev1.PersistentVolumeClaim>;
  classes: Lister<storagev1.StorageClass>;
  pods: Lister<corev1.Pod>;
  api: BinderApi;
  events: BinderEventSink;
  logger: Logger;
  queue?: WorkQueue<string>;
  /** How long after a failed recycle to try again (Kubernetes retries on its 15s resync). */
  recycleRetryMs?: number;
  waitForCacheSync?: () => Promise<boolean>;
}

const CLAIM = 'claim:';
/** Tells external provisioners which of them is to make the claim's volume. */
const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** The provisioner of classes whose volumes an administrator makes by hand. */
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
const VOLUME = 'volume:';

function rvNumber(obj: ApiObject | undefined): number {
  return Number(obj?.metadata?.resourceVersion ?? 0) || 0;
}

function withKind<T extends ApiObject>(obj: T, kind: string): T {
  return obj.kind ? obj : { ...obj, apiVersion: 'v1', kind };
}

/**
 * The binding half of Kubernetes' PersistentVolume controller: claims are bound to the smallest
 * matching Available volume (or the one reserved for them), volumes move through
 * Available/Bound/Released, and released volumes are kept (Retain), deleted (Delete) or scrubbed
 * by a recycler pod and made Available again (Recycle, hostPath and local volumes only). One
 * worker serves claims and volumes, and volumes this controller just wrote are remembered until
 * the cache catches up, so two claims never get one volume. Dynamic provisioning is left to
 * external provisioners (the local-path provisioner): the binder names the provisioner on the
 * claim and binds the volume it makes, which comes pre-bound to the claim.
 */
export class PersistentVolumeBinder implements Controller {
  readonly name = 'persistentvolume-binder';
  readonly queue: WorkQueue<string>;
  /** Volumes written by this controller that the cache may not show yet. */
  private readonly assumed = new Map<string, corev1.PersistentVolume>();
  /** When each volume's last recycle failed, so a failing recycler is not restarted at once. */
  private readonly recycleFailedAt = new Map<string, number>();
  private readonly recycleRetryMs: number;
  /** Finished recycler pods already acted on (by uid), whose deletion the cache may not show yet. */
  private readonly handledRecyclers = new Set<string>();

  constructor(private readonly deps: PersistentVolumeBinderDeps) {
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.recycleRetryMs = deps.recycleRetryMs ?? 15_000;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.deps.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    // One worker: binding decisions must see each other.
    await runQueue(this.name, this.queue, (key) => this.sync(key), 1, signal, this.deps.logger);
  }

  volumeHandlers(): EventHandlers<corev1.PersistentVolume> {
    const enqueue = (pv: corev1.PersistentVolume): void => {
      this.queue.add(VOLUME + (pv.metadata?.name ?? ''));
      const ref = pv.spec?.claimRef;
      if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace ?? ''}/${ref.name}`);
    };
    return {
      onAdd: (pv) => {
        enqueue(pv);
        // A new volume may serve a waiting claim.
        if (!pv.spec?.claimRef) this.enqueuePendingClaims();
      },
      onUpdate: (_old, cur) => {
        enqueue(cur);
        if (!cur.spec?.claimRef) this.enqueuePendingClaims();
      },
      onDelete: (pv) => {
        this.assumed.delete(pv.metadata?.name ?? '');
        this.recycleFailedAt.delete(pv.metadata?.name ?? '');
        // A recycler pod it may have left goes too.
        this.queue.add(VOLUME + (pv.metadata?.name ?? ''));
        const ref = pv.spec?.claimRef;
        if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace ?? ''}/${ref.name}`);
      },
    };
  }

  claimHandlers(): EventHandlers<corev1.PersistentVolumeClaim> {
    const enqueue = (claim: corev1.PersistentVolumeClaim): void => {
      this.queue.add(CLAIM + keyOf(claim));
      if (claim.spec?.volumeName) this.queue.add(VOLUME + claim.spec.volumeName);
    };
    return {
      onAdd: enqueue,
      onUpdate: (_old, cur) => enqueue(cur),
      onDelete: (claim) => {
        // Volumes bound to it are released.
        for (const pv of this.deps.volumes.list()) {
          const ref = pv.spec?.claimRef;
          if (ref?.name === claim.metadata?.name && ref?.namespace === claim.metadata?.namespace) this.queue.add(VOLUME + (pv.metadata?.name ?? ''));
        }
      },
    };
  }

  /** A recycler pod that moved on wakes its volume. */
  podHandlers(): EventHandlers<corev1.Pod> {
    const enqueue = (pod: corev1.Pod): void => {
      const volume = isRecyclerPod(pod);
      if (volume) this.queue.add(VOLUME + volume);
    };
    return {
      onAdd: enqueue,
      onUpdate: (_old, cur) => enqueue(cur),
      onDelete: (pod) => {
        this.handledRecyclers.delete(pod.metadata?.uid ?? '');
        enqueue(pod);
      },
    };
  }

  private enqueuePendingClaims(): void {
    for (const claim of this.deps.claims.list()) {
      if (!claim.spec?.volumeName) this.queue.add(CLAIM + keyOf(claim));
    }
  }

  /** The newest version of a volume: the cache's, or what this controller last wrote. */
  private volume(name: string): corev1.PersistentVolume | undefined {
    const cached = this.deps.volumes.get(undefined, name);
    const mine = this.assumed.get(name);
    if (!mine) return cached;
    if (!cached || rvNumber(cached) >= rvNumber(mine)) {
      this.assumed.delete(name);
      return cached;
    }
    return mine;
  }

  private volumes(): corev1.PersistentVolume[] {
    return this.deps.volumes.list().map((pv) => this.volume(pv.metadata?.name ?? '') ?? pv);
  }

  private remember(pv: corev1.PersistentVolume): corev1.PersistentVolume {
    this.assumed.set(pv.metadata?.name ?? '', pv);
    return pv;
  }

  async sync(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return this.syncVolume(key.slice(VOLUME.length));
  }

  // ---- claims ----

  private async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deps.claims.get(namespace, name);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const claim = withKind(cached, 'PersistentVolumeClaim');
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) return this.syncUnboundClaim(claim);

    const pv = this.volume(volumeName);
    if (!pv) {
      // The volume it was bound to is gone.
      if (claim.status?.phase === 'Bound') {
        await this.setClaimPhase(claim, 'Lost');
        await this.deps.events.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      }
      return;
    }
    const ref = pv.spec?.claimRef;
    if (!ref) {
      // Bound by the user to this volume: finish the binding from the volume's side.
      if (mismatch(pv, claim)) {
        await this.deps.events.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${mismatch(pv, claim)}`);
        return;
      }
      await this.bind(pv, claim);
      return;
    }
    if (ref.uid === claim.metadata?.uid || (isPreBoundTo(pv, claim) && !ref.uid)) {
      await this.bind(pv, claim);
      return;
    }
    // Another claim holds the volume.
    if (claim.status?.phase === 'Bound') {
      await this.setClaimPhase(claim, 'Lost');
      await this.deps.events.event(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    }
  }

  private async syncUnboundClaim(found: corev1.PersistentVolumeClaim): Promise<void> {
    let claim = found;
    const classes = (n: string): storagev1.StorageClass | undefined => this.deps.classes.get(undefined, n);
    const delayed = waitsForFirstConsumer(claim, classes) && !claim.metadata?.annotations?.[ANN_SELECTED_NODE];
    const pv = findBestMatch(claim, this.volumes());
    // A volume reserved for this claim binds even under WaitForFirstConsumer.
    if (pv && (!delayed || isPreBoundTo(pv, claim))) {
      await this.bind(pv, claim);
      return;
    }
    const className = claim.spec?.storageClassName ?? '';
    const provisioner = className ? classes(className)?.provisioner : undefined;
    const external = !delayed && !!provisioner && provisioner !== NO_PROVISIONER;
    if (external && claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] !== provisioner) {
      // An external provisioner (the built-in local-path one among them) makes the volume; name it.
      const annotations = { ...claim.metadata?.annotations, [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner };
      claim = withKind(await this.deps.api.updateClaim({ ...claim, metadata: { ...claim.metadata, annotations } }), 'PersistentVolumeClaim');
    }
    if (claim.status?.phase !== 'Pending') await this.setClaimPhase(claim, 'Pending');
    if (delayed) {
      await this.deps.events.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    } else if (external) {
      await this.deps.events.event(
        claim,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
    } else {
      const message = className
        ? `storageclass.storage.k8s.io "${className}" has no matching persistent volume and dynamic provisioning is not supported`
        : 'no persistent volumes available for this claim and no storage class is set';
      await this.deps.events.event(claim, 'Normal', 'FailedBinding', message);
    }
  }

  /** Both halves of a binding, each written only where it is missing; safe to repeat. */
  private async bind(pv: corev1.PersistentVolume, claim: corev1.PersistentVolumeClaim): Promise<void> {
    let volume = pv;
    const ref = volume.spec?.claimRef;
    if (!ref || ref.uid !== claim.metadata?.uid || ref.name !== claim.metadata?.name) {
      const annotations = { ...(volume.metadata?.annotations ?? {}) };
      if (!ref) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      volume = this.remember(
        await this.deps.api.updateVolume({ ...volume, metadata: { ...volume.metadata, annotations }, spec: { ...volume.spec, claimRef: claimRefFor(claim) } }),
      );
    }
    if (volume.status?.phase !== 'Bound') {
      volume = this.remember(await this.deps.api.updateVolumeStatus({ ...volume, status: { ...volume.status, phase: 'Bound', message: undefined, reason: undefined } }));
    }
    let bound = claim;
    const volumeName = volume.metadata?.name ?? '';
    if (bound.spec?.volumeName !== volumeName || bound.metadata?.annotations?.[ANN_BIND_COMPLETED] !== 'yes') {
      const annotations: Record<string, string> = { ...(bound.metadata?.annotations ?? {}), [ANN_BIND_COMPLETED]: 'yes' };
      if (!bound.spec?.volumeName) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      bound = await this.deps.api.updateClaim({ ...bound, metadata: { ...bound.metadata, annotations }, spec: { ...bound.spec, volumeName } });
    }
    const status = bound.status ?? {};
    const capacity = volume.spec?.capacity ?? {};
    const modes = volume.spec?.accessModes ?? [];
    if (status.phase !== 'Bound' || status.capacity?.storage !== capacity.storage || (status.accessModes ?? []).join() !== modes.join()) {
      await this.deps.api.updateClaimStatus({ ...bound, status: { ...status, phase: 'Bound', capacity: { ...capacity }, accessModes: [...modes] } });
      await this.deps.events.event(withKind(bound, 'PersistentVolumeClaim'), 'Normal', 'Bound', `Successfully bound to volume ${volumeName}`);
    }
  }

  private async setClaimPhase(claim: corev1.PersistentVolumeClaim, phase: string): Promise<void> {
    try {
      await this.deps.api.updateClaimStatus({ ...claim, status: { ...(claim.status ?? {}), phase } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- volumes ----

  private async syncVolume(name: string): Promise<void> {
    const found = this.volume(name);
    // A volume being deleted is still synced: its phase tells pv-protection when it may go.
    if (!found) {
      await this.deleteRecyclerPod(name);
      return;
    }
    const pv = withKind(found, 'PersistentVolume');
    const ref = pv.spec?.claimRef;
    if (!ref) {
      await this.setVolumePhase(pv, 'Available');
      // Recycled: the pod may outlive the unbinding if the controller stopped in between.
      await this.deleteRecyclerPod(name);
      return;
    }
    const claim = this.deps.claims.get(ref.namespace, ref.name ?? '');
    if (!ref.uid) {
      // Reserved for a claim by name: available to it alone.
      await this.setVolumePhase(pv, 'Available');
      await this.deleteRecyclerPod(name);
      if (claim) this.queue.add(CLAIM + keyOf(claim));
      return;
    }
    if (!claim || claim.metadata?.uid !== ref.uid) {
      await this.release(pv);
      return;
    }
    if (!claim.spec?.volumeName) {
      // Bound from this side only; the claim's sync completes it.
      this.queue.add(CLAIM + keyOf(claim));
      return;
    }
    if (claim.spec.volumeName === name) {
      await this.setVolumePhase(pv, 'Bound');
      return;
    }
    // The claim is bound to another volume: undo our half if we made it.
    if (pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]) {
      const annotations = { ...(pv.metadata.annotations ?? {}) };
      delete annotations[ANN_BOUND_BY_CONTROLLER];
      const unbound = this.remember(await this.deps.api.updateVolume({ ...pv, metadata: { ...pv.metadata, annotations }, spec: { ...pv.spec, claimRef: undefined } }));
      await this.setVolumePhase(unbound, 'Available');
    } else {
      await this.release(pv);
    }
  }

  /** The claim is gone: Released, then kept (Retain), deleted (Delete) or recycled (Recycle). */
  private async release(pv: corev1.PersistentVolume): Promise<void> {
    // A volume whose reclaim failed stays Failed, as in Kubernetes; the reclaim is retried anyway.
    const volume = pv.status?.phase === 'Failed' ? pv : await this.setVolumePhase(pv, 'Released');
    const policy = volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (volume.metadata?.deletionTimestamp) return;
    if (policy === 'Delete') {
      try {
        await this.deps.api.deleteVolume(volume.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await this.deps.events.event(volume, 'Normal', 'VolumeDelete', `persistentvolume ${volume.metadata?.name} deleted`);
    } else if (policy === 'Recycle') {
      await this.recycle(volume);
    }
  }

  /**
   * One step of recycling a released volume, from what the recycler pod (found by name, so a
   * restarted controller carries on) says: create it, wait, then make the volume Available again
   * or Failed, and delete the pod.
   */
  private async recycle(volume: corev1.PersistentVolume): Promise<void> {
    const name = volume.metadata?.name ?? '';
    const ref = volume.spec?.claimRef ?? {};
    const pod = this.deps.pods.get(RECYCLER_NAMESPACE, recyclerPodName(name));
    if (pod && !recyclesCurrentRelease(pod, volume)) {
      // Left from an earlier release, or not ours (Kubernetes cannot tell either, and deletes it):
      // its result says nothing about this release.
      if (!pod.metadata?.deletionTimestamp) await this.deleteRecyclerPod(name, true);
      return;
    }
    if (!recyclablePath(volume)) {
      await this.failVolume(volume, 'No recycler plugin found for the volume!');
      return;
    }
    if (!pod) {
      const wait = (this.recycleFailedAt.get(name) ?? -Infinity) + this.recycleRetryMs - Date.now();
      if (wait > 0) {
        this.queue.addAfter(VOLUME + name, wait);
        return;
      }
      const users = podsUsingClaim(this.deps.pods.list(), ref.namespace ?? '', ref.name ?? '');
      // A claim of that name now is another claim, bound elsewhere: its pods do not use this volume.
      if (users.length > 0 && !this.deps.claims.get(ref.namespace, ref.name ?? '')) {
        await this.deps.events.event(volume, 'Normal', 'VolumeFailedRecycle', `Volume is used by pods: ${users.join(',')}`);
        this.queue.addAfter(VOLUME + name, this.recycleRetryMs);
        return;
      }
      try {
        await this.deps.api.createPod(recyclerPod(volume));
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    if (pod.metadata?.deletionTimestamp || this.handledRecyclers.has(pod.metadata?.uid ?? '')) return;
    const outcome = recycleOutcome(pod);
    if (!outcome.done) return;
    await this.forwardRecyclerEvents(volume, pod);
    if (outcome.ok) {
      const unbound = this.remember(await this.deps.api.updateVolume(unboundVolume(volume)));
      await this.setVolumePhase(unbound, 'Available');
      this.recycleFailedAt.delete(name);
      await this.deps.events.event(volume, 'Normal', 'VolumeRecycled', 'Volume recycled');
    } else {
      await this.failVolume(volume, outcome.message);
      this.recycleFailedAt.set(name, Date.now());
      this.queue.addAfter(VOLUME + name, this.recycleRetryMs);
    }
    await this.deleteRecyclerPod(name);
    if (pod.metadata?.uid) this.handledRecyclers.add(pod.metadata.uid);
  }

  /** The recycler pod's own events, told on the volume as Kubernetes' recycler does. */
  private async forwardRecyclerEvents(volume: corev1.PersistentVolume, pod: corev1.Pod): Promise<void> {
    let events: corev1.Event[];
    try {
      events = await this.deps.api.podEvents(RECYCLER_NAMESPACE, pod.metadata?.name ?? '');
    } catch (err) {
      this.deps.logger.debug({ err, volume: volume.metadata?.name }, 'could not read the recycler pod events');
      return;
    }
    for (const e of events) {
      if (e.involvedObject?.uid && e.involvedObject.uid !== pod.metadata?.uid) continue;
      await this.deps.events.event(volume, e.type === 'Warning' ? 'Warning' : 'Normal', 'RecyclerPod', `Recycler pod: ${e.message ?? ''}`);
    }
  }

  /** Failed with a VolumeFailedRecycle event, once per reason (Kubernetes' updateVolumePhaseWithEvent). */
  private async failVolume(volume: corev1.PersistentVolume, message: string): Promise<void> {
    if (volume.status?.phase === 'Failed' && volume.status.message === message) return;
    await this.setVolumePhase(volume, 'Failed', message);
    await this.deps.events.event(volume, 'Warning', 'VolumeFailedRecycle', message);
  }

  /** Deletes the volume's recycler pod; one it did not label as such only when `anyPod`. */
  private async deleteRecyclerPod(volumeName: string, anyPod = false): Promise<void> {
    const name = recyclerPodName(volumeName);
    const pod = this.deps.pods.get(RECYCLER_NAMESPACE, name);
    if (!pod || pod.metadata?.deletionTimestamp || (!anyPod && isRecyclerPod(pod) !== volumeName)) return;
    try {
      await this.deps.api.deletePod(RECYCLER_NAMESPACE, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** The phase, with its message (Kubernetes' updateVolumePhase: the message is replaced, or cleared). */
  private async setVolumePhase(pv: corev1.PersistentVolume, phase: string, message?: string): Promise<corev1.PersistentVolume> {
    if (pv.status?.phase === phase && (pv.status?.message ?? undefined) === message) return pv;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const transition = pv.status?.phase === phase ? pv.status?.lastPhaseTransitionTime : now;
    return this.remember(
      await this.deps.api.updateVolumeStatus({ ...pv, status: { ...pv.status, phase, message, lastPhaseTransitionTime: transition } }),
    );
  }
}

/** Pods, not finished, in the namespace that mount the claim (Kubernetes' isVolumeUsed). */
function podsUsingClaim(pods: readonly corev1.Pod[], namespace: string, claimName: string): string[] {
  return pods
    .filter((p) => p.metadata?.namespace === namespace && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .filter((p) => (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claimName))
    .map((p) => `${namespace}/${p.metadata?.name ?? ''}`)
    .sort();
}

export function newPersistentVolumeBinder(context: ControllerContext): PersistentVolumeBinder {
  const volumes = context.informers.informerFor(PersistentVolumes);
  const claims = context.informers.informerFor(PersistentVolumeClaims);
  const classes = context.informers.informerFor(StorageClasses);
  const pods = context.informers.informerFor(Pods);
  const pvClient = context.client.resource(PersistentVolumes);
  const pvcClient = context.client.resource(PersistentVolumeClaims);
  const podClient = context.client.resource(Pods);
  const eventClient = context.client.resource(Events);
  const binder = new PersistentVolumeBinder({
    volumes,
    claims,
    classes,
    pods,
    api: {
      updateVolume: (pv) => pvClient.update(pv),
      updateVolumeStatus: (pv) => pvClient.updateStatus(pv),
      deleteVolume: async (name) => {
        await pvClient.delete(name);
      },
      updateClaim: (claim) => pvcClient.namespace(claim.metadata?.namespace).update(claim),
      updateClaimStatus: (claim) => pvcClient.namespace(claim.metadata?.namespace).updateStatus(claim),
      createPod: (pod) => podClient.namespace(pod.metadata?.namespace).create(pod),
      deletePod: async (namespace, name) => {
        await podClient.namespace(namespace).delete(name);
      },
      podEvents: async (namespace, name) => (await eventClient.namespace(namespace).list({ fieldSelector: `involvedObject.name=${name}` })).items,
    },
    events: context.recorder('persistentvolume-controller'),
    logger: context.logger.child({ controller: 'persistentvolume-binder' }),
    waitForCacheSync: async () => (await Promise.all([volumes, claims, classes, pods].map((i) => i.waitForCacheSync()))).every(Boolean),
  });
  volumes.addEventHandler(binder.volumeHandlers());
  claims.addEventHandler(binder.claimHandlers());
  pods.addEventHandler(binder.podHandlers());
  return binder;
}

/** `persistentvolume-binder`: binds claims to volumes and releases volumes of deleted claims. */
export const persistentVolumeBinderFactory: ControllerFactory = (context) => newPersistentVolumeBinder(context);
