import type { appsv1 } from '@minik8s/api';
import { equalIgnoreHash } from './template-hash';

type ReplicaSet = appsv1.ReplicaSet;
type Deployment = appsv1.Deployment;

/**
 * ReplicaSet lists as the Deployment controller sees them: orderings, the new and old sets of a
 * Deployment, and the sums its status is made of (Kubernetes' controller_utils and deployment/util).
 * Nothing here mutates its arguments.
 */

/** spec.replicas; the apiserver defaults it to 1. */
export function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 1;
}

/** The Deployment's spec.replicas; the apiserver defaults it to 1. */
export function deploymentReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

function creationTime(rs: ReplicaSet): number {
  const ms = Date.parse(rs.metadata?.creationTimestamp ?? '');
  return Number.isNaN(ms) ? 0 : ms;
}

function nameOf(rs: ReplicaSet): string {
  return rs.metadata?.name ?? '';
}

/** Oldest first; the name breaks ties (ReplicaSetsByCreationTimestamp). */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const ta = creationTime(a);
  const tb = creationTime(b);
  if (ta !== tb) return ta - tb;
  return nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0;
}

/** Largest first; among equals, older first: the order to scale down in (ReplicaSetsBySizeOlder). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const diff = specReplicas(b) - specReplicas(a);
  return diff !== 0 ? diff : byCreationTimestamp(a, b);
}

/** Largest first; among equals, newer first: the order to scale up in (ReplicaSetsBySizeNewer). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const diff = specReplicas(b) - specReplicas(a);
  return diff !== 0 ? diff : byCreationTimestamp(b, a);
}

export function sortedBy(rss: readonly ReplicaSet[], compare: (a: ReplicaSet, b: ReplicaSet) => number): ReplicaSet[] {
  return [...rss].sort(compare);
}

/** ReplicaSets that want pods (FilterActiveReplicaSets). */
export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && specReplicas(rs) > 0);
}

/**
 * The ReplicaSet whose template is the Deployment's (FindNewReplicaSet). Should several match
 * (it happens after upgrades), the oldest wins, deterministically.
 */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  return sortedBy(rsList, byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one (FindOldReplicaSets' second result). */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rsList);
  return rsList.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
}

/**
 * The only active ReplicaSet, or the newest one when none is active; undefined when several are
 * active, which calls for proportional scaling instead (FindActiveOrLatest).
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = sortedBy(oldRSs, (a, b) => byCreationTimestamp(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

function sum(rss: readonly (ReplicaSet | undefined)[], value: (rs: ReplicaSet) => number): number {
  return rss.reduce((total, rs) => total + (rs ? value(rs) : 0), 0);
}

/** The pods the ReplicaSets want (GetReplicaCountForReplicaSets). */
export function replicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return sum(rss, specReplicas);
}

/** The pods the ReplicaSets have (GetActualReplicaCountForReplicaSets). */
export function actualReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return sum(rss, (rs) => rs.status?.replicas ?? 0);
}

export function readyReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
}

export function availableReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return sum(rss, (rs) => rs.status?.availableReplicas ?? 0);
}
