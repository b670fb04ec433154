/**
 * Fluent builders for the pods and nodes of table tests (after kube-scheduler's st.MakePod()).
 * Test-only: nothing in the scheduler itself imports this.
 */
import type { corev1 } from '@minik8s/api';

type ResourceMap = Record<string, string>;

export class PodWrapper {
  readonly pod: corev1.Pod;

  constructor(name: string) {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: {} },
      spec: { containers: [], schedulerName: 'default-scheduler' },
      status: {},
    };
  }

  private get spec(): corev1.PodSpec {
    return this.pod.spec as corev1.PodSpec;
  }

  namespace(ns: string): this {
    this.pod.metadata!.namespace = ns;
    return this;
  }

  uid(uid: string): this {
    this.pod.metadata!.uid = uid;
    return this;
  }

  label(key: string, value: string): this {
    this.pod.metadata!.labels![key] = value;
    return this;
  }

  labels(labels: Record<string, string>): this {
    Object.assign(this.pod.metadata!.labels!, labels);
    return this;
  }

  creationTimestamp(ts: string): this {
    this.pod.metadata!.creationTimestamp = ts;
    return this;
  }

  terminating(): this {
    this.pod.metadata!.deletionTimestamp = '2024-01-01T00:00:00Z';
    return this;
  }

  ownerReference(uid: string, kind = 'ReplicaSet', name = 'rs'): this {
    this.pod.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind, name, uid, controller: true }];
    return this;
  }

  node(name: string): this {
    this.spec.nodeName = name;
    return this;
  }

  schedulerName(name: string): this {
    this.spec.schedulerName = name;
    return this;
  }

  priority(p: number): this {
    this.spec.priority = p;
    return this;
  }

  preemptionPolicy(policy: 'Never' | 'PreemptLowerPriority'): this {
    this.spec.preemptionPolicy = policy;
    return this;
  }

  nominatedNodeName(name: string): this {
    this.pod.status!.nominatedNodeName = name;
    return this;
  }

  phase(phase: string): this {
    this.pod.status!.phase = phase;
    return this;
  }

  /** Adds an app container with these requests (and optionally an image). */
  req(requests: ResourceMap, image = 'busybox'): this {
    this.spec.containers!.push({ name: `c${this.spec.containers!.length}`, image, resources: { requests } });
    return this;
  }

  /** An app container without requests. */
  container(image = 'busybox'): this {
    this.spec.containers!.push({ name: `c${this.spec.containers!.length}`, image });
    return this;
  }

  initReq(requests: ResourceMap): this {
    (this.spec.initContainers ??= []).push({ name: `init${this.spec.initContainers?.length ?? 0}`, image: 'busybox', resources: { requests } });
    return this;
  }

  sidecarReq(requests: ResourceMap): this {
    (this.spec.initContainers ??= []).push({ name: `side${this.spec.initContainers?.length ?? 0}`, image: 'busybox', restartPolicy: 'Always', resources: { requests } });
    return this;
  }

  overhead(overhead: ResourceMap): this {
    this.spec.overhead = overhead;
    return this;
  }

  hostPort(port: number, protocol = 'TCP', hostIP = ''): this {
    if (this.spec.containers!.length === 0) this.container();
    const c = this.spec.containers![0];
    (c.ports ??= []).push({ containerPort: port, hostPort: port, protocol, hostIP: hostIP || undefined });
    return this;
  }

  nodeSelector(selector: Record<string, string>): this {
    this.spec.nodeSelector = selector;
    return this;
  }

  private nodeAffinity(): corev1.NodeAffinity {
    this.spec.affinity ??= {};
    return (this.spec.affinity.nodeAffinity ??= {});
  }

  /** Adds one required term (terms are ORed) with these expressions (ANDed). */
  requiredNodeTerm(...exprs: corev1.NodeSelectorRequirement[]): this {
    const na = this.nodeAffinity();
    na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] };
    na.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms!.push({ matchExpressions: exprs });
    return this;
  }

  requiredNodeFieldTerm(...fields: corev1.NodeSelectorRequirement[]): this {
    const na = this.nodeAffinity();
    na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] };
    na.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms!.push({ matchFields: fields });
    return this;
  }

  preferredNodeTerm(weight: number, ...exprs: corev1.NodeSelectorRequirement[]): this {
    const na = this.nodeAffinity();
    (na.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, preference: { matchExpressions: exprs } });
    return this;
  }

  toleration(t: corev1.Toleration): this {
    (this.spec.tolerations ??= []).push(t);
    return this;
  }

  private podAffinityTerm(selector: Record<string, string>, topologyKey: string, extra: Partial<corev1.PodAffinityTerm> = {}): corev1.PodAffinityTerm {
    return { labelSelector: { matchLabels: selector }, topologyKey, ...extra };
  }

  podAffinity(selector: Record<string, string>, topologyKey: string, extra: Partial<corev1.PodAffinityTerm> = {}): this {
    this.spec.affinity ??= {};
    const pa = (this.spec.affinity.podAffinity ??= {});
    (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(this.podAffinityTerm(selector, topologyKey, extra));
    return this;
  }

  podAntiAffinity(selector: Record<string, string>, topologyKey: string, extra: Partial<corev1.PodAffinityTerm> = {}): this {
    this.spec.affinity ??= {};
    const pa = (this.spec.affinity.podAntiAffinity ??= {});
    (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(this.podAffinityTerm(selector, topologyKey, extra));
    return this;
  }

  preferredPodAffinity(weight: number, selector: Record<string, string>, topologyKey: string): this {
    this.spec.affinity ??= {};
    const pa = (this.spec.affinity.podAffinity ??= {});
    (pa.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, podAffinityTerm: this.podAffinityTerm(selector, topologyKey) });
    return this;
  }

  preferredPodAntiAffinity(weight: number, selector: Record<string, string>, topologyKey: string): this {
    this.spec.affinity ??= {};
    const pa = (this.spec.affinity.podAntiAffinity ??= {});
    (pa.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, podAffinityTerm: this.podAffinityTerm(selector, topologyKey) });
    return this;
  }

  spreadConstraint(
    maxSkew: number,
    topologyKey: string,
    whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway',
    selector: Record<string, string>,
    extra: Partial<corev1.TopologySpreadConstraint> = {},
  ): this {
    (this.spec.topologySpreadConstraints ??= []).push({ maxSkew, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: selector }, ...extra });
    return this;
  }

  pvc(claimName: string): this {
    (this.spec.volumes ??= []).push({ name: `vol-${claimName}`, persistentVolumeClaim: { claimName } });
    return this;
  }

  schedulingGates(...names: string[]): this {
    this.spec.schedulingGates = names.map((name) => ({ name }));
    return this;
  }

  obj(): corev1.Pod {
    return this.pod;
  }
}

export function makePod(name: string): PodWrapper {
  return new PodWrapper(name);
}

export class NodeWrapper {
  readonly node: corev1.Node;

  constructor(name: string) {
    this.node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { allocatable: {}, capacity: {}, conditions: [{ type: 'Ready', status: 'True' }] },
    };
  }

  /** Sets allocatable (and capacity) resources; `pods` defaults to 110. */
  capacity(resources: ResourceMap): this {
    const all = { pods: '110', ...resources };
    this.node.status!.allocatable = { ...all };
    this.node.status!.capacity = { ...all };
    return this;
  }

  label(key: string, value: string): this {
    this.node.metadata!.labels![key] = value;
    return this;
  }

  taint(key: string, value: string, effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule'): this {
    (this.node.spec!.taints ??= []).push({ key, value, effect });
    return this;
  }

  unschedulable(): this {
    this.node.spec!.unschedulable = true;
    return this;
  }

  image(name: string, sizeBytes: number): this {
    (this.node.status!.images ??= []).push({ names: [name], sizeBytes });
    return this;
  }

  obj(): corev1.Node {
    return this.node;
  }
}

export function makeNode(name: string): NodeWrapper {
  return new NodeWrapper(name);
}
