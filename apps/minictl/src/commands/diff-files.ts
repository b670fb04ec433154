// What `minictl diff` writes into its LIVE and MERGED directories, as kubectl diff does: one file
// per object named group.version.kind.namespace.name, YAML without managedFields, and Secret data
// masked so values never reach the terminal while a changed value still shows as changed.

import type { JsonObject, JsonValue, KindInfo } from '@minik8s/api';
import { toYamlText } from '../printers/serialize';

/** `v1.Pod.default.kubia`, `apps.v1.Deployment.default.web`, `v1.Namespace..dev` (kubectl's InfoObject.Name). */
export function diffFileName(info: KindInfo, namespace: string | undefined, name: string): string {
  const group = info.group ? `${info.group}.` : '';
  return `${group}${info.version}.${info.kind}.${namespace ?? ''}.${name}`;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object without metadata.managedFields, which change on every write and say nothing to a reader. */
export function withoutManagedFields(obj: JsonObject): JsonObject {
  if (!isObject(obj.metadata) || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _managedFields, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * kubectl's Masker: each Secret data value becomes `***`; a key whose value differs between the two
 * becomes `*** (before)` and `*** (after)` so the change still shows. Other kinds pass unchanged.
 */
export function maskSecrets(info: KindInfo, live: JsonObject | undefined, merged: JsonObject | undefined): { live: JsonObject | undefined; merged: JsonObject | undefined } {
  if (info.group !== '' || info.kind !== 'Secret') return { live, merged };
  const from = live && isObject(live.data) ? live.data : {};
  const to = merged && isObject(merged.data) ? merged.data : {};
  const maskedFrom: JsonObject = {};
  const maskedTo: JsonObject = {};
  for (const key of Object.keys(from)) {
    if (key in to && from[key] !== to[key]) {
      maskedFrom[key] = '*** (before)';
      maskedTo[key] = '*** (after)';
    } else {
      maskedFrom[key] = '***';
    }
  }
  for (const key of Object.keys(to)) {
    if (!(key in maskedTo)) maskedTo[key] = '***';
  }
  const mask = (obj: JsonObject | undefined, data: JsonObject): JsonObject | undefined =>
    obj && isObject(obj.data) ? { ...obj, data } : obj;
  return { live: mask(live, maskedFrom), merged: mask(merged, maskedTo) };
}

/** A file's content: nothing for an object that is not there (diff -N shows it all as added or removed). */
export function diffFileText(obj: JsonObject | undefined): string {
  return obj ? toYamlText(withoutManagedFields(obj)) : '';
}

/** kubectl's KUBECTL_EXTERNAL_DIFF: the program, then the two dirs, then its flags (only `[a-zA-Z0-9-=]` words). */
export function diffProgram(external: string | undefined, from: string, to: string): { program: string; args: string[] } {
  if (!external) return { program: 'diff', args: ['-u', '-N', from, to] };
  const [program, ...flags] = external.split(' ');
  return { program, args: [from, to, ...flags.filter((f) => /^[a-zA-Z0-9-=]+$/.test(f))] };
}
