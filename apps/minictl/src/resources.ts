// Turning what the user typed (`po`, `pods,svc`, `deploy/web`, `all`) into kinds and names.

import type { ApiObject, KindInfo, Scheme } from '@minik8s/api';
import { CliError } from './errors';

/** `pod`, `deployment.apps`: how kubectl names a kind in its output. */
export function kindRef(info: KindInfo): string {
  const kind = info.kind.toLowerCase();
  return info.group ? `${kind}.${info.group}` : kind;
}

/** `pod/kubia`, `deployment.apps/web`. */
export function objectRef(info: KindInfo, obj: ApiObject | string): string {
  return `${kindRef(info)}/${typeof obj === 'string' ? obj : (obj.metadata?.name ?? '')}`;
}

/** `pods`, `deployments.apps`: the qualified resource name, as in error messages. */
export function resourceRef(info: KindInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

export function resolveKind(scheme: Scheme, name: string): KindInfo {
  const info = scheme.resolve(name);
  if (!info) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return info;
}

/** The kinds of a category (`all`), in registration order. */
export function kindsInCategory(scheme: Scheme, category: string): KindInfo[] {
  return scheme.all().filter((k) => (k.categories ?? []).includes(category));
}

/** Expands `pods,svc` and categories into kinds, without duplicates. */
export function resolveKinds(scheme: Scheme, list: string): KindInfo[] {
  const kinds: KindInfo[] = [];
  for (const part of list.split(',').filter(Boolean)) {
    const found = part === 'all' ? kindsInCategory(scheme, 'all') : [resolveKind(scheme, part)];
    for (const k of found) if (!kinds.includes(k)) kinds.push(k);
  }
  return kinds;
}

export interface ResourceSelection {
  info: KindInfo;
  /** Empty: every object of the kind (subject to selectors). */
  names: string[];
}

/**
 * `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...`. Kinds keep the order given; with several kinds,
 * every name is looked up in each of them.
 */
export function parseResourceArgs(scheme: Scheme, args: readonly string[], verb: string): ResourceSelection[] {
  if (args.length === 0) {
    throw new CliError(`You must specify the type of resource to ${verb}. Use "minictl api-resources" for a complete list of supported resources.`);
  }
  if (args.some((a) => a.includes('/'))) {
    if (!args.every((a) => a.includes('/'))) {
      throw new CliError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'minictl ${verb} resource/<resource_name>' instead of 'minictl ${verb} resource resource/<resource_name>'`,
      );
    }
    const selections: ResourceSelection[] = [];
    for (const arg of args) {
      const slash = arg.indexOf('/');
      const info = resolveKind(scheme, arg.slice(0, slash));
      const name = arg.slice(slash + 1);
      if (!name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
      const existing = selections.find((s) => s.info === info);
      if (existing) existing.names.push(name);
      else selections.push({ info, names: [name] });
    }
    return selections;
  }
  const [types, ...names] = args;
  return resolveKinds(scheme, types).map((info) => ({ info, names: [...names] }));
}
