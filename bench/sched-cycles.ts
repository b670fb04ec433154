import { performance } from 'node:perf_hooks';
import type { corev1 } from '@minik8s/api';
import { ApiClient } from '@minik8s/client';
// The cycle alone is timed in this process, on the scheduler's own code, as its tests use it;
// nothing that runs in a cluster imports an app.
/* eslint-disable @nx/enforce-module-boundaries */
import { CycleState } from '../apps/scheduler/src/framework/cycle-state';
import { PodInfo } from '../apps/scheduler/src/framework/pod-info';
import { Scheduler } from '../apps/scheduler/src/scheduler';
/* eslint-enable @nx/enforce-module-boundaries */

export type CycleKind = 'plain' | 'anti-affinity';

export interface CycleCase {
  nodes: number;
  pods: number;
  kind: CycleKind;
}

export interface CycleResult extends CycleCase {
  /** CPU microseconds of this process per scheduled pod. */
  cpuUsPerPod: number;
  podsPerSec: number;
  /** Nodes filtered per pod on average (percentageOfNodesToScore stops the search early). */
  evaluatedPerPod: number;
}

/** A hollow node as `hollow-nodes` registers it: 4 CPU, 8Gi, 110 pods, the well-known labels. */
function hollowNode(i: number): corev1.Node {
  const name = `hollow-${i}`;
  const allocatable = { cpu: '4', memory: '8Gi', pods: '110' };
  return {
    metadata: { name, uid: `node-${i}`, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** The scheduler suite's pod (same requests and anti-affinity), with a uid as the apiserver would give it. */
function cyclePod(i: number, round: number, kind: CycleKind): corev1.Pod {
  const app = kind === 'plain' ? 'sched-plain' : 'sched-anti';
  return {
    metadata: { name: `p-${i}`, namespace: `cycles-${round}`, uid: `pod-${round}-${i}`, labels: { app } },
    spec: {
      containers: [{ name: 'app', image: 'registry.example.com/pause:3.9', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
      affinity:
        kind === 'anti-affinity'
          ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }] } }
          : undefined,
    },
  };
}

/**
 * The scheduling cycle alone, in this process: snapshot, PreFilter, Filter, PreScore, Score,
 * select and assume, with the default plugins and the adaptive percentageOfNodesToScore, but no
 * queue, no API and no binding. A first round warms the JIT; the second is timed. What it
 * measures is the scheduler's own cost per pod, which other load on the machine barely moves.
 */
export async function runCycleCase(c: CycleCase): Promise<CycleResult> {
  const client = new ApiClient('127.0.0.1:1', { waitForReady: false });
  try {
    const scheduler = new Scheduler({ client, recordEvents: false });
    for (let i = 0; i < c.nodes; i++) scheduler.cache.addNode(hollowNode(i));
    let result: CycleResult | undefined;
    for (let round = 0; round < 2; round++) {
      const pods = Array.from({ length: c.pods }, (_, i) => new PodInfo(cyclePod(i, round, c.kind)));
      const assumed: PodInfo[] = [];
      let evaluated = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (const pod of pods) {
        const outcome = await scheduler.schedulePod(new CycleState(), pod);
        if (!('host' in outcome)) throw new Error(`cycle benchmark: pod ${pod.key} did not fit (${c.nodes} nodes, ${c.kind})`);
        evaluated += outcome.evaluated;
        const placed = pod.withNodeName(outcome.host);
        scheduler.cache.assumePod(placed);
        assumed.push(placed);
      }
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      result = { ...c, cpuUsPerPod: (cpu.user + cpu.system) / c.pods, podsPerSec: (c.pods / wallMs) * 1000, evaluatedPerPod: evaluated / c.pods };
      for (const pod of assumed) scheduler.cache.forgetPod(pod);
    }
    if (!result) throw new Error('cycle benchmark: nothing measured');
    return result;
  } finally {
    client.close();
  }
}

export const CYCLE_CASES: readonly CycleCase[] = [
  { nodes: 100, pods: 1000, kind: 'plain' },
  { nodes: 1000, pods: 1000, kind: 'plain' },
  { nodes: 5000, pods: 1000, kind: 'plain' },
  { nodes: 1000, pods: 1000, kind: 'anti-affinity' },
];
