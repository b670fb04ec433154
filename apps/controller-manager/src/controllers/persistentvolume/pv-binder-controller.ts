import { isNotFound, type ApiObject, type corev1, type storagev1 } from '@minik8s/api';
import {
  keyOf,
  PersistentVolumeClaims,
  PersistentVolumes,
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

/** The binder's API writes, behind one seam. */
export interface BinderApi {
  updateVolume(pv: corev1.PersistentVolume): Promise<corev1.PersistentVolume>;
  updateVolumeStatus(pv: corev1.PersistentVolume): Promise<corev1.PersistentVolume>;
  deleteVolume(name: string): Promise<void>;
  updateClaim(claim: corev1.PersistentVolumeClaim): Promise<corev1.PersistentVolumeClaim>;
  updateClaimStatus(claim: corev1.PersistentVolumeClaim): Promise<corev1.PersistentVolumeClaim>;
}

export interface BinderEventSink {
  event(obj: ApiObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface PersistentVolumeBinderDeps {
  volumes: Lister<corev1.PersistentVolume>;
  claims: Lister<corev1.PersistentVolumeClaim>;
  classes: Lister<storagev1.StorageClass>;
  api: BinderApi;
  events: BinderEventSink;
  logger: Logger;
  queue?: WorkQueue<string>;
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
 * Available/Bound/Released, and released volumes are kept (Retain) or deleted (Delete). One
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

  constructor(private readonly deps: PersistentVolumeBinderDeps) {
    this.queue = deps.queue ?? new WorkQueue<string>();
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
    if (!found) return;
    const pv = withKind(found, 'PersistentVolume');
    const ref = pv.spec?.claimRef;
    if (!ref) {
      await this.setVolumePhase(pv, 'Available');
      return;
    }
    const claim = this.deps.claims.get(ref.namespace, ref.name ?? '');
    if (!ref.uid) {
      // Reserved for a claim by name: available to it alone.
      await this.setVolumePhase(pv, 'Available');
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

  /** The claim is gone: Released, then kept (Retain) or deleted (Delete). */
  private async release(pv: corev1.PersistentVolume): Promise<void> {
    const volume = await this.setVolumePhase(pv, 'Released');
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
      await this.deps.events.event(volume, 'Warning', 'VolumeFailedRecycle', 'recycling is not supported');
    }
  }

  private async setVolumePhase(pv: corev1.PersistentVolume, phase: string): Promise<corev1.PersistentVolume> {
    if (pv.status?.phase === phase) return pv;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return this.remember(await this.deps.api.updateVolumeStatus({ ...pv, status: { ...pv.status, phase, lastPhaseTransitionTime: now } }));
  }
}

export function newPersistentVolumeBinder(context: ControllerContext): PersistentVolumeBinder {
  const volumes = context.informers.informerFor(PersistentVolumes);
  const claims = context.informers.informerFor(PersistentVolumeClaims);
  const classes = context.informers.informerFor(StorageClasses);
  const pvClient = context.client.resource(PersistentVolumes);
  const pvcClient = context.client.resource(PersistentVolumeClaims);
  const binder = new PersistentVolumeBinder({
    volumes,
    claims,
    classes,
    api: {
      updateVolume: (pv) => pvClient.update(pv),
      updateVolumeStatus: (pv) => pvClient.updateStatus(pv),
      deleteVolume: async (name) => {
        await pvClient.delete(name);
      },
      updateClaim: (claim) => pvcClient.namespace(claim.metadata?.namespace).update(claim),
      updateClaimStatus: (claim) => pvcClient.namespace(claim.metadata?.namespace).updateStatus(claim),
    },
    events: context.recorder('persistentvolume-controller'),
    logger: context.logger.child({ controller: 'persistentvolume-binder' }),
    waitForCacheSync: async () => (await Promise.all([volumes.waitForCacheSync(), claims.waitForCacheSync(), classes.waitForCacheSync()])).every(Boolean),
  });
  volumes.addEventHandler(binder.volumeHandlers());
  claims.addEventHandler(binder.claimHandlers());
  return binder;
}

/** `persistentvolume-binder`: binds claims to volumes and releases volumes of deleted claims. */
export const persistentVolumeBinderFactory: ControllerFactory = (context) => newPersistentVolumeBinder(context);
