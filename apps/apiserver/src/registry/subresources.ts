import type { ApiObject, KindInfo, Scheme } from '@minik8s/api';
import { deepCopy, newBadRequest, newConflict, newMethodNotSupported, StatusError } from '@minik8s/api';
import type { Clock, GenericRegistry, WithStatus } from './generic-registry';
import { formatTime } from './object-meta';

interface Binding extends ApiObject {
  target?: { kind?: string; name?: string; apiVersion?: string; namespace?: string };
}

interface Scale extends ApiObject {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

interface PodCondition {
  type?: string;
  status?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

type PodLike = ApiObject & { spec?: { nodeName?: string }; status?: { conditions?: PodCondition[] } };

/**
 * pods/binding: the scheduler's one way to place a pod. It sets spec.nodeName once, and marks
 * PodScheduled, failing with Conflict if the pod is already placed or is being deleted.
 */
export async function bindPod(
  registry: GenericRegistry,
  podKind: KindInfo,
  clock: Clock,
  namespace: string,
  podName: string,
  binding: Binding,
): Promise<Binding> {
  const nodeName = binding.target?.name;
  if (!nodeName) throw newBadRequest('target.name: Required value');
  if (binding.target?.kind && binding.target.kind !== 'Node') {
    throw newBadRequest(`target.kind: Unsupported value: "${binding.target.kind}": supported values: "Node"`);
  }
  const name = binding.metadata?.name || podName;
  const uid = binding.metadata?.uid;
  // Checked on the revision the write replaces (the watch cache's copy first, etcd's after a
  // Conflict), as Kubernetes' binding does inside its GuaranteedUpdate: spec.nodeName and
  // PodScheduled land in one write, so a kubelet never sees the one without the other and a
  // racing write is a Conflict the scheduler can trust. nodeName may be set only here, hence no
  // strategy.
  const bind = (current: PodLike): PodLike => {
    if (current.metadata?.deletionTimestamp) {
      throw newConflict({ group: '', resource: 'pods' }, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    }
    if (current.spec?.nodeName) {
      throw newConflict({ group: '', resource: 'pods' }, name, `pod ${name} is already assigned to node "${current.spec.nodeName}"`);
    }
    if (uid && uid !== current.metadata?.uid) {
      throw newConflict({ group: '', resource: 'pods' }, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata?.uid}`);
    }
    const conditions = (current.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: formatTime(clock.now()) });
    return { ...current, spec: { ...current.spec, nodeName }, status: { ...current.status, conditions } };
  };
  await registry.update(podKind, namespace, name, { metadata: { name } }, '', false, {
    bypassStrategy: true,
    derive: (current: WithStatus) => bind(current as PodLike),
  });
  return { ...binding, metadata: { ...binding.metadata, name, namespace } };
}

/** The scale subresource, as autoscaling/v1 Scale. */
export class ScaleSubresource {
  private readonly scaleKind: KindInfo;

  constructor(
    private readonly registry: GenericRegistry,
    scheme: Scheme,
  ) {
    const info = scheme.forKind('autoscaling/v1', 'Scale');
    if (!info) throw new Error('the scale subresource needs autoscaling/v1 Scale registered');
    this.scaleKind = info;
  }

  get kind(): KindInfo {
    return this.scaleKind;
  }

  private toScale(info: KindInfo, obj: ApiObject): Scale {
    const access = info.scale;
    if (!access) throw newMethodNotSupported({ group: info.group, resource: info.resource }, 'scale');
    const meta = obj.metadata ?? {};
    return {
      metadata: {
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
        creationTimestamp: meta.creationTimestamp,
      },
      spec: { replicas: access.specReplicas(obj) },
      status: { replicas: access.statusReplicas(obj), selector: access.selector(obj) },
    };
  }

  async get(info: KindInfo, namespace: string | undefined, name: string): Promise<Scale> {
    return this.toScale(info, await this.registry.get(info, namespace, name));
  }

  async update(info: KindInfo, namespace: string | undefined, name: string, scale: Scale): Promise<Scale> {
    const access = info.scale;
    if (!access) throw newMethodNotSupported({ group: info.group, resource: info.resource }, 'scale');
    const replicas = scale.spec?.replicas ?? 0;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new StatusError('Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`);
    }
    const current = await this.registry.get(info, namespace, name);
    const rv = scale.metadata?.resourceVersion;
    const next = deepCopy(current);
    access.setSpecReplicas(next, replicas);
    next.metadata = { ...next.metadata, resourceVersion: rv || current.metadata?.resourceVersion };
    return this.toScale(info, await this.registry.update(info, namespace, name, next));
  }
}
