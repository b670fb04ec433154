// Client-side apply, as kubectl does it: the configuration last applied is kept in an annotation,
// and the next apply sends a three-way merge patch that sets what the new configuration changes and
// deletes (null) what the last one had and the new one dropped, leaving fields others set alone.
//
// Lists are atomic in a JSON merge patch. A list counts as unchanged when the stored one has the same
// length and each stored element contains the applied element's fields (the server added defaults),
// and the applied list equals the last applied one; otherwise the whole list is sent.

import type { JsonObject, JsonValue } from '@minik8s/api';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Whether `actual` has every field of `wanted` with the same value (it may have more). */
export function contains(actual: JsonValue | undefined, wanted: JsonValue | undefined): boolean {
  if (isObject(wanted)) return isObject(actual) && Object.entries(wanted).every(([k, v]) => contains(actual[k], v));
  if (Array.isArray(wanted)) return Array.isArray(actual) && actual.length === wanted.length && wanted.every((w, i) => contains(actual[i], w));
  return deepEqual(actual, wanted);
}

/** JSON with keys sorted, so the annotation is the same text for the same configuration. */
function stableStringify(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function withoutLastApplied(obj: JsonObject): JsonObject {
  const metadata = isObject(obj.metadata) ? { ...obj.metadata } : {};
  const annotations = isObject(metadata.annotations) ? { ...metadata.annotations } : undefined;
  if (annotations) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
    else metadata.annotations = annotations;
  }
  return { ...obj, metadata };
}

/** The applied configuration with the annotation that records it. */
export function withLastApplied(config: JsonObject): JsonObject {
  const clean = withoutLastApplied(config);
  const metadata = clean.metadata as JsonObject;
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  return {
    ...clean,
    metadata: { ...metadata, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: `${stableStringify(clean)}\n` } },
  };
}

/** The configuration recorded by the last apply, if any. */
export function lastApplied(current: JsonObject): JsonObject | undefined {
  const metadata = current.metadata;
  const text = isObject(metadata) && isObject(metadata.annotations) ? metadata.annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as JsonValue;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The merge patch that turns `current` into what `modified` asks for, deleting what `original` (the
 * last applied configuration) had and `modified` no longer has. Empty when nothing needs to change.
 */
export function threeWayMergePatch(original: JsonObject | undefined, modified: JsonObject, current: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(original ?? {})) {
    if (!(key in modified) && key in current) patch[key] = null;
  }
  for (const [key, want] of Object.entries(modified)) {
    const have = current[key];
    const before = original?.[key];
    if (isObject(want) && isObject(have)) {
      const sub = threeWayMergePatch(isObject(before) ? before : undefined, want, have);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (Array.isArray(want)) {
      const unchanged = contains(have, want) && (before === undefined || deepEqual(before, want));
      if (!unchanged) patch[key] = want;
    } else if (!deepEqual(want, have)) {
      patch[key] = want;
    }
  }
  return patch;
}
