// The text `minictl edit` puts in front of the user and reads back, in kubectl's format: a comment
// header (with the failures of the last save, when the file is reopened), the object as YAML or
// JSON, and the patch that turns what was shown into what was saved.

import type { JsonObject, JsonValue } from '@minik8s/api';
import { parse } from 'yaml';
import { deepEqual } from '../apply-patch';
import { sortKeys, toJsonText, toYamlText } from '../printers/serialize';

export type EditFormat = 'yaml' | 'json';

/** One failure shown in the header: a headline and, under it, one line per field. */
export interface EditReason {
  head: string;
  other?: string[];
}

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

/** A multi-line message stays inside the comment block. */
function hashOnLineBreak(text: string): string {
  return text.split('\n').map((line, i) => (i === 0 || line.startsWith('#') ? line : `# ${line}`)).join('\n');
}

/** kubectl's header, then each reason as `# head:` with `# * detail` lines. */
export function headerText(reasons: readonly EditReason[]): string {
  let text = HEADER;
  for (const r of reasons) {
    const other = r.other ?? [];
    text += `# ${hashOnLineBreak(r.head)}${other.length > 0 ? ':' : ''}\n`;
    for (const o of other) text += `# * ${hashOnLineBreak(o)}\n`;
    text += '#\n';
  }
  return text;
}

/** The file without its comment lines (`#!` is kept: it is not a comment kubectl would drop). */
export function manualStrip(text: string): string {
  return text
    .split('\n')
    .filter((line) => {
      const trimmed = line.trim();
      return !(trimmed.startsWith('#') && !trimmed.startsWith('#!'));
    })
    .join('\n');
}

/**
 * What the file means, for telling whether it was changed: its content as JSON when it parses,
 * keys sorted, else the text without comments, so reordering, reformatting or touching only comments
 * counts as no change.
 */
export function stripComments(text: string): string {
  try {
    return JSON.stringify(sortKeys(parse(text) ?? null));
  } catch {
    return manualStrip(text);
  }
}

/** Whether anything but blank and comment lines is left. */
export function hasLines(text: string): boolean {
  return text.split('\n').some((line) => {
    const trimmed = line.trim();
    return trimmed.length > 0 && !trimmed.startsWith('#');
  });
}

/** The objects as shown in the editor: one object alone, several as a `kind: List`. */
export function editDocument(objects: readonly JsonObject[], format: EditFormat): string {
  const value = objects.length === 1 ? objects[0] : { apiVersion: 'v1', items: [...objects], kind: 'List', metadata: {} };
  return format === 'json' ? toJsonText(value) : toYamlText(value);
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The patch from `original` to `edited`: changed and added fields, `null` for removed ones, and a
 * changed list in full. The apiserver applies a strategic merge patch this way (it has no merge keys),
 * so the same patch is right under either content type.
 */
export function twoWayMergePatch(original: JsonObject, edited: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(original)) {
    if (!(key in edited)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(edited)) {
    const before = original[key];
    if (isObject(before) && isObject(value)) {
      const sub = twoWayMergePatch(before, value);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (!deepEqual(before, value)) {
      patch[key] = value;
    }
  }
  return patch;
}

/** Whether the patch would change what names the object, which an edit may not do. */
export function changesIdentity(patch: JsonObject): boolean {
  return 'apiVersion' in patch || 'kind' in patch || (isObject(patch.metadata) && 'name' in patch.metadata);
}

/** The object without what the editor leaves out (managedFields are the server's bookkeeping). */
export function forEditing(json: JsonObject): JsonObject {
  if (!isObject(json.metadata) || !('managedFields' in json.metadata)) return json;
  const { managedFields: _managedFields, ...metadata } = json.metadata;
  return { ...json, metadata };
}
