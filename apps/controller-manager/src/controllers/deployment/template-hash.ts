import type { corev1 } from '@minik8s/api';

/**
 * The pod-template-hash: the label that tells a Deployment's ReplicaSets (and their pods) apart,
 * and the suffix of each ReplicaSet's name. Kubernetes hashes the pod template with FNV-32a (plus
 * the Deployment's collisionCount) and spells the number with a consonant-and-digit alphabet;
 * we do the same over a canonical JSON form, so the hash is stable across processes and restarts.
 */

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/**
 * The value with object keys sorted and "nothing" dropped: undefined, null, empty lists and
 * empty maps count as absent, as apimachinery's semantic equality treats nil and empty alike.
 */
export function canonicalize(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    // Inside a list, positions matter: keep an absent element as null.
    const items = value.map((v) => canonicalize(v) ?? null);
    return items.length > 0 ? items : undefined;
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return value.length > 0 ? Buffer.from(value).toString('base64') : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = canonicalize((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value) ?? null);
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1a, 32 bits, continuing from `hash`. */
export function fnv32a(bytes: Uint8Array, hash = FNV32_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h;
}

/** Consonants and digits only, so that a hash never spells a word (apimachinery's rand alphabet). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** Maps every character to the safe alphabet by its code (apimachinery's rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/**
 * Kubernetes' controller.ComputeHash: the hash of a pod template and, when the Deployment has
 * one, its collisionCount (as four little-endian bytes), so that a collision is resolved by
 * bumping the count.
 */
export function computeHash(template: corev1.PodTemplateSpec | undefined, collisionCount?: number): string {
  let hash = fnv32a(Buffer.from(canonicalJson(template ?? {}), 'utf8'));
  if (collisionCount !== undefined) {
    const count = Buffer.alloc(4);
    count.writeUInt32LE(collisionCount >>> 0);
    hash = fnv32a(count, hash);
  }
  return safeEncodeString(String(hash));
}

/** A copy of the template without the pod-template-hash label. */
export function templateWithoutHash(template: corev1.PodTemplateSpec | undefined): corev1.PodTemplateSpec {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels && POD_TEMPLATE_HASH_LABEL in copy.metadata.labels) {
    const labels = { ...copy.metadata.labels };
    delete labels[POD_TEMPLATE_HASH_LABEL];
    copy.metadata = { ...copy.metadata, labels };
  }
  return copy;
}

/**
 * Kubernetes' EqualIgnoreHash: two templates are the same when they are semantically equal once
 * the pod-template-hash label is ignored (a Deployment's template never carries it).
 */
export function equalIgnoreHash(a: corev1.PodTemplateSpec | undefined, b: corev1.PodTemplateSpec | undefined): boolean {
  return canonicalJson(templateWithoutHash(a)) === canonicalJson(templateWithoutHash(b));
}
