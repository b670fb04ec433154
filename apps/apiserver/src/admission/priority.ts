import { newForbidden, type corev1, type KindInfo, type schedulingv1, type Scheme } from '@minik8s/api';
import type { ObjectStore } from '../registry/object-store';
import type { WatchCaches } from '../watch/watch-caches';
import type { AdmissionPlugin, AdmissionRequest } from './admission';

/** The classes every cluster has, as Kubernetes creates them. */
export const SYSTEM_PRIORITY_CLASSES: readonly schedulingv1.PriorityClass[] = [
  {
    metadata: { name: 'system-node-critical' },
    value: 2000001000,
    description: 'Used for system critical pods that must not be moved from their current node.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
  {
    metadata: { name: 'system-cluster-critical' },
    value: 2000000000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
];

/**
 * Kubernetes' Priority admission: a pod's priorityClassName resolves to spec.priority and
 * spec.preemptionPolicy; without one it takes the global default class, or 0.
 */
export class PriorityAdmission implements AdmissionPlugin {
  readonly name = 'Priority';
  private readonly classes: KindInfo;

  constructor(
    private readonly store: ObjectStore,
    scheme: Scheme,
    private readonly caches?: WatchCaches,
  ) {
    const info = scheme.forKind('scheduling.k8s.io/v1', 'PriorityClass');
    if (!info) throw new Error('Priority admission needs PriorityClass registered');
    this.classes = info;
  }

  async admit(request: AdmissionRequest): Promise<void> {
    if (request.operation !== 'CREATE' || request.info.group !== '' || request.info.kind !== 'Pod') return;
    const pod = request.obj as corev1.Pod;
    const spec = (pod.spec ??= {});
    let priorityClass: schedulingv1.PriorityClass | undefined;
    // PriorityClasses change rarely: the watch cache answers, and etcd only for a class it lacks.
    const cache = this.caches?.get(this.classes);
    if (spec.priorityClassName) {
      try {
        priorityClass = (cache?.cached(undefined, spec.priorityClassName)?.obj ??
          (await this.store.get(this.classes, undefined, spec.priorityClassName)).obj) as schedulingv1.PriorityClass;
      } catch {
        throw newForbidden(
          { group: '', resource: 'pods' },
          pod.metadata?.name ?? '',
          `no PriorityClass with name ${spec.priorityClassName} was found`,
        );
      }
    } else {
      const all = cache?.cachedObjects() ?? (await this.store.list(this.classes, undefined, {})).items.map((i) => i.obj);
      priorityClass = (all as schedulingv1.PriorityClass[]).find((c) => c.globalDefault);
      if (priorityClass) spec.priorityClassName = priorityClass.metadata?.name;
    }
    const value = priorityClass?.value ?? 0;
    // The defaulting strategy may already have put 0 here; only a different explicit value is refused.
    if (spec.priority !== undefined && spec.priority !== 0 && spec.priority !== value) {
      throw newForbidden(
        { group: '', resource: 'pods' },
        pod.metadata?.name ?? '',
        'the integer value of priority must not be provided in pod spec; priority admission controller computed ' +
          `${value} from the given PriorityClass name`,
      );
    }
    spec.priority = value;
    spec.preemptionPolicy = priorityClass?.preemptionPolicy ?? spec.preemptionPolicy ?? 'PreemptLowerPriority';
  }
}
