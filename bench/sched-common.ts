import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { corev1 } from '@minik8s/api';
import { Namespaces, Pods, type ApiClient } from '@minik8s/client';
import { Component } from './components';
import type { PodTracker } from './pod-tracker';

// What the scheduler suite's phases share: the pods, their names, and the scheduler process.

export type PodKind = 'plain' | 'anti-affinity';
export const PREFIX = 'p-';
export const HOLLOW_PREFIX = 'hollow-';

export const progress = (text: string): void => void process.stderr.write(`${text}\n`);

export function benchPod(ns: string, i: number, kind: PodKind): corev1.Pod {
  const app = kind === 'plain' ? 'sched-plain' : 'sched-anti';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${PREFIX}${i}`, namespace: ns, labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: 'registry.example.com/pause:3.9', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
      affinity:
        kind === 'anti-affinity'
          ? {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }],
              },
            }
          : undefined,
    },
  };
}

export async function createNamespace(client: ApiClient, name: string): Promise<void> {
  await client.resource(Namespaces).create({ metadata: { name } });
}

/**
 * `SCHED_BENCH_CPU_PROF=DIR` profiles each scheduler process the suite starts (one .cpuprofile
 * per process in DIR, from `sched-cpu-profile.mjs`), and only them: the preload goes into those
 * children's NODE_OPTIONS, which refuses `--cpu-prof` itself.
 */
export function withSchedulerNodeOptions<T>(spawn: () => T): T {
  if (!process.env.SCHED_BENCH_CPU_PROF) return spawn();
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ''} --import ${pathToFileURL(join(__dirname, 'sched-cpu-profile.mjs')).href}`.trim();
  try {
    return spawn();
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

/** A fresh scheduler process on the bench cluster; no health port (the first binding says it runs). */
export function spawnScheduler(server: string): Component {
  return withSchedulerNodeOptions(() =>
    Component.spawn('scheduler', 'scheduler', [`--server=${server}`, '--health-port=-1', '--log-format=json', '--log-level=warn']),
  );
}

/** deletecollection with grace 0, then waits until the watch has seen every pod go. */
export async function deleteAll(client: ApiClient, tracker: PodTracker): Promise<number> {
  const t0 = performance.now();
  await client.resource(Pods).namespace(tracker.namespace).deleteCollection({}, { gracePeriodSeconds: 0 });
  const ok = await tracker.waitUntil(() => tracker.deleted >= tracker.added, 30_000, t0 + 120_000);
  if (!ok) progress(`  warning: ${tracker.added - tracker.deleted} pods of ${tracker.namespace} not deleted yet`);
  return (performance.now() - t0) / 1000;
}
