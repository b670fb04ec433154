import type { corev1 } from '@minik8s/api';

type Labels = Readonly<Record<string, string>>;

/** Go's strconv.ParseInt for label values compared with Gt/Lt. */
function parseInteger(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * One NodeSelectorRequirement against a value map (labels, or `metadata.name` for fields).
 * Operators In, NotIn, Exists, DoesNotExist, Gt, Lt; an unknown operator or malformed values
 * match nothing, as Kubernetes drops terms it cannot parse.
 */
export function nodeSelectorRequirementMatches(req: corev1.NodeSelectorRequirement, values: Labels): boolean {
  const key = req.key ?? '';
  const has = Object.hasOwn(values, key);
  const value = has ? values[key] : undefined;
  const wanted = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return wanted.length > 0 && value !== undefined && wanted.includes(value);
    case 'NotIn':
      return wanted.length > 0 && (value === undefined || !wanted.includes(value));
    case 'Exists':
      return wanted.length === 0 && has;
    case 'DoesNotExist':
      return wanted.length === 0 && !has;
    case 'Gt':
    case 'Lt': {
      if (wanted.length !== 1 || value === undefined) return false;
      const bound = parseInteger(wanted[0]);
      const actual = parseInteger(value);
      if (bound === undefined || actual === undefined) return false;
      return req.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** A term matches when all its expressions and fields do; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: corev1.NodeSelectorTerm, labels: Labels, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const req of exprs) if (!nodeSelectorRequirementMatches(req, labels)) return false;
  if (fields.length > 0) {
    const fieldValues = { 'metadata.name': nodeName };
    for (const req of fields) {
      // Only metadata.name is a supported node field, with In and NotIn.
      if (req.key !== 'metadata.name' || (req.operator !== 'In' && req.operator !== 'NotIn')) return false;
      if (!nodeSelectorRequirementMatches(req, fieldValues)) return false;
    }
  }
  return true;
}

/** NodeSelectorTerms are ORed; an absent selector matches every node, an empty term list none. */
export function nodeSelectorMatches(selector: corev1.NodeSelector | undefined, labels: Labels, nodeName: string): boolean {
  if (!selector) return true;
  for (const term of selector.nodeSelectorTerms ?? []) if (nodeSelectorTermMatches(term, labels, nodeName)) return true;
  return false;
}

/**
 * The pod's required node affinity (nodeaffinity.GetRequiredNodeAffinity): its nodeSelector
 * labels and its requiredDuringSchedulingIgnoredDuringExecution terms, both of which must hold.
 */
export class RequiredNodeAffinity {
  private readonly nodeSelector: readonly [string, string][];
  private readonly required: corev1.NodeSelector | undefined;

  constructor(pod: corev1.Pod) {
    this.nodeSelector = Object.entries(pod.spec?.nodeSelector ?? {});
    this.required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  }

  /** True when the pod constrains nodes at all. */
  get isEmpty(): boolean {
    return this.nodeSelector.length === 0 && !this.required;
  }

  matches(node: corev1.Node): boolean {
    const labels = node.metadata?.labels ?? {};
    for (const [k, v] of this.nodeSelector) if (labels[k] !== v || !Object.hasOwn(labels, k)) return false;
    return nodeSelectorMatches(this.required, labels, node.metadata?.name ?? '');
  }
}
