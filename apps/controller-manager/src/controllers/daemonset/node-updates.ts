import type { corev1 } from '@minik8s/api';

/** Deep equality where an absent field, `undefined`, an empty list and an empty map agree. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) if (!semanticEqual(x[k], y[k])) return false;
  return true;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  return typeof v === 'object' && Object.values(v as object).every((x) => x === undefined);
}

/** nodeInSameCondition: the same condition types are True on both. */
export function sameTrueConditions(a: readonly corev1.NodeCondition[] | undefined, b: readonly corev1.NodeCondition[] | undefined): boolean {
  const trueTypes = (cs: readonly corev1.NodeCondition[] | undefined): Set<string> => new Set((cs ?? []).filter((c) => c.status === 'True').map((c) => c.type ?? ''));
  const x = trueTypes(a);
  const y = trueTypes(b);
  return x.size === y.size && [...x].every((t) => y.has(t));
}

function withoutVolatile(node: corev1.Node): corev1.Node {
  return {
    ...node,
    metadata: { ...(node.metadata ?? {}), resourceVersion: undefined },
    status: { ...(node.status ?? {}), conditions: undefined },
  };
}

/**
 * shouldIgnoreNodeUpdate: nothing a DaemonSet could care about changed — the same conditions
 * are True, and apart from resourceVersion and the conditions (heartbeats) the node is equal.
 */
export function shouldIgnoreNodeUpdate(old: corev1.Node, cur: corev1.Node): boolean {
  if (!sameTrueConditions(old.status?.conditions, cur.status?.conditions)) return false;
  return semanticEqual(withoutVolatile(old), withoutVolatile(cur));
}
