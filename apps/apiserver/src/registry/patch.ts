import { applyPatch, validate as validateJsonPatch, type Operation } from 'fast-json-patch';
import { deepCopy, newBadRequest, StatusError, type JsonValue } from '@minik8s/api';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386: objects merge key by key, null deletes, everything else replaces. */
export function mergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return patch;
  const result: Record<string, JsonValue> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

function parsePatch(patch: Uint8Array): JsonValue {
  try {
    return JSON.parse(Buffer.from(patch).toString('utf8')) as JsonValue;
  } catch (err) {
    throw newBadRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

/** Applies a patch of the given content type to an object's JSON. */
export function applyPatchOfType(type: string, current: JsonValue, patch: Uint8Array): JsonValue {
  const parsed = parsePatch(patch);
  switch (type) {
    case MERGE_PATCH:
    // Without OpenAPI merge keys, a strategic merge patch is applied as a merge patch, as
    // Kubernetes does for kinds it has no strategy for.
    case STRATEGIC_MERGE_PATCH:
      if (!isObject(parsed)) throw newBadRequest('a merge patch must be a JSON object');
      return mergePatch(current, parsed);
    case JSON_PATCH: {
      if (!Array.isArray(parsed)) throw newBadRequest('a JSON patch must be a JSON array of operations');
      const operations = parsed as unknown as Operation[];
      const invalid = validateJsonPatch(operations, current);
      if (invalid) throw newBadRequest(`the JSON patch is invalid: ${invalid.message}`);
      try {
        return applyPatch(deepCopy(current), operations, false, false).newDocument;
      } catch (err) {
        throw newBadRequest(`the JSON patch cannot be applied: ${(err as Error).message}`);
      }
    }
    default:
      throw new StatusError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${MERGE_PATCH}, ${JSON_PATCH}, ${STRATEGIC_MERGE_PATCH}`);
  }
}
