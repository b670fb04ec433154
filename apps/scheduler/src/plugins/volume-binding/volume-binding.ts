import { isConflict, selectorFromLabelSelector, type corev1, type storagev1 } from '@minik8s/api';
import { PersistentVolumeClaims, PersistentVolumes } from '@minik8s/client';
import type { CycleState, StateData } from '../../framework/cycle-state';
import {
  ActionType,
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreFilterResult,
  type ReservePlugin,
} from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import { nodeSelectorMatches } from '../../framework/node-selector';
import type { PodInfo } from '../../framework/pod-info';
import { quantityValue } from '../../framework/resource';
import { asStatus, skip, unresolvable, type PluginStatus } from '../../framework/status';
import { Names } from '../names';

export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

/** The annotation that tells a provisioner which node the first consumer landed on. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

const STATE_KEY = Names.VolumeBinding;

export interface VolumeBindingArgs {
  /** How long PreBind waits for the volume controllers to finish binding (default 600). */
  bindTimeoutSeconds?: number;
}

interface PodVolumes {
  /** Pre-provisioned volumes matched to the pod's WaitForFirstConsumer claims on this node. */
  staticBindings: { pv: corev1.PersistentVolume; pvc: corev1.PersistentVolumeClaim }[];
  /** Claims to provision dynamically for this node. */
  dynamicProvisions: corev1.PersistentVolumeClaim[];
}

class VolumeState implements StateData {
  readonly podVolumesByNode = new Map<string, PodVolumes>();
  constructor(
    readonly boundClaims: corev1.PersistentVolumeClaim[],
    readonly claimsToBind: corev1.PersistentVolumeClaim[],
  ) {}
  clone(): StateData {
    return this;
  }
}

function claimKey(pvc: corev1.PersistentVolumeClaim): string {
  return `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;
}

function storageOf(list: Readonly<Record<string, string>> | undefined): number {
  const v = list?.storage;
  return v === undefined ? 0 : quantityValue(v);
}

/** A TopologySelectorTerm list (StorageClass.allowedTopologies) against node labels; empty allows all. */
function topologyAllows(terms: readonly corev1.TopologySelectorTerm[] | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((term) =>
    (term.matchLabelExpressions ?? []).every((req) => Object.hasOwn(labels, req.key ?? '') && (req.values ?? []).includes(labels[req.key ?? ''])),
  );
}

/**
 * The pod's PersistentVolumeClaims decide where it can run: a bound claim's volume must be
 * reachable from the node (its node affinity); a WaitForFirstConsumer claim needs a free volume
 * that fits and is reachable, or a class that can provision one there. PreBind then binds or
 * provisions those claims and waits until the volume controllers are done.
 */
export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
  readonly name = Names.VolumeBinding;
  private readonly bindTimeoutMs: number;
  /** PV name → claim key, for volumes assumed by pods whose bindings are in flight. */
  private readonly assumedVolumes = new Map<string, string>();

  constructor(
    private readonly handle: Handle,
    args: VolumeBindingArgs = {},
  ) {
    this.bindTimeoutMs = (args.bindTimeoutSeconds ?? 600) * 1000;
  }

  /** The claim names of the pod's persistentVolumeClaim and generic ephemeral volumes. */
  private claims(pod: corev1.Pod): { name: string; ephemeral: boolean }[] {
    const out: { name: string; ephemeral: boolean }[] = [];
    for (const v of pod.spec?.volumes ?? []) {
      if (v.persistentVolumeClaim?.claimName) out.push({ name: v.persistentVolumeClaim.claimName, ephemeral: false });
      else if (v.ephemeral) out.push({ name: `${pod.metadata?.name ?? ''}-${v.name ?? ''}`, ephemeral: true });
    }
    return out;
  }

  private storageClass(name: string | undefined): storagev1.StorageClass | undefined {
    return name ? this.handle.listers.storageClasses.get(undefined, name) : undefined;
  }

  preFilter(state: CycleState, pod: PodInfo): PluginStatus | PreFilterResult {
    const claims = this.claims(pod.pod);
    if (claims.length === 0) return skip();
    const bound: corev1.PersistentVolumeClaim[] = [];
    const toBind: corev1.PersistentVolumeClaim[] = [];
    let unboundImmediate = false;
    for (const c of claims) {
      const pvc = this.handle.listers.persistentVolumeClaims.get(pod.namespace, c.name);
      if (!pvc) {
        return unresolvable(
          c.ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${c.name}"` : `persistentvolumeclaim "${c.name}" not found`,
        );
      }
      if (pvc.metadata?.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${c.name}" is being deleted`);
      if (pvc.spec?.volumeName) {
        bound.push(pvc);
        continue;
      }
      const klass = this.storageClass(pvc.spec?.storageClassName);
      if (klass?.volumeBindingMode === 'WaitForFirstConsumer') toBind.push(pvc);
      else unboundImmediate = true;
    }
    if (unboundImmediate) return unresolvable(ERR_UNBOUND_IMMEDIATE);
    state.write(STATE_KEY, new VolumeState(bound, toBind));
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    const s = state.read<VolumeState>(STATE_KEY);
    if (!s) return asStatus(new Error(`reading "${STATE_KEY}" from cycleState: not found`));
    const labels = nodeInfo.labels;
    const reasons: string[] = [];
    for (const pvc of s.boundClaims) {
      const pv = this.handle.listers.persistentVolumes.get(undefined, pvc.spec?.volumeName ?? '');
      if (!pv) return unresolvable(ERR_REASON_PV_NOT_EXIST);
      if (!nodeSelectorMatches(pv.spec?.nodeAffinity?.required, labels, nodeInfo.name)) {
        reasons.push(ERR_REASON_NODE_CONFLICT);
        break;
      }
    }
    const volumes: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
    if (s.claimsToBind.length > 0) {
      const taken = new Set<string>();
      let satisfied = true;
      for (const pvc of s.claimsToBind) {
        const pv = this.findVolume(pvc, nodeInfo, taken);
        if (pv) {
          taken.add(pv.metadata?.name ?? '');
          volumes.staticBindings.push({ pv, pvc });
          continue;
        }
        const klass = this.storageClass(pvc.spec?.storageClassName);
        if (klass && klass.provisioner && klass.provisioner !== NO_PROVISIONER && topologyAllows(klass.allowedTopologies, labels)) {
          volumes.dynamicProvisions.push(pvc);
          continue;
        }
        satisfied = false;
      }
      if (!satisfied) reasons.push(ERR_REASON_BIND_CONFLICT);
    }
    if (reasons.length > 0) return unresolvable(...reasons);
    s.podVolumesByNode.set(nodeInfo.name, volumes);
    return null;
  }

  /** The smallest free volume that satisfies the claim and is reachable from the node. */
  private findVolume(pvc: corev1.PersistentVolumeClaim, nodeInfo: NodeInfo, taken: ReadonlySet<string>): corev1.PersistentVolume | undefined {
    const wanted = storageOf(pvc.spec?.resources?.requests);
    const className = pvc.spec?.storageClassName ?? '';
    const modes = pvc.spec?.accessModes ?? [];
    const volumeMode = pvc.spec?.volumeMode || 'Filesystem';
    const selector = pvc.spec?.selector ? selectorFromLabelSelector(pvc.spec.selector) : undefined;
    const key = claimKey(pvc);
    let best: corev1.PersistentVolume | undefined;
    let bestSize = Infinity;
    for (const pv of this.handle.listers.persistentVolumes.list()) {
      const name = pv.metadata?.name ?? '';
      if (taken.has(name) || pv.metadata?.deletionTimestamp) continue;
      const ref = pv.spec?.claimRef;
      if (ref?.name && `${ref.namespace ?? ''}/${ref.name}` !== key) continue;
      const assumedBy = this.assumedVolumes.get(name);
      if (assumedBy && assumedBy !== key) continue;
      if ((pv.spec?.storageClassName ?? '') !== className) continue;
      if ((pv.spec?.volumeMode || 'Filesystem') !== volumeMode) continue;
      const pvModes = pv.spec?.accessModes ?? [];
      if (!modes.every((m) => pvModes.includes(m))) continue;
      if (selector && !selector.matches(pv.metadata?.labels ?? {})) continue;
      const size = storageOf(pv.spec?.capacity);
      if (size < wanted) continue;
      if (!nodeSelectorMatches(pv.spec?.nodeAffinity?.required, nodeInfo.labels, nodeInfo.name)) continue;
      // A volume already reserved for this very claim wins outright.
      if (ref?.name) return pv;
      if (size < bestSize) {
        best = pv;
        bestSize = size;
      }
    }
    return best;
  }

  reserve(state: CycleState, _pod: PodInfo, nodeName: string): PluginStatus {
    const volumes = state.read<VolumeState>(STATE_KEY)?.podVolumesByNode.get(nodeName);
    for (const b of volumes?.staticBindings ?? []) this.assumedVolumes.set(b.pv.metadata?.name ?? '', claimKey(b.pvc));
    return null;
  }

  unreserve(state: CycleState, _pod: PodInfo, nodeName: string): void {
    const volumes = state.read<VolumeState>(STATE_KEY)?.podVolumesByNode.get(nodeName);
    for (const b of volumes?.staticBindings ?? []) this.assumedVolumes.delete(b.pv.metadata?.name ?? '');
  }

  async preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<PluginStatus> {
    const s = state.read<VolumeState>(STATE_KEY);
    const volumes = s?.podVolumesByNode.get(nodeName);
    if (!s || !volumes || (volumes.staticBindings.length === 0 && volumes.dynamicProvisions.length === 0)) return null;
    const client = this.handle.client;
    if (!client) return asStatus(new Error('no API client to bind volumes with'));
    try {
      for (const { pv, pvc } of volumes.staticBindings) {
        if (pv.spec?.claimRef?.name) continue;
        const meta = pvc.metadata ?? {};
        await client.resource(PersistentVolumes).update({
          ...pv,
          metadata: { ...pv.metadata, annotations: { ...pv.metadata?.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
          spec: {
            ...pv.spec,
            claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: meta.namespace, name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion },
          },
        });
      }
      for (const pvc of volumes.dynamicProvisions) {
        await client
          .resource(PersistentVolumeClaims)
          .namespace(pvc.metadata?.namespace)
          .patch(pvc.metadata?.name ?? '', 'application/merge-patch+json', { metadata: { annotations: { [ANN_SELECTED_NODE]: nodeName } } });
      }
    } catch (err) {
      return asStatus(isConflict(err) ? new Error(`binding volumes: ${(err as Error).message}`) : err);
    }
    // The PV controller (or a provisioner) completes the binding; wait until every claim is bound.
    const deadline = this.handle.clock.now() + this.bindTimeoutMs;
    const claims = [...volumes.staticBindings.map((b) => b.pvc), ...volumes.dynamicProvisions];
    for (;;) {
      const pending = claims.filter((c) => !this.handle.listers.persistentVolumeClaims.get(c.metadata?.namespace, c.metadata?.name ?? '')?.spec?.volumeName);
      if (pending.length === 0) return null;
      if (this.handle.clock.now() >= deadline) {
        return asStatus(new Error(`binding volumes: timed out waiting for claims ${pending.map(claimKey).join(', ')} of pod ${pod.key} to be bound`));
      }
      await this.handle.clock.sleep(100);
    }
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'PersistentVolume', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'StorageClass', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
    ];
  }
}

export function newVolumeBinding(args: Record<string, unknown> | undefined, handle: Handle): VolumeBinding {
  return new VolumeBinding(handle, args as VolumeBindingArgs | undefined);
}
