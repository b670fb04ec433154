import { isAlreadyExists, isNotFound, type ApiObject, type corev1, type storagev1 } from '@minik8s/api';
import {
  JSON_PATCH,
  keyOf,
  Nodes,
  PersistentVolumeClaims,
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
import { cleanupPod, CLEANUP_NAMESPACE, cleanupPodName, isCleanupPod } from './cleanup-pod';
import {
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  hostnameOf,
  LOCAL_PATH_FINALIZER,
  LOCAL_PATH_PROVISIONER,
  nodeOfVolume,
  pickNode,
  provisionedVolume,
  servesClass,
  volumeNameFor,
  wantsExpansion,
} from './volume-plan';

/** The provisioner's API writes, behind one seam for tests. */
export interface ProvisionerApi {
  createVolume(pv: corev1.PersistentVolume): Promise<corev1.PersistentVolume>;
  /** Removes the cleanup finalizer from a volume; NotFound counts as done. */
  releaseVolume(pv: corev1.PersistentVolume): Promise<void>;
  createPod(pod: corev1.Pod): Promise<corev1.Pod>;
  deletePod(namespace: string, name: string): Promise<void>;
}

export interface ProvisionerEventSink {
  event(obj: ApiObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface LocalPathProvisionerDeps {
  claims: Lister<corev1.PersistentVolumeClaim>;
  volumes: Lister<corev1.PersistentVolume>;
  classes: Lister<storagev1.StorageClass>;
  nodes: Lister<corev1.Node>;
  pods: Lister<corev1.Pod>;
  api: ProvisionerApi;
  events: ProvisionerEventSink;
  logger: Logger;
  /** How long to wait before trying again when no node can take a volume. */
  retryMs?: number;
  waitForCacheSync?: () => Promise<boolean>;
}

const CLAIM = 'claim:';
const VOLUME = 'volume:';

/**
 * The built-in local-path provisioner (`provisioner: minik8s.io/local-path`), an external
 * provisioner in Kubernetes' sense: for an unbound claim of its class that the binder hands it
 * (`volume.kubernetes.io/storage-provisioner`), it creates a hostPath
 * PersistentVolume in a directory of one node, pinned there by nodeAffinity and pre-bound to the
 * claim, which the binder then binds. Immediate classes get a node picked here; WaitForFirstConsumer
 * ones wait for the scheduler's `volume.kubernetes.io/selected-node`. The kubelet creates the
 * directory when a pod first mounts it (DirectoryOrCreate). When a Delete volume is deleted, a
 * helper pod on its node removes the directory, as Rancher's provisioner does, and only then does
 * the volume's finalizer come off.
 */
export class LocalPathProvisioner implements Controller {
  readonly name = 'local-path-provisioner';
  readonly queue = new WorkQueue<string>();
  /** Volumes this controller created that the cache may not show yet, by claim key. */
  private readonly provisioned = new Map<string, string>();
  /** Claims already told that they cannot grow, by claim key → requested size. */
  private readonly refusedExpansion = new Map<string, string>();
  private readonly retryMs: number;

  constructor(private readonly deps: LocalPathProvisionerDeps) {
    this.retryMs = deps.retryMs ?? 10_000;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.deps.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    await runQueue(this.name, this.queue, (key) => this.sync(key), 2, signal, this.deps.logger);
  }

  claimHandlers(): EventHandlers<corev1.PersistentVolumeClaim> {
    const enqueue = (claim: corev1.PersistentVolumeClaim): void => this.queue.add(CLAIM + keyOf(claim));
    return {
      onAdd: enqueue,
      onUpdate: (_old, cur) => enqueue(cur),
      onDelete: (claim) => {
        this.provisioned.delete(keyOf(claim));
        this.refusedExpansion.delete(keyOf(claim));
      },
    };
  }

  volumeHandlers(): EventHandlers<corev1.PersistentVolume> {
    const enqueue = (pv: corev1.PersistentVolume): void => {
      if (pv.metadata?.finalizers?.includes(LOCAL_PATH_FINALIZER)) this.queue.add(VOLUME + (pv.metadata?.name ?? ''));
    };
    return { onAdd: enqueue, onUpdate: (_old, cur) => enqueue(cur), onDelete: () => undefined };
  }

  /** A cleanup pod that moved on wakes its volume. */
  podHandlers(): EventHandlers<corev1.Pod> {
    const enqueue = (pod: corev1.Pod): void => {
      const volume = isCleanupPod(pod);
      if (volume) this.queue.add(VOLUME + volume);
    };
    return { onAdd: enqueue, onUpdate: (_old, cur) => enqueue(cur), onDelete: enqueue };
  }

  /** A class appearing late (or a node becoming Ready) may unblock waiting claims. */
  wakeClaimsHandlers<T>(): EventHandlers<T> {
    const wake = (): void => {
      for (const claim of this.deps.claims.list()) if (!claim.spec?.volumeName) this.queue.add(CLAIM + keyOf(claim));
    };
    return { onAdd: wake, onUpdate: wake, onDelete: () => undefined };
  }

  async sync(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return this.syncVolume(key.slice(VOLUME.length));
  }

  // ---- provisioning ----

  private async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deps.claims.get(namespace, name);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const claim: corev1.PersistentVolumeClaim = cached.kind ? cached : { ...cached, apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
    const klass = this.deps.classes.get(undefined, claim.spec?.storageClassName ?? '');
    if (!servesClass(klass)) return;
    if (claim.spec?.volumeName) return this.checkExpansion(key, claim);

    // As for any external provisioner, the binder decides: it names the provisioner on the claim
    // only when no existing volume fits, so a claim never gets a volume made for nothing.
    if (claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] !== LOCAL_PATH_PROVISIONER) return;
    const pvName = volumeNameFor(claim);
    if (this.deps.volumes.get(undefined, pvName) || this.provisioned.get(key) === pvName) return;
    let hostname: string;
    if (klass.volumeBindingMode === 'WaitForFirstConsumer') {
      // The binder reports WaitForFirstConsumer; the scheduler's choice arrives as an annotation.
      const selected = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
      if (!selected) return;
      const node = this.deps.nodes.get(undefined, selected);
      hostname = node ? hostnameOf(node) : selected;
    } else {
      const node = pickNode(this.deps.nodes.list(), klass, this.deps.volumes.list());
      if (!node) {
        await this.deps.events.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${klass.metadata?.name}": no Ready node to place a local path on`);
        this.queue.addAfter(CLAIM + key, this.retryMs);
        return;
      }
      hostname = hostnameOf(node);
    }

    await this.deps.events.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    try {
      await this.deps.api.createVolume(provisionedVolume(claim, klass, hostname));
    } catch (err) {
      if (!isAlreadyExists(err)) {
        await this.deps.events.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${klass.metadata?.name}": ${(err as Error).message}`);
        throw err;
      }
    }
    this.provisioned.set(key, pvName);
    await this.deps.events.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  /** A local path has no size to grow: say so once per requested size instead of pretending. */
  private async checkExpansion(key: string, claim: corev1.PersistentVolumeClaim): Promise<void> {
    const pv = this.deps.volumes.get(undefined, claim.spec?.volumeName ?? '');
    if (!pv || !wantsExpansion(claim, pv)) return;
    const requested = claim.spec?.resources?.requests?.storage ?? '';
    if (this.refusedExpansion.get(key) === requested) return;
    this.refusedExpansion.set(key, requested);
    await this.deps.events.event(
      claim,
      'Warning',
      'VolumeResizeFailed',
      `${LOCAL_PATH_PROVISIONER} cannot expand volume ${pv.metadata?.name}: local path volumes have no size to grow (capacity stays ${pv.spec?.capacity?.storage})`,
    );
  }

  // ---- deletion ----

  private async syncVolume(name: string): Promise<void> {
    const pv = this.deps.volumes.get(undefined, name);
    const podName = cleanupPodName(name);
    const helper = this.deps.pods.get(CLEANUP_NAMESPACE, podName);
    if (!pv || !pv.metadata?.finalizers?.includes(LOCAL_PATH_FINALIZER)) {
      if (helper) await this.deletePod(podName);
      return;
    }
    if (!pv.metadata.deletionTimestamp) return;
    const volume: corev1.PersistentVolume = pv.kind ? pv : { ...pv, apiVersion: 'v1', kind: 'PersistentVolume' };
    const node = nodeOfVolume(volume);
    const path = volume.spec?.hostPath?.path;
    const nodeObj = node ? this.deps.nodes.list().find((n) => hostnameOf(n) === node) : undefined;
    if (!path || !nodeObj) {
      // Nothing on any node can be reached any more: let the volume go, and say the data stays.
      await this.deps.events.event(volume, 'Warning', 'VolumeFailedDelete', `node "${node ?? ''}" of the volume is gone; the directory ${path ?? ''} is left as it was`);
      await this.deps.api.releaseVolume(volume);
      return;
    }
    if (!helper) {
      const klass = this.deps.classes.get(undefined, volume.spec?.storageClassName ?? '');
      try {
        await this.deps.api.createPod(cleanupPod(volume, nodeObj.metadata?.name ?? '', path, klass));
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    const phase = helper.status?.phase;
    if (phase === 'Succeeded') {
      await this.deps.api.releaseVolume(volume);
      await this.deletePod(podName);
      await this.deps.events.event(volume, 'Normal', 'VolumeDeleted', `removed ${path} from node ${nodeObj.metadata?.name}`);
    } else if (phase === 'Failed') {
      await this.deps.events.event(volume, 'Warning', 'VolumeFailedDelete', `the helper pod ${CLEANUP_NAMESPACE}/${podName} could not remove ${path}; trying again`);
      await this.deletePod(podName);
      this.queue.addAfter(VOLUME + name, this.retryMs);
    }
  }

  private async deletePod(name: string): Promise<void> {
    try {
      await this.deps.api.deletePod(CLEANUP_NAMESPACE, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** A JSON patch removing the cleanup finalizer, tested in place so no other finalizer is lost. */
function removeFinalizerPatch(pv: corev1.PersistentVolume): unknown[] {
  const i = (pv.metadata?.finalizers ?? []).indexOf(LOCAL_PATH_FINALIZER);
  return [
    { op: 'test', path: `/metadata/finalizers/${i}`, value: LOCAL_PATH_FINALIZER },
    { op: 'remove', path: `/metadata/finalizers/${i}` },
  ];
}

export function newLocalPathProvisioner(context: ControllerContext): LocalPathProvisioner {
  const claims = context.informers.informerFor(PersistentVolumeClaims);
  const volumes = context.informers.informerFor(PersistentVolumes);
  const classes = context.informers.informerFor(StorageClasses);
  const nodes = context.informers.informerFor(Nodes);
  const pods = context.informers.informerFor(Pods);
  const pvClient = context.client.resource(PersistentVolumes);
  const podClient = context.client.resource(Pods);
  const provisioner = new LocalPathProvisioner({
    claims,
    volumes,
    classes,
    nodes,
    pods,
    api: {
      createVolume: (pv) => pvClient.create(pv),
      releaseVolume: async (pv) => {
        const name = pv.metadata?.name ?? '';
        try {
          await pvClient.patch(name, JSON_PATCH, removeFinalizerPatch(pv));
        } catch (err) {
          if (isNotFound(err)) return;
          // A stale cache: read the volume and try once more.
          const fresh = await pvClient.get(name);
          if (!fresh.metadata?.finalizers?.includes(LOCAL_PATH_FINALIZER)) return;
          await pvClient.patch(name, JSON_PATCH, removeFinalizerPatch(fresh));
        }
      },
      createPod: (pod) => podClient.namespace(pod.metadata?.namespace).create(pod),
      deletePod: async (namespace, name) => {
        await podClient.namespace(namespace).delete(name);
      },
    },
    events: context.recorder(LOCAL_PATH_PROVISIONER),
    logger: context.logger.child({ controller: 'local-path-provisioner' }),
    waitForCacheSync: async () =>
      (await Promise.all([claims, volumes, classes, nodes, pods].map((i) => i.waitForCacheSync()))).every(Boolean),
  });
  claims.addEventHandler(provisioner.claimHandlers());
  volumes.addEventHandler(provisioner.volumeHandlers());
  pods.addEventHandler(provisioner.podHandlers());
  classes.addEventHandler(provisioner.wakeClaimsHandlers<storagev1.StorageClass>());
  nodes.addEventHandler(provisioner.wakeClaimsHandlers<corev1.Node>());
  return provisioner;
}

/** `local-path-provisioner`: provisions hostPath volumes for claims of `minik8s.io/local-path` classes. */
export const localPathProvisionerFactory: ControllerFactory = (context) => newLocalPathProvisioner(context);
