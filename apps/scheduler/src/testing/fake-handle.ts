/** A Handle over in-memory objects, for plugin table tests. Test-only. */
import type { ApiObject, corev1, storagev1 } from '@minik8s/api';
import { realClock, type Lister } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { CycleState } from '../framework/cycle-state';
import type { FrameworkRunner, Handle, Listers, PodNominator } from '../framework/interfaces';
import { NodeInfo } from '../framework/node-info';
import { PodInfo } from '../framework/pod-info';
import { Snapshot } from '../framework/snapshot';

export class FakeLister<T extends ApiObject> implements Lister<T> {
  constructor(readonly items: T[] = []) {}

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.find((o) => o.metadata?.name === name && (namespace === undefined || (o.metadata?.namespace ?? '') === namespace));
  }

  list(namespace?: string): T[] {
    return namespace === undefined ? this.items.slice() : this.items.filter((o) => o.metadata?.namespace === namespace);
  }

  byIndex(): T[] {
    return [];
  }
}

export class FakeNominator implements PodNominator {
  readonly byNode = new Map<string, PodInfo[]>();

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? [];
  }

  addNominatedPod(pod: PodInfo, nodeName: string): void {
    this.deleteNominatedPodIfExists(pod.pod);
    const list = this.byNode.get(nodeName) ?? [];
    list.push(pod);
    this.byNode.set(nodeName, list);
  }

  deleteNominatedPodIfExists(pod: corev1.Pod): void {
    for (const [node, list] of this.byNode) {
      this.byNode.set(
        node,
        list.filter((p) => p.uid !== pod.metadata?.uid),
      );
    }
  }
}

/** Builds a snapshot: one NodeInfo per node, with every pod whose spec.nodeName names it. */
export function snapshotOf(nodes: readonly corev1.Node[], pods: readonly corev1.Pod[] = []): Snapshot {
  const infos = nodes.map((n) => new NodeInfo(n.metadata?.name ?? '', n));
  const byName = new Map(infos.map((n) => [n.name, n]));
  for (const p of pods) {
    const n = byName.get(p.spec?.nodeName ?? '');
    if (n) n.addPod(new PodInfo(p));
  }
  return Snapshot.fromNodeInfos(infos);
}

export interface TestHandleOptions {
  nodes?: corev1.Node[];
  /** Pods on nodes (spec.nodeName set) go into the snapshot; all go into the pod lister. */
  pods?: corev1.Pod[];
  namespaces?: corev1.Namespace[];
  pvcs?: corev1.PersistentVolumeClaim[];
  pvs?: corev1.PersistentVolume[];
  storageClasses?: storagev1.StorageClass[];
  snapshot?: Snapshot;
  framework?: FrameworkRunner;
  random?: () => number;
}

const noFramework: FrameworkRunner = {
  runFilterPluginsWithNominatedPods: () => {
    throw new Error('no framework in this test handle');
  },
  runPreFilterExtensionAddPod: () => null,
  runPreFilterExtensionRemovePod: () => null,
};

export interface TestHandle extends Handle {
  events: { pod: string; type: string; reason: string; message: string }[];
  nominator: FakeNominator;
  listers: Listers & {
    pods: FakeLister<corev1.Pod>;
    persistentVolumeClaims: FakeLister<corev1.PersistentVolumeClaim>;
    persistentVolumes: FakeLister<corev1.PersistentVolume>;
  };
  setSnapshot(s: Snapshot): void;
}

export function newTestHandle(options: TestHandleOptions = {}): TestHandle {
  let snapshot = options.snapshot ?? snapshotOf(options.nodes ?? [], options.pods ?? []);
  const events: TestHandle['events'] = [];
  const handle: TestHandle = {
    snapshot: () => snapshot,
    setSnapshot: (s) => {
      snapshot = s;
    },
    listers: {
      pods: new FakeLister(options.pods ?? []),
      namespaces: new FakeLister(options.namespaces ?? []),
      persistentVolumeClaims: new FakeLister(options.pvcs ?? []),
      persistentVolumes: new FakeLister(options.pvs ?? []),
      storageClasses: new FakeLister(options.storageClasses ?? []),
    },
    client: undefined,
    nominator: new FakeNominator(),
    framework: options.framework ?? noFramework,
    schedulerName: 'default-scheduler',
    logger: silentLogger(),
    clock: realClock,
    random: options.random ?? (() => 0),
    recordEvent: (obj, type, reason, message) => {
      events.push({ pod: `${obj.metadata?.namespace}/${obj.metadata?.name}`, type, reason, message });
    },
    events,
  };
  return handle;
}

export function newState(): CycleState {
  return new CycleState();
}
