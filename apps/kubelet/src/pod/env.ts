import { parseQuantity, toMilli, type corev1 } from '@minik8s/api';

/** A quantity as a plain number (`500m` → 0.5, `1Gi` → 1073741824). */
export function quantityValue(s: string): number {
  return Number(toMilli(parseQuantity(s))) / 1000;
}

/** Reads the ConfigMaps and Secrets a container's env refers to (from the API). */
export interface EnvSources {
  getConfigMap(namespace: string, name: string): Promise<corev1.ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<corev1.Secret | undefined>;
}

/** A container's configuration could not be made (CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

export interface PodIPs {
  hostIP: string;
  podIP: string;
}

/**
 * Expands `$(VAR)` references from `vars`, as Kubernetes' expansion does: `$$` escapes a `$`,
 * and references to unknown variables stay as they are.
 */
export function expandVars(input: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const n = input[i + 1];
    if (n === '$') {
      out += '$';
      i++;
    } else if (n === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += vars.has(name) ? vars.get(name) : `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

function subscriptOf(path: string, prefix: string): string | undefined {
  const m = new RegExp(`^${prefix.replace('.', '\\.')}\\['(.*)'\\]$`).exec(path);
  return m ? m[1] : undefined;
}

/** The value of a downward-API field path for `pod`. */
export function podFieldValue(pod: corev1.Pod, fieldPath: string, ips: PodIPs): string {
  const meta = pod.metadata ?? {};
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return ips.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return ips.podIP;
  }
  const label = subscriptOf(fieldPath, 'metadata.labels');
  if (label !== undefined) return meta.labels?.[label] ?? '';
  const annotation = subscriptOf(fieldPath, 'metadata.annotations');
  if (annotation !== undefined) return meta.annotations?.[annotation] ?? '';
  if (fieldPath === 'metadata.labels') return formatMap(meta.labels);
  if (fieldPath === 'metadata.annotations') return formatMap(meta.annotations);
  throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k])}`)
    .join('\n');
}

/** resourceFieldRef: a container's limit or request, divided by `divisor` and rounded up. */
export function resourceFieldValue(container: corev1.Container, selector: corev1.ResourceFieldSelector, node: { cpu: number; memory: number }): string {
  const resource = selector.resource ?? '';
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const raw = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[name];
  let value: number;
  if (raw !== undefined) value = quantityValue(raw);
  else if (kind === 'limits' && name === 'cpu') value = node.cpu;
  else if (kind === 'limits' && name === 'memory') value = node.memory;
  else value = 0;
  const divisor = selector.divisor ? quantityValue(selector.divisor) : 1;
  return String(Math.ceil(value / (divisor || 1)));
}

/**
 * The environment of one container: envFrom first, then env (each `value` expanded against the
 * variables before it), with ConfigMap, Secret, field and resource references resolved.
 */
export async function resolveEnv(
  pod: corev1.Pod,
  container: corev1.Container,
  sources: EnvSources,
  ips: PodIPs,
  node: { cpu: number; memory: number } = { cpu: 0, memory: 0 },
): Promise<{ name: string; value: string }[]> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const vars = new Map<string, string>();
  const configMaps = new Map<string, corev1.ConfigMap | undefined>();
  const secrets = new Map<string, corev1.Secret | undefined>();
  const configMap = async (name: string): Promise<corev1.ConfigMap | undefined> => {
    if (!configMaps.has(name)) configMaps.set(name, await sources.getConfigMap(namespace, name));
    return configMaps.get(name);
  };
  const secret = async (name: string): Promise<corev1.Secret | undefined> => {
    if (!secrets.has(name)) secrets.set(name, await sources.getSecret(namespace, name));
    return secrets.get(name);
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await configMap(from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) vars.set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = await secret(from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) vars.set(prefix + k, Buffer.from(v).toString('utf8'));
    }
  }

  for (const env of container.env ?? []) {
    const name = env.name ?? '';
    const from = env.valueFrom;
    if (!from) {
      vars.set(name, expandVars(env.value ?? '', vars));
      continue;
    }
    if (from.fieldRef) {
      vars.set(name, podFieldValue(pod, from.fieldRef.fieldPath ?? '', ips));
    } else if (from.resourceFieldRef) {
      const target = from.resourceFieldRef.containerName
        ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === from.resourceFieldRef?.containerName)
        : container;
      vars.set(name, resourceFieldValue(target ?? container, from.resourceFieldRef, node));
    } else if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const cm = await configMap(ref.name ?? '');
      if (!cm) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`configmap "${ref.name}" not found`);
      }
      const value = cm.data?.[ref.key ?? ''] ?? (cm.binaryData?.[ref.key ?? ''] ? Buffer.from(cm.binaryData[ref.key ?? '']).toString('utf8') : undefined);
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${namespace}/${ref.name}`);
      }
      vars.set(name, value);
    } else if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      const s = await secret(ref.name ?? '');
      if (!s) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`secret "${ref.name}" not found`);
      }
      const value = s.data?.[ref.key ?? ''];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${namespace}/${ref.name}`);
      }
      vars.set(name, Buffer.from(value).toString('utf8'));
    }
  }
  return [...vars].map(([name, value]) => ({ name, value }));
}

/** command and args with `$(VAR)` expanded from the container's environment. */
export function expandCommand(container: corev1.Container, env: readonly { name: string; value: string }[]): { command?: string[]; args?: string[] } {
  const vars = new Map(env.map((e) => [e.name, e.value]));
  return {
    command: container.command?.map((s) => expandVars(s, vars)),
    args: container.args?.map((s) => expandVars(s, vars)),
  };
}
