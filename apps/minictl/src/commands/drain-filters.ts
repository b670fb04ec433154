// Which pods `drain` removes from a node, and why others block it or are left alone. Each filter
// passes a pod on, lets it through with a warning, skips it, or refuses it with an error; the first
// one that does not let a pod through decides, otherwise the last warning (if any) stands.

import type { corev1 } from '@minik8s/api';
import { controllerOf, MIRROR_POD_ANNOTATION } from '../workloads';

export interface DrainFilterOptions {
  force: boolean;
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
}

export type PodDeleteStatus =
  | { reason: 'okay'; delete: true }
  | { reason: 'skip'; delete: false }
  | { reason: 'warning'; delete: boolean; message: string }
  | { reason: 'error'; delete: false; message: string };

export interface PodFacts {
  pod: corev1.Pod;
  /**
   * For a pod a DaemonSet controls: the error looking the DaemonSet up, when it failed
   * (`daemonsets.apps "x" not found`), and whether that was NotFound.
   */
  daemonSetLookup?: { error: string; notFound: boolean };
}

export const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
export const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
export const LOCAL_STORAGE_FATAL = 'Pods with local storage (use --delete-emptydir-data to override)';
export const LOCAL_STORAGE_WARNING = 'deleting Pods with local storage';
export const UNMANAGED_FATAL = 'Pods that declare no controller (use --force to override)';
export const UNMANAGED_WARNING = 'deleting Pods that declare no controller';

const OKAY: PodDeleteStatus = { reason: 'okay', delete: true };

function finished(pod: corev1.Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

type Filter = (facts: PodFacts, options: DrainFilterOptions) => PodDeleteStatus;

const daemonSetFilter: Filter = ({ pod, daemonSetLookup }, options) => {
  if (controllerOf(pod)?.kind !== 'DaemonSet' || finished(pod)) return OKAY;
  if (daemonSetLookup) {
    // A pod whose DaemonSet is gone is an orphan: --force removes it.
    if (daemonSetLookup.notFound && options.force) return { reason: 'warning', delete: true, message: daemonSetLookup.error };
    return { reason: 'error', delete: false, message: daemonSetLookup.error };
  }
  if (!options.ignoreDaemonSets) return { reason: 'error', delete: false, message: DAEMONSET_FATAL };
  return { reason: 'warning', delete: false, message: DAEMONSET_WARNING };
};

const mirrorPodFilter: Filter = ({ pod }) =>
  pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined ? { reason: 'skip', delete: false } : OKAY;

const localStorageFilter: Filter = ({ pod }, options) => {
  if (!(pod.spec?.volumes ?? []).some((v) => v.emptyDir) || finished(pod)) return OKAY;
  if (!options.deleteEmptyDirData) return { reason: 'error', delete: false, message: LOCAL_STORAGE_FATAL };
  return { reason: 'warning', delete: true, message: LOCAL_STORAGE_WARNING };
};

const unreplicatedFilter: Filter = ({ pod }, options) => {
  if (finished(pod) || controllerOf(pod)) return OKAY;
  if (options.force) return { reason: 'warning', delete: true, message: UNMANAGED_WARNING };
  return { reason: 'error', delete: false, message: UNMANAGED_FATAL };
};

const FILTERS: Filter[] = [daemonSetFilter, mirrorPodFilter, localStorageFilter, unreplicatedFilter];

export function podDeleteStatus(facts: PodFacts, options: DrainFilterOptions): PodDeleteStatus {
  let kept: PodDeleteStatus = OKAY;
  for (const filter of FILTERS) {
    const status = filter(facts, options);
    if (!status.delete) return status;
    // A later filter's okay does not hide an earlier warning.
    if (status.reason !== 'okay') kept = status;
  }
  return kept;
}

export interface PodDeleteList {
  /** The pods to evict. */
  pods: corev1.Pod[];
  /** `Warning: …` text, or '' (messages in first-seen order, each with its pods). */
  warnings: string;
  /** `cannot delete <why>: ns/a, ns/b`, one per reason. */
  errors: string[];
}

function grouped(items: { message: string; pod: corev1.Pod }[]): [string, string][] {
  const groups = new Map<string, string[]>();
  for (const { message, pod } of items) {
    const list = groups.get(message) ?? [];
    list.push(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
    groups.set(message, list);
  }
  return [...groups.entries()].map(([message, pods]) => [message, pods.join(', ')]);
}

/** Sorts a node's pods into the ones to evict, the warnings to print, and the errors that stop the drain. */
export function podsForDeletion(facts: readonly PodFacts[], options: DrainFilterOptions): PodDeleteList {
  const pods: corev1.Pod[] = [];
  const warnings: { message: string; pod: corev1.Pod }[] = [];
  const errors: { message: string; pod: corev1.Pod }[] = [];
  for (const f of facts) {
    const status = podDeleteStatus(f, options);
    if (status.delete) pods.push(f.pod);
    if (status.reason === 'warning') warnings.push({ message: status.message, pod: f.pod });
    if (status.reason === 'error') errors.push({ message: status.message, pod: f.pod });
  }
  return {
    pods,
    warnings: grouped(warnings).map(([message, list]) => `${message}: ${list}`).join('; '),
    errors: grouped(errors).map(([message, list]) => `cannot delete ${message}: ${list}`),
  };
}
