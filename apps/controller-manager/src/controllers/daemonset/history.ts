import { defaultScheme, type appsv1, type corev1, type JsonValue, type Scheme } from '@minik8s/api';
import { CONTROLLER_REVISION_HASH_LABEL } from './daemon-pods';

/**
 * A DaemonSet's template history, as ControllerRevisions: each revision holds the patch that
 * restores its template (`{"spec":{"template":{…,"$patch":"replace"}}}`), a revision number, and
 * the `controller-revision-hash` label that its pods carry too.
 */

let scheme: Scheme | undefined;

/** Kubernetes' JSON of a pod template (empty lists and maps left out), through the scheme. */
function templateJson(template: corev1.PodTemplateSpec | undefined): JsonValue {
  scheme ??= defaultScheme();
  const info = scheme.forKind('apps/v1', 'DaemonSet');
  if (!info) throw new Error('apps/v1 DaemonSet is not registered');
  const json = scheme.toJson(info, { spec: { template: template ?? {} } } as appsv1.DaemonSet);
  const spec = json.spec as { template?: JsonValue } | undefined;
  return spec?.template ?? {};
}

/** JSON with the keys of every object sorted, as Go marshals a map[string]interface{}. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/** 32-bit FNV-1a, as Go's hash/fnv New32a. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString's alphabet: no vowels (no words) and no look-alike characters. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(s: string): string {
  return [...s].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/**
 * ComputeHash: FNV-1a of the template (its canonical JSON here) and, when set, the collision
 * count as a little-endian uint32; the decimal digits are spelled in the safe alphabet.
 */
export function computeHash(template: corev1.PodTemplateSpec | undefined, collisionCount: number | undefined): string {
  let h = fnv32a(Buffer.from(canonicalJson(templateJson(template)), 'utf8'));
  if (collisionCount !== undefined) {
    const count = Buffer.alloc(4);
    count.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(count, h);
  }
  return safeEncode(String(h));
}

/** getPatch: the JSON merge patch that puts this DaemonSet's template back. */
export function revisionPatch(ds: appsv1.DaemonSet): Buffer {
  const template = templateJson(ds.spec?.template);
  const withReplace: JsonValue = { ...(template as Record<string, JsonValue>), $patch: 'replace' };
  return Buffer.from(canonicalJson({ spec: { template: withReplace } }), 'utf8');
}

/** Match: the revision records exactly this DaemonSet's template. */
export function revisionMatches(ds: appsv1.DaemonSet, revision: appsv1.ControllerRevision): boolean {
  const raw = revision.data?.raw;
  return !!raw && Buffer.from(raw).equals(revisionPatch(ds));
}

export function maxRevision(revisions: readonly appsv1.ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision ?? 0), 0);
}

export function revisionHash(revision: appsv1.ControllerRevision): string | undefined {
  return revision.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/**
 * cleanupHistory's choice: beyond `limit` old revisions, the oldest ones (lowest revision first)
 * whose hash no live pod carries.
 */
export function revisionsToDelete(old: readonly appsv1.ControllerRevision[], limit: number, liveHashes: ReadonlySet<string>): appsv1.ControllerRevision[] {
  let toKill = old.length - limit;
  if (toKill <= 0) return [];
  const victims: appsv1.ControllerRevision[] = [];
  for (const revision of [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))) {
    if (toKill <= 0) break;
    const hash = revisionHash(revision);
    if (hash !== undefined && liveHashes.has(hash)) continue;
    victims.push(revision);
    toKill--;
  }
  return victims;
}

/**
 * dedupCurHistories' choice: of several revisions recording the current template, the one with
 * the highest revision (the last of equals) is kept.
 */
export function revisionToKeep(current: readonly appsv1.ControllerRevision[]): appsv1.ControllerRevision {
  let keep = current[0];
  for (const r of current) if ((r.revision ?? 0) >= (keep.revision ?? 0)) keep = r;
  return keep;
}
