import type { corev1 } from '@minik8s/api';
import type { FileProjection, Payload } from './atomic-writer';
import { podFieldValue, resourceFieldValue, type PodIPs } from './env';

/** A volume could not be set up: the container waits (ContainerCreating) and a FailedMount event says why. */
export class VolumeMountError extends Error {
  readonly reason = 'ContainerCreating';
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(message);
    this.name = 'VolumeMountError';
  }
}

/** What the payload of a volume is computed from. */
export interface PayloadSources {
  getConfigMap(namespace: string, name: string): Promise<corev1.ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<corev1.Secret | undefined>;
  ips: PodIPs;
  node: { cpu: number; memory: number };
}

/** Kubernetes' default file mode for configMap, secret, downwardAPI and projected volumes (0644). */
export const DEFAULT_MODE = 0o644;

function keyedPayload(
  missingKey: (key: string) => string,
  data: Record<string, Buffer>,
  items: corev1.KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
): Payload {
  const out: Payload = new Map();
  if (items && items.length > 0) {
    for (const item of items) {
      const value = data[item.key ?? ''];
      if (value === undefined) {
        if (optional) continue;
        throw new Error(missingKey(item.key ?? ''));
      }
      out.set(item.path ?? item.key ?? '', { data: value, mode: item.mode ?? defaultMode });
    }
  } else {
    for (const [k, v] of Object.entries(data)) out.set(k, { data: v, mode: defaultMode });
  }
  return out;
}

function configMapData(cm: corev1.ConfigMap | undefined): Record<string, Buffer> {
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(cm?.data ?? {})) data[k] = Buffer.from(v, 'utf8');
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) data[k] = Buffer.from(v);
  return data;
}

function secretData(secret: corev1.Secret | undefined): Record<string, Buffer> {
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {})) data[k] = Buffer.from(v);
  return data;
}

export async function configMapPayload(
  pod: corev1.Pod,
  volume: string,
  src: { name?: string; items?: corev1.KeyToPath[]; optional?: boolean },
  defaultMode: number,
  sources: PayloadSources,
): Promise<Payload> {
  const cm = await sources.getConfigMap(pod.metadata?.namespace ?? 'default', src.name ?? '');
  if (!cm && !src.optional) throw new VolumeMountError(volume, `MountVolume.SetUp failed for volume "${volume}" : configmap "${src.name}" not found`);
  try {
    return keyedPayload((k) => `configmap references non-existent config key: ${k}`, configMapData(cm), src.items, defaultMode, src.optional ?? false);
  } catch (err) {
    throw new VolumeMountError(volume, `MountVolume.SetUp failed for volume "${volume}" : ${(err as Error).message}`);
  }
}

export async function secretPayload(
  pod: corev1.Pod,
  volume: string,
  src: { name?: string; items?: corev1.KeyToPath[]; optional?: boolean },
  defaultMode: number,
  sources: PayloadSources,
): Promise<Payload> {
  const secret = await sources.getSecret(pod.metadata?.namespace ?? 'default', src.name ?? '');
  if (!secret && !src.optional) throw new VolumeMountError(volume, `MountVolume.SetUp failed for volume "${volume}" : secret "${src.name}" not found`);
  try {
    return keyedPayload((k) => `references non-existent secret key: ${k}`, secretData(secret), src.items, defaultMode, src.optional ?? false);
  } catch (err) {
    throw new VolumeMountError(volume, `MountVolume.SetUp failed for volume "${volume}" : ${(err as Error).message}`);
  }
}

/** downwardAPI items: fieldRef (labels and annotations included) and resourceFieldRef of a named container. */
export function downwardAPIPayload(pod: corev1.Pod, volume: string, items: corev1.DownwardAPIVolumeFile[], defaultMode: number, sources: PayloadSources): Payload {
  const out: Payload = new Map();
  for (const item of items) {
    let value: string;
    try {
      if (item.fieldRef) {
        value = podFieldValue(pod, item.fieldRef.fieldPath ?? '', sources.ips);
      } else if (item.resourceFieldRef) {
        const name = item.resourceFieldRef.containerName;
        const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
        if (!container) throw new Error(`container "${name}" not found in the pod`);
        value = resourceFieldValue(container, item.resourceFieldRef, sources.node);
      } else {
        continue;
      }
    } catch (err) {
      throw new VolumeMountError(volume, `MountVolume.SetUp failed for volume "${volume}" : ${(err as Error).message}`);
    }
    out.set(item.path ?? '', { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
  }
  return out;
}

function base64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/**
 * A stand-in for a bound service account token: this cluster has no TokenRequest API or signing
 * key, so the token is an unsigned JWT (`alg: none`) with Kubernetes' claims. It is stable for the
 * pod's life, so refreshing the volume leaves it alone; nothing in minik8s accepts it.
 */
export function opaqueServiceAccountToken(pod: corev1.Pod, projection: corev1.ServiceAccountTokenProjection): string {
  const iat = Math.floor(Date.parse(pod.metadata?.creationTimestamp ?? '') / 1000) || 0;
  const ns = pod.metadata?.namespace ?? 'default';
  const sa = pod.spec?.serviceAccountName || 'default';
  const claims = {
    aud: projection.audience ? [projection.audience] : ['https://kubernetes.default.svc.cluster.local'],
    exp: iat + (projection.expirationSeconds ?? 3600),
    iat,
    iss: 'https://kubernetes.default.svc.cluster.local',
    sub: `system:serviceaccount:${ns}:${sa}`,
    'kubernetes.io': { namespace: ns, pod: { name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' }, serviceaccount: { name: sa } },
  };
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.`;
}

/** A projected volume: its sources' files merged into one directory (a later source wins a path). */
export async function projectedPayload(pod: corev1.Pod, volume: string, src: corev1.ProjectedVolumeSource, sources: PayloadSources): Promise<Payload> {
  const defaultMode = src.defaultMode ?? DEFAULT_MODE;
  const out: Payload = new Map();
  const merge = (p: Payload): void => {
    for (const [k, v] of p) out.set(k, v);
  };
  for (const s of src.sources ?? []) {
    if (s.configMap) merge(await configMapPayload(pod, volume, s.configMap, defaultMode, sources));
    else if (s.secret) merge(await secretPayload(pod, volume, s.secret, defaultMode, sources));
    else if (s.downwardAPI) merge(downwardAPIPayload(pod, volume, s.downwardAPI.items ?? [], defaultMode, sources));
    else if (s.serviceAccountToken) {
      const token: FileProjection = { data: Buffer.from(opaqueServiceAccountToken(pod, s.serviceAccountToken), 'utf8'), mode: defaultMode };
      out.set(s.serviceAccountToken.path ?? 'token', token);
    } else {
      throw new VolumeMountError(volume, `MountVolume.SetUp failed for volume "${volume}" : projected sources other than configMap, secret, downwardAPI and serviceAccountToken are not supported`);
    }
  }
  return out;
}
