import { selectorFromLabelSelector, nothingSelector, type corev1, type LabelRequirement, type Selector } from '@minik8s/api';
import { normalizedImageName } from './node-info';
import { computePodRequests, isRestartableInitContainer, type Resource } from './resource';
import { sameFields, sameValue } from './same-value';

type Labels = Readonly<Record<string, string>>;

/**
 * One pod affinity term, compiled: which namespaces it looks in (a fixed set, or namespaces whose
 * labels match `namespaceSelector`), which pods it selects, and over which topology.
 */
export interface AffinityTerm {
  readonly namespaces: ReadonlySet<string>;
  readonly namespaceSelector: Selector;
  readonly selector: Selector;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/** Whether `pod` (in a namespace labelled `nsLabels`) is one of the pods `term` selects. */
export function affinityTermMatches(term: AffinityTerm, pod: PodInfo, nsLabels: Labels | undefined): boolean {
  if (!term.namespaces.has(pod.namespace) && !term.namespaceSelector.matches(nsLabels)) return false;
  return term.selector.matches(pod.labels);
}

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

function compileTerm(pod: corev1.Pod, term: corev1.PodAffinityTerm): AffinityTerm {
  const namespace = pod.metadata?.namespace ?? '';
  const labels = pod.metadata?.labels ?? {};
  let selector = selectorFromLabelSelector(term.labelSelector);
  // matchLabelKeys / mismatchLabelKeys narrow the selector to pods that share (or do not
  // share) this pod's values of those keys.
  const extra: LabelRequirement[] = [];
  for (const key of term.matchLabelKeys ?? []) {
    if (Object.hasOwn(labels, key)) extra.push({ key, operator: 'in', values: [labels[key]] });
  }
  for (const key of term.mismatchLabelKeys ?? []) {
    if (Object.hasOwn(labels, key)) extra.push({ key, operator: 'notin', values: [labels[key]] });
  }
  if (extra.length > 0 && term.labelSelector) selector = selector.add(...extra);
  const namespaces = new Set(term.namespaces ?? []);
  const namespaceSelector = term.namespaceSelector ? selectorFromLabelSelector(term.namespaceSelector) : nothingSelector();
  if (namespaces.size === 0 && !term.namespaceSelector) namespaces.add(namespace);
  return { namespaces, namespaceSelector, selector, topologyKey: term.topologyKey ?? '' };
}

function compileTerms(pod: corev1.Pod, terms: readonly corev1.PodAffinityTerm[] | undefined): AffinityTerm[] {
  return (terms ?? []).map((t) => compileTerm(pod, t));
}

function compileWeighted(pod: corev1.Pod, terms: readonly corev1.WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  const out: WeightedAffinityTerm[] = [];
  for (const t of terms ?? []) {
    if (!t.podAffinityTerm || !t.weight) continue;
    out.push({ ...compileTerm(pod, t.podAffinityTerm), weight: t.weight });
  }
  return out;
}

const NO_TERMS: readonly AffinityTerm[] = [];
const NO_WEIGHTED: readonly WeightedAffinityTerm[] = [];

/**
 * A pod plus what the scheduler derives from it once instead of on every node: its requests,
 * host ports, images and compiled affinity terms. The pod object is shared; never mutate it.
 */
export class PodInfo {
  readonly pod: corev1.Pod;
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly priority: number;
  readonly requiredAffinityTerms: readonly AffinityTerm[] = NO_TERMS;
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[] = NO_TERMS;
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[] = NO_WEIGHTED;
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[] = NO_WEIGHTED;
  /** Set when the pod's affinity terms do not parse; such a pod cannot be scheduled. */
  readonly parseError: Error | undefined;
  private requestsCache: Resource | undefined;
  private nonZeroCache: Resource | undefined;
  private hostPortsCache: HostPort[] | undefined;
  private imagesCache: string[] | undefined;

  /**
   * `derivedFrom`: a PodInfo of the same pod with the same labels, namespace and affinity, whose
   * compiled terms are reused rather than compiled again.
   */
  constructor(pod: corev1.Pod, derivedFrom?: PodInfo) {
    this.pod = pod;
    const meta = pod.metadata ?? {};
    this.namespace = meta.namespace ?? '';
    this.name = meta.name ?? '';
    this.key = `${this.namespace}/${this.name}`;
    this.uid = meta.uid ?? this.key;
    this.labels = meta.labels ?? {};
    this.priority = pod.spec?.priority ?? 0;
    const affinity = pod.spec?.affinity;
    if (derivedFrom) {
      this.requiredAffinityTerms = derivedFrom.requiredAffinityTerms;
      this.requiredAntiAffinityTerms = derivedFrom.requiredAntiAffinityTerms;
      this.preferredAffinityTerms = derivedFrom.preferredAffinityTerms;
      this.preferredAntiAffinityTerms = derivedFrom.preferredAntiAffinityTerms;
      this.parseError = derivedFrom.parseError;
    } else if (affinity?.podAffinity || affinity?.podAntiAffinity) {
      try {
        this.requiredAffinityTerms = compileTerms(pod, affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
        this.requiredAntiAffinityTerms = compileTerms(pod, affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
        this.preferredAffinityTerms = compileWeighted(pod, affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
        this.preferredAntiAffinityTerms = compileWeighted(pod, affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
      } catch (err) {
        this.parseError = err instanceof Error ? err : new Error(String(err));
      }
    }
  }

  get nodeName(): string {
    return this.pod.spec?.nodeName ?? '';
  }

  /** The requests the pod counts against its node (what NodeResourcesFit filters on). */
  get requests(): Resource {
    return (this.requestsCache ??= computePodRequests(this.pod.spec, false));
  }

  /** The requests with the scheduler's defaults for containers that ask for nothing (for scoring). */
  get nonZeroRequests(): Resource {
    return (this.nonZeroCache ??= computePodRequests(this.pod.spec, true));
  }

  /** The pod's host ports (containers and sidecars with hostPort set). */
  get hostPorts(): readonly HostPort[] {
    if (!this.hostPortsCache) {
      const ports: HostPort[] = [];
      const spec = this.pod.spec;
      const collect = (c: corev1.Container): void => {
        for (const p of c.ports ?? []) {
          if (!p.hostPort || p.hostPort <= 0) continue;
          ports.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
        }
      };
      for (const c of spec?.containers ?? []) collect(c);
      for (const c of spec?.initContainers ?? []) if (isRestartableInitContainer(c)) collect(c);
      this.hostPortsCache = ports;
    }
    return this.hostPortsCache;
  }

  /** Normalized image names of the init and app containers (one per container). */
  get images(): readonly string[] {
    if (!this.imagesCache) {
      const spec = this.pod.spec;
      this.imagesCache = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => (c.image ? normalizedImageName(c.image) : ''));
    }
    return this.imagesCache;
  }

  get hasAffinity(): boolean {
    return this.requiredAffinityTerms.length + this.requiredAntiAffinityTerms.length + this.preferredAffinityTerms.length + this.preferredAntiAffinityTerms.length > 0;
  }

  get hasRequiredAntiAffinity(): boolean {
    return this.requiredAntiAffinityTerms.length > 0;
  }

  /**
   * A PodInfo for `pod`, a newer version of this one's pod (bound, its status written): when what
   * the scheduler derives from (namespace, labels, the spec but nodeName) is unchanged, requests,
   * host ports, images and affinity terms carry over rather than being computed again.
   */
  updatedTo(pod: corev1.Pod): PodInfo {
    if (!sameSchedulingInputs(this, pod)) return new PodInfo(pod);
    const info = new PodInfo(pod, this);
    info.requestsCache = this.requestsCache;
    info.nonZeroCache = this.nonZeroCache;
    info.hostPortsCache = this.hostPortsCache;
    info.imagesCache = this.imagesCache;
    return info;
  }

  /** The pod as the cache counts it on `nodeName` (spec.nodeName set), sharing everything else. */
  withNodeName(nodeName: string): PodInfo {
    const pod = { ...this.pod, spec: { ...this.pod.spec, nodeName } };
    // Only spec.nodeName differs: the compiled affinity terms (one per cycle otherwise) carry over.
    const info = new PodInfo(pod, this);
    info.requestsCache = this.requestsCache;
    info.nonZeroCache = this.nonZeroCache;
    info.hostPortsCache = this.hostPortsCache;
    info.imagesCache = this.imagesCache;
    return info;
  }
}

/** Whether `pod` has `info`'s namespace, labels and spec (spec.nodeName aside). */
export function sameSchedulingInputs(info: PodInfo, pod: corev1.Pod): boolean {
  const meta = pod.metadata ?? {};
  return (
    (meta.namespace ?? '') === info.namespace &&
    sameValue(meta.labels ?? {}, info.labels) &&
    sameFields((info.pod.spec ?? {}) as Record<string, unknown>, (pod.spec ?? {}) as Record<string, unknown>, 'nodeName')
  );
}

/** Succeeded or Failed: a pod that no longer uses its node. */
export function isTerminal(pod: corev1.Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
