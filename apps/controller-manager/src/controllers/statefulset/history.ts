import { defaultScheme, type appsv1, type corev1, type JsonValue, type Scheme } from '@minik8s/api';
import { setRef } from './stateful-pod';

/**
 * A StatefulSet's template history as ControllerRevisions: each revision's data is the merge
 * patch that restores its template (`{"spec":{"template":{…,"$patch":"replace"}}}`), its name is
 * `<set>-<hash>` and pods of that template carry the name in `controller-revision-hash`.
 */

/** The label a revision carries with its bare hash (Kubernetes' ControllerRevisionHashLabel). */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

let scheme: Scheme | undefined;

function statefulSetInfo(): { scheme: Scheme; info: NonNullable<ReturnType<Scheme['forKind']>> } {
  scheme ??= defaultScheme();
  const info = scheme.forKind('apps/v1', 'StatefulSet');
  if (!info) throw new Error('apps/v1 StatefulSet is not registered');
  return { scheme, info };
}

/** Kubernetes' JSON of a pod template (empty fields left out), through the scheme. */
function templateJson(template: corev1.PodTemplateSpec | undefined): JsonValue {
  const { scheme: s, info } = statefulSetInfo();
  const json = s.toJson(info, { spec: { template: template ?? {} } } as appsv1.StatefulSet);
  return (json.spec as { template?: JsonValue } | undefined)?.template ?? {};
}

/** JSON with every object's keys sorted, so equal templates give equal bytes. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
    .join(',')}}`;
}

/** 32-bit FNV-1a (Go's hash/fnv New32a). */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** HashControllerRevision: FNV-1a of the revision's data and collision count, in the safe alphabet. */
export function hashRevisionData(raw: Uint8Array, collisionCount: number | undefined): string {
  let h = fnv32a(raw);
  if (collisionCount !== undefined) {
    const count = Buffer.alloc(4);
    count.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(count, h);
  }
  return [...String(h)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/** getPatch: the merge patch that puts this set's template back. */
export function revisionPatch(set: appsv1.StatefulSet): Buffer {
  const template = templateJson(set.spec?.template) as Record<string, JsonValue>;
  return Buffer.from(canonicalJson({ spec: { template: { ...template, $patch: 'replace' } } }), 'utf8');
}

/** The revision `newRevision` would record for this set (name `<set>-<hash>`). */
export function newRevision(set: appsv1.StatefulSet, revision: number, collisionCount: number | undefined): appsv1.ControllerRevision {
  const raw = revisionPatch(set);
  const hash = hashRevisionData(raw, collisionCount);
  return {
    metadata: {
      name: `${set.metadata?.name ?? ''}-${hash}`,
      namespace: set.metadata?.namespace,
      labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      annotations: set.metadata?.annotations ? { ...set.metadata.annotations } : undefined,
      ownerReferences: [setRef(set)],
    },
    data: { raw },
    revision,
  };
}

/** The revision records exactly this set's template. */
export function revisionMatches(set: appsv1.StatefulSet, revision: appsv1.ControllerRevision): boolean {
  const raw = revision.data?.raw;
  return !!raw && Buffer.from(raw).equals(revisionPatch(set));
}

/** ApplyRevision: a copy of the set whose template is the one the revision recorded. */
export function applyRevision(set: appsv1.StatefulSet, revision: appsv1.ControllerRevision): appsv1.StatefulSet {
  const raw = revision.data?.raw;
  if (!raw) return set;
  const patch = JSON.parse(Buffer.from(raw).toString('utf8')) as { spec?: { template?: Record<string, JsonValue> } };
  const { $patch: _replace, ...template } = patch.spec?.template ?? {};
  const { scheme: s } = statefulSetInfo();
  const decoded = s.fromJson({ apiVersion: 'apps/v1', kind: 'StatefulSet', spec: { template } }).obj as appsv1.StatefulSet;
  return { ...set, spec: { ...set.spec, template: decoded.spec?.template } };
}

export function maxRevision(revisions: readonly appsv1.ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision ?? 0), 0);
}

export function sortRevisions(revisions: readonly appsv1.ControllerRevision[]): appsv1.ControllerRevision[] {
  return [...revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/**
 * truncateHistory's choice: of the revisions no pod uses and that are neither the current nor
 * the update revision, the oldest beyond revisionHistoryLimit.
 */
export function revisionsToPrune(
  revisions: readonly appsv1.ControllerRevision[],
  live: ReadonlySet<string>,
  limit: number,
): appsv1.ControllerRevision[] {
  const history = sortRevisions(revisions).filter((r) => !live.has(r.metadata?.name ?? ''));
  const excess = history.length - Math.max(0, limit);
  return excess > 0 ? history.slice(0, excess) : [];
}
