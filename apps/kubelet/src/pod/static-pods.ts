import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { corev1, Scheme } from '@minik8s/api';
import { parse } from 'yaml';

export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export function isMirrorPod(pod: corev1.Pod): boolean {
  return pod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}

export function isStaticPod(pod: corev1.Pod): boolean {
  return pod.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION] === 'file';
}

/**
 * A static pod from a manifest file, as the kubelet reads it: named `<name>-<node>`, in
 * `default` unless it says otherwise, bound to the node, with a UID hashed from its content, the
 * node and the file, carried in the config.hash annotation.
 */
export function staticPodFrom(obj: corev1.Pod, file: string, content: string, nodeName: string): corev1.Pod {
  const uid = createHash('md5').update(file).update('\0').update(nodeName).update('\0').update(content).digest('hex');
  const meta = obj.metadata ?? {};
  const spec = obj.spec ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      name: `${meta.name ?? ''}-${nodeName}`,
      namespace: meta.namespace || 'default',
      uid,
      annotations: { ...(meta.annotations ?? {}), [CONFIG_HASH_ANNOTATION]: uid, [CONFIG_SOURCE_ANNOTATION]: 'file' },
    },
    spec: {
      ...spec,
      nodeName,
      // Static pods tolerate every NoExecute taint, as Kubernetes' file source makes them.
      tolerations: [...(spec.tolerations ?? []), { operator: 'Exists', effect: 'NoExecute' }],
    },
    status: { phase: 'Pending' },
  };
}

/** Reads every pod manifest in `dir`; files that do not parse as a Pod are reported, not fatal. */
export async function readStaticPods(dir: string, nodeName: string, scheme: Scheme): Promise<{ pods: corev1.Pod[]; errors: string[] }> {
  const pods: corev1.Pod[] = [];
  const errors: string[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => !n.startsWith('.') && EXTENSIONS.some((e) => n.endsWith(e))).sort();
  } catch (err) {
    return { pods, errors: [`cannot read ${dir}: ${(err as Error).message}`] };
  }
  for (const name of names) {
    const file = join(dir, name);
    try {
      const content = await readFile(file, 'utf8');
      const { info, obj } = scheme.fromJson(parse(content));
      if (info.kind !== 'Pod' || info.group !== '') throw new Error(`expected a Pod, found a ${info.kind}`);
      if (!obj.metadata?.name) throw new Error('the pod has no metadata.name');
      pods.push(staticPodFrom(obj as corev1.Pod, file, content, nodeName));
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message}`);
    }
  }
  return { pods, errors };
}

/** The mirror pod the kubelet posts to the API for a static pod, owned by the Node. */
export function mirrorPodFor(pod: corev1.Pod, node: { name: string; uid: string }): corev1.Pod {
  const meta = pod.metadata ?? {};
  const annotations = { ...(meta.annotations ?? {}), [CONFIG_MIRROR_ANNOTATION]: meta.annotations?.[CONFIG_HASH_ANNOTATION] ?? '' };
  return {
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      labels: meta.labels,
      annotations,
      ownerReferences: node.uid ? [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }] : undefined,
    },
    spec: pod.spec,
  };
}
