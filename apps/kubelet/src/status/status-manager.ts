import { isConflict, isNotFound, type corev1 } from '@minik8s/api';
import { Pods, type ApiClient } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION, isStaticPod } from '../pod/static-pods';

/** Equality that ignores key order and undefined members, as the API does when it stores objects. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      if (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 0 && k !== 'running') continue;
      out[k] = normalize(x);
    }
    return out;
  }
  return v;
}

/**
 * Writes pod statuses through the status subresource. It starts from the newest pod it knows (the
 * informer's, else the API's), keeps what the kubelet does not own (qosClass and the like are
 * immutable), skips writes that change nothing, and retries conflicts on a fresh read.
 */
export class StatusManager {
  constructor(
    private readonly client: ApiClient,
    private readonly getCached: (namespace: string, name: string) => corev1.Pod | undefined,
    private readonly logger?: Logger,
  ) {}

  /** Whether `current` (from the API) is `pod`, or the mirror pod of the static pod `pod`. */
  private matches(current: corev1.Pod, pod: corev1.Pod): boolean {
    if (current.metadata?.uid === pod.metadata?.uid) return true;
    const hash = pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
    return !!hash && current.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] === hash;
  }

  /** The status the API has for the pod (its mirror's for a static pod), to compute the next one from. */
  latestStatus(pod: corev1.Pod): corev1.PodStatus | undefined {
    const current = this.getCached(pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '');
    return current && this.matches(current, pod) ? current.status : undefined;
  }

  async setPodStatus(pod: corev1.Pod, status: corev1.PodStatus): Promise<corev1.Pod | undefined> {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const pods = this.client.resource(Pods).namespace(ns);
    const cached = this.getCached(ns, name);
    // A static pod's status goes to its mirror pod, once there is one.
    if (!cached && isStaticPod(pod)) return undefined;
    let current = cached ?? pod;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!this.matches(current, pod)) return undefined;
      const old = current.status ?? {};
      const merged: corev1.PodStatus = { ...status, qosClass: old.qosClass, nominatedNodeName: old.nominatedNodeName };
      // A finished pod stays finished.
      if (old.phase === 'Succeeded' || old.phase === 'Failed') {
        merged.phase = old.phase;
        merged.reason ??= old.reason;
        merged.message ??= old.message;
      }
      if (semanticEqual(merged, old)) return current;
      try {
        return await pods.updateStatus({ ...current, status: merged });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err)) throw err;
        this.logger?.debug({ pod: `${ns}/${name}` }, 'status conflict; retrying on a fresh read');
        try {
          current = await pods.get(name);
        } catch (e) {
          if (isNotFound(e)) return undefined;
          throw e;
        }
      }
    }
    throw new Error(`could not write the status of pod ${ns}/${name}: too many conflicts`);
  }
}
