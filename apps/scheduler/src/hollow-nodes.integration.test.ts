import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Nodes, PriorityClasses } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { waitFor } from '@minik8s/testing';
import { Scheduler } from './scheduler';
import { podScheduledCondition, TestCluster } from './testing/cluster';

const LAUNCHER = join(__dirname, '..', '..', '..', 'bin', 'minik8s.js');

/**
 * The scheduler against hollow nodes: real Node objects registered and heartbeated by the
 * hollow-nodes program, which also runs (without containers) the pods bound to them.
 */
describe('scheduler with hollow nodes', () => {
  let cluster: TestCluster;
  let scheduler: Scheduler;
  const stop = new AbortController();
  let running: Promise<void>;
  const hollow: ChildProcess[] = [];

  function startHollowNodes(args: string[]): void {
    const child = spawn(process.execPath, [LAUNCHER, 'hollow-nodes', `--server=${cluster.apiserver.address}`, '--log-format=json', ...args], {
      stdio: 'ignore',
    });
    hollow.push(child);
  }

  async function nodesReady(names: string[]): Promise<void> {
    await waitFor(
      async () => {
        const nodes = (await cluster.client.resource(Nodes).list()).items;
        return names.every((n) => nodes.some((node) => node.metadata?.name === n));
      },
      { timeoutMs: 30_000, description: `hollow nodes ${names.join(', ')}` },
    );
    await waitFor(() => scheduler.cache.nodeCount >= names.length, { description: 'the scheduler to see the nodes' });
  }

  function pod(name: string, cpu: string, extra: Partial<corev1.PodSpec> = {}): corev1.Pod {
    return { metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu, memory: '64Mi' } } }], ...extra } };
  }

  async function runningOn(name: string): Promise<string> {
    const p = await waitFor(
      async () => {
        const current = await cluster.getPod(name);
        return current.status?.phase === 'Running' ? current : undefined;
      },
      { timeoutMs: 20_000, description: `${name} Running` },
    );
    return p.spec?.nodeName ?? '';
  }

  beforeAll(async () => {
    cluster = await TestCluster.start();
    scheduler = new Scheduler({ client: cluster.client, logger: silentLogger(), identity: 'hollow-test' });
    running = scheduler.run(stop.signal);
    await scheduler.waitForCacheSync();
    startHollowNodes(['--count=3', '--name-prefix=zone-a-', '--cpu=1', '--memory=2Gi', '--node-labels=topology.kubernetes.io/zone=a']);
    startHollowNodes(['--count=1', '--name-prefix=gpu-', '--first-index=10', '--cpu=8', '--memory=16Gi', '--register-with-taints=dedicated=gpu:NoSchedule', '--node-labels=accelerator=gpu']);
    await nodesReady(['zone-a-0', 'zone-a-1', 'zone-a-2', 'gpu-10']);
  });

  afterAll(async () => {
    stop.abort();
    await running;
    await scheduler?.stop();
    for (const child of hollow) child.kill('SIGTERM');
    await cluster?.stop();
  });

  it('fits pods by cpu, keeps them off the tainted node, and the nodes run them', async () => {
    for (const name of ['web-0', 'web-1', 'web-2']) await cluster.createPod(pod(name, '600m'));
    const placed = await Promise.all(['web-0', 'web-1', 'web-2'].map(runningOn));
    // 600m of a 1-CPU node leaves no room for a second one; the 8-CPU node is tainted.
    expect([...placed].sort()).toEqual(['zone-a-0', 'zone-a-1', 'zone-a-2']);
    await cluster.createPod(
      pod('trainer', '2', { nodeSelector: { accelerator: 'gpu' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }),
    );
    expect(await runningOn('trainer')).toBe('gpu-10');
  });

  it('reports why nothing fits, and schedules the pod once a new hollow node registers', async () => {
    await cluster.createPod(pod('late', '600m'));
    const refused = await waitFor(
      async () => {
        const condition = podScheduledCondition(await cluster.getPod('late'));
        return condition?.status === 'False' ? condition : undefined;
      },
      { description: 'late Unschedulable' },
    );
    expect(refused.reason).toBe('Unschedulable');
    expect(refused.message).toMatch(/^0\/4 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 3 Insufficient cpu\./);
    startHollowNodes(['--count=1', '--name-prefix=zone-a-', '--first-index=3', '--cpu=1', '--memory=2Gi', '--node-labels=topology.kubernetes.io/zone=a']);
    expect(await runningOn('late')).toBe('zone-a-3');
  });

  it('spreads anti-affine pods one per node, and by a topology spread constraint', async () => {
    const antiAffinity: corev1.Affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    };
    const zoneA = { 'topology.kubernetes.io/zone': 'a' };
    for (let i = 0; i < 4; i++) {
      const p = pod(`cache-${i}`, '50m', { affinity: antiAffinity, nodeSelector: zoneA });
      p.metadata = { ...p.metadata, labels: { app: 'cache' } };
      await cluster.createPod(p);
    }
    const cacheNodes = await Promise.all([0, 1, 2, 3].map((i) => runningOn(`cache-${i}`)));
    expect(new Set(cacheNodes).size).toBe(4);
    const extra = pod('cache-4', '50m', { affinity: antiAffinity, nodeSelector: zoneA });
    extra.metadata = { ...extra.metadata, labels: { app: 'cache' } };
    await cluster.createPod(extra);
    const refused = await waitFor(
      async () => {
        const condition = podScheduledCondition(await cluster.getPod('cache-4'));
        return condition?.status === 'False' ? condition : undefined;
      },
      { description: 'cache-4 Unschedulable' },
    );
    expect(refused.message).toContain("didn't match pod anti-affinity rules");

    for (let i = 0; i < 4; i++) {
      const p = pod(`spread-${i}`, '50m', {
        nodeSelector: zoneA,
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } },
        ],
      });
      p.metadata = { ...p.metadata, labels: { app: 'spread' } };
      await cluster.createPod(p);
    }
    const spreadNodes = await Promise.all([0, 1, 2, 3].map((i) => runningOn(`spread-${i}`)));
    expect(new Set(spreadNodes).size).toBe(4);
  });

  it('preempts a lower-priority pod on a hollow node for a higher-priority one', async () => {
    await cluster.client.resource(PriorityClasses).create({ metadata: { name: 'hollow-low' }, value: 10 });
    await cluster.client.resource(PriorityClasses).create({ metadata: { name: 'hollow-high' }, value: 1000 });
    await cluster.createPod(pod('filler', '600m', { priorityClassName: 'hollow-low', tolerations: [{ key: 'dedicated', operator: 'Exists' }], nodeSelector: { accelerator: 'gpu' } }));
    await runningOn('filler');
    // The GPU node has 8 CPUs: trainer (2, priority 0) + filler (600m, priority 10) leave 5.4; this
    // one needs 6. Evicting the lowest-priority pod, trainer, is enough; filler stays.
    await cluster.createPod(pod('urgent', '6', { priorityClassName: 'hollow-high', tolerations: [{ key: 'dedicated', operator: 'Exists' }], nodeSelector: { accelerator: 'gpu' } }));
    expect(await runningOn('urgent')).toBe('gpu-10');
    const gone = async (name: string): Promise<boolean> => {
      try {
        await cluster.getPod(name);
        return false;
      } catch {
        return true;
      }
    };
    expect(await gone('trainer')).toBe(true);
    expect(await gone('filler')).toBe(false);
    const events = await waitFor(async () => (await cluster.eventsFor('trainer')).find((e) => e.reason === 'Preempted'), {
      description: 'a Preempted event for trainer',
    });
    const urgent = await cluster.getPod('urgent');
    expect(events.message).toBe(`Preempted by pod ${urgent.metadata?.uid} on node gpu-10`);
  });
});
