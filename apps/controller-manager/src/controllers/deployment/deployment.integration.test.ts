import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { appsv1, corev1, IntOrString } from '@minik8s/api';
import { Deployments, Events, MERGE_PATCH, Pods, ReplicaSets, type ApiClient, type WatchStream } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { getControllerOf } from '../../shared/controller-ref';
import { ControllerHarness } from '../../test-support/controller-harness';
import { replicaSetControllerFactory } from '../replicaset';
import { deploymentControllerFactory } from './deployment-controller';

// The Deployment and ReplicaSet controllers in this process against a real apiserver and etcd.
// No kubelet runs: a loop below plays its part, marking every pod Running and Ready, except pods
// of images named "never-ready".

const REV = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';
const NEVER_READY = 'registry.invalid/never-ready:1';

let harness: ControllerHarness;
let client: ApiClient;
let kubeletStopped = false;
let kubeletRunning: Promise<void> | undefined;

function isReady(pod: corev1.Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** What kubelets would do: every pod runs and turns Ready (its qosClass and the rest kept). */
async function fakeKubelet(): Promise<void> {
  const pods = client.resource(Pods);
  while (!kubeletStopped) {
    try {
      const { items } = await pods.list();
      for (const pod of items) {
        if (pod.metadata?.deletionTimestamp || isReady(pod)) continue;
        if (pod.spec?.containers?.some((c) => c.image === NEVER_READY)) continue;
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        await pods
          .namespace(pod.metadata?.namespace)
          .updateStatus({ ...pod, status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } })
          .catch(() => undefined); // A conflict or a deleted pod: the next round sees.
      }
    } catch {
      // The apiserver is going away at the end.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [deploymentControllerFactory, replicaSetControllerFactory] });
  client = harness.client;
  kubeletRunning = fakeKubelet();
}, 60_000);

afterAll(async () => {
  kubeletStopped = true;
  await kubeletRunning;
  await harness?.stop();
});

// ---- helpers ----

const int = (intVal: number): IntOrString => ({ type: 0, intVal });

interface Options {
  replicas: number;
  image?: string;
  strategy?: appsv1.DeploymentStrategy;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  annotations?: Record<string, string>;
}

function webDeployment(o: Options): appsv1.Deployment {
  return {
    metadata: { name: 'web', annotations: o.annotations },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: o.image ?? 'nginx:1.27' }] } },
      strategy: o.strategy,
      revisionHistoryLimit: o.revisionHistoryLimit,
      progressDeadlineSeconds: o.progressDeadlineSeconds,
    },
  };
}

function deployments(ns: string) {
  return client.resource(Deployments).namespace(ns);
}

async function setImage(ns: string, image: string): Promise<void> {
  await deployments(ns).patch('web', MERGE_PATCH, { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } });
}

/** The Deployment's ReplicaSets, by revision. */
async function replicaSetsOf(ns: string, d: appsv1.Deployment): Promise<appsv1.ReplicaSet[]> {
  const { items } = await client.resource(ReplicaSets).namespace(ns).list();
  const revision = (rs: appsv1.ReplicaSet): number => Number(rs.metadata?.annotations?.[REV] ?? 0);
  return items.filter((rs) => getControllerOf(rs)?.uid === d.metadata?.uid).sort((a, b) => revision(a) - revision(b));
}

function condition(d: appsv1.Deployment, type: string): appsv1.DeploymentCondition | undefined {
  return d.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the rollout of the current template is complete, as `rollout status` would. */
async function waitForComplete(ns: string, replicas: number, description: string, timeoutMs = 30_000): Promise<appsv1.Deployment> {
  return waitFor(
    async () => {
      const d = await deployments(ns).get('web');
      const s = d.status ?? {};
      const done =
        (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        s.updatedReplicas === replicas &&
        s.replicas === replicas &&
        s.availableReplicas === replicas &&
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        condition(d, 'Available')?.status === 'True';
      return done ? d : undefined;
    },
    { timeoutMs, intervalMs: 100, description },
  );
}

/**
 * Watches a namespace's pods and keeps, over time, the most pods alive at once, the fewest ready
 * ones, and the most templates (pod-template-hash values) alive at once.
 */
class PodWatcher {
  private readonly pods = new Map<string, corev1.Pod>();
  maxTotal = 0;
  minReady = Number.POSITIVE_INFINITY;
  maxTemplates = 0;
  private stream: WatchStream<corev1.Pod> | undefined;
  private running: Promise<void> | undefined;

  static async start(ns: string): Promise<PodWatcher> {
    const watcher = new PodWatcher();
    const list = await client.resource(Pods).namespace(ns).list();
    for (const pod of list.items) watcher.pods.set(pod.metadata?.name ?? '', pod);
    watcher.observe();
    watcher.stream = client.resource(Pods).namespace(ns).watch({ resourceVersion: list.resourceVersion });
    watcher.running = watcher.consume();
    return watcher;
  }

  private async consume(): Promise<void> {
    try {
      for await (const event of this.stream as WatchStream<corev1.Pod>) {
        const name = event.object.metadata?.name ?? '';
        if (event.type === 'DELETED') this.pods.delete(name);
        else if (event.type === 'ADDED' || event.type === 'MODIFIED') this.pods.set(name, event.object);
        this.observe();
      }
    } catch {
      // Closed.
    }
  }

  private observe(): void {
    const alive = [...this.pods.values()].filter((p) => !p.metadata?.deletionTimestamp);
    this.maxTotal = Math.max(this.maxTotal, alive.length);
    this.minReady = Math.min(this.minReady, alive.filter(isReady).length);
    this.maxTemplates = Math.max(this.maxTemplates, new Set(alive.map((p) => p.metadata?.labels?.[HASH])).size);
  }

  async stop(): Promise<void> {
    this.stream?.close();
    await this.running;
  }
}

// ---- the behaviours ----

describe('Deployment controller with the ReplicaSet controller, against a real apiserver', () => {
  it('a Deployment of 3 becomes Available through one ReplicaSet', async () => {
    const ns = await harness.createNamespace('deploy-basic');
    await deployments(ns).create(webDeployment({ replicas: 3 }));
    const d = await waitForComplete(ns, 3, 'a complete rollout of 3');
    expect(condition(d, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(d.metadata?.annotations?.[REV]).toBe('1');

    const [rs, ...others] = await replicaSetsOf(ns, d);
    expect(others).toEqual([]);
    const hash = rs.metadata?.labels?.[HASH] ?? '';
    expect(rs.metadata?.name).toBe(`web-${hash}`);
    expect(rs.spec?.selector?.matchLabels).toEqual({ app: 'web', [HASH]: hash });
    expect(rs.metadata?.annotations).toMatchObject({ [REV]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(condition(d, 'Progressing')).toMatchObject({ status: 'True', message: `ReplicaSet "web-${hash}" has successfully progressed.` });

    const { items } = await client.resource(Pods).namespace(ns).list();
    expect(items).toHaveLength(3);
    expect(items.every((p) => p.metadata?.labels?.[HASH] === hash && getControllerOf(p)?.uid === rs.metadata?.uid)).toBe(true);
    const events = (await client.resource(Events).namespace(ns).list()).items;
    expect(events.map((e) => e.message)).toContain(`Scaled up replica set web-${hash} to 3`);
  }, 60_000);

  it('rolls a new image out within maxSurge 1 / maxUnavailable 0, then rolls back to revision 1', async () => {
    const ns = await harness.createNamespace('deploy-rolling');
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: int(1), maxUnavailable: int(0) } };
    await deployments(ns).create(webDeployment({ replicas: 3, strategy, annotations: { 'kubernetes.io/change-cause': 'create' } }));
    const first = await waitForComplete(ns, 3, 'the first rollout');
    const [rs1] = await replicaSetsOf(ns, first);
    expect(rs1.metadata?.annotations).toMatchObject({ [REV]: '1', 'kubernetes.io/change-cause': 'create' });

    const watcher = await PodWatcher.start(ns);
    await setImage(ns, 'nginx:1.28');
    const second = await waitForComplete(ns, 3, 'the rollout of nginx:1.28');
    await watcher.stop();
    expect(watcher.maxTotal).toBeLessThanOrEqual(4);
    expect(watcher.maxTotal).toBeGreaterThanOrEqual(4); // it did surge
    expect(watcher.minReady).toBeGreaterThanOrEqual(3);

    expect(second.metadata?.annotations?.[REV]).toBe('2');
    const afterUpdate = await replicaSetsOf(ns, second);
    expect(afterUpdate.map((rs) => [rs.metadata?.annotations?.[REV], rs.spec?.replicas])).toEqual([
      ['1', 0],
      ['2', 3],
    ]);
    const rs2 = afterUpdate[1];
    expect(rs2.spec?.template?.spec?.containers?.[0].image).toBe('nginx:1.28');
    const events = (await client.resource(Events).namespace(ns).list()).items.map((e) => e.message);
    expect(events).toContain(`Scaled up replica set ${rs2.metadata?.name} to 1`);
    expect(events).toContain(`Scaled down replica set ${rs1.metadata?.name} to 0`);

    // What `minictl rollout undo` does: the Deployment takes revision 1's template back.
    const template = structuredClone(rs1.spec?.template ?? {});
    delete template.metadata?.labels?.[HASH];
    const current = await deployments(ns).get('web');
    await deployments(ns).update({ ...current, spec: { ...current.spec, template } });
    const third = await waitForComplete(ns, 3, 'the rollback to revision 1');
    expect(third.metadata?.annotations?.[REV]).toBe('3');
    const afterRollback = await replicaSetsOf(ns, third);
    expect(afterRollback).toHaveLength(2);
    const reused = afterRollback.find((rs) => rs.metadata?.uid === rs1.metadata?.uid);
    expect(reused?.spec?.replicas).toBe(3);
    expect(reused?.metadata?.annotations).toMatchObject({ [REV]: '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(afterRollback.find((rs) => rs.metadata?.uid === rs2.metadata?.uid)?.spec?.replicas).toBe(0);
  }, 90_000);

  it('Recreate scales the old ReplicaSet to 0 before the new one starts', async () => {
    const ns = await harness.createNamespace('deploy-recreate');
    await deployments(ns).create(webDeployment({ replicas: 2, strategy: { type: 'Recreate' } }));
    await waitForComplete(ns, 2, 'the first rollout');
    const watcher = await PodWatcher.start(ns);
    await setImage(ns, 'nginx:1.28');
    const d = await waitForComplete(ns, 2, 'the recreate rollout');
    await watcher.stop();
    expect(watcher.maxTemplates).toBe(1);
    expect(watcher.maxTotal).toBeLessThanOrEqual(2);
    expect((await replicaSetsOf(ns, d)).map((rs) => rs.spec?.replicas)).toEqual([0, 2]);
  }, 60_000);

  it('a paused Deployment does not roll out but scales; resumed, it rolls out', async () => {
    const ns = await harness.createNamespace('deploy-pause');
    await deployments(ns).create(webDeployment({ replicas: 2 }));
    await waitForComplete(ns, 2, 'the first rollout');

    await deployments(ns).patch('web', MERGE_PATCH, { spec: { paused: true } });
    await setImage(ns, 'nginx:1.28');
    // Once the controller has seen the new template while paused, it has decided not to roll.
    const paused = await waitFor(
      async () => {
        const d = await deployments(ns).get('web');
        return (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && condition(d, 'Progressing')?.reason === 'DeploymentPaused' ? d : undefined;
      },
      { timeoutMs: 15_000, description: 'the paused Deployment observed with its new template' },
    );
    expect(condition(paused, 'Progressing')).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
    expect(await replicaSetsOf(ns, paused)).toHaveLength(1);

    await deployments(ns).patch('web', MERGE_PATCH, { spec: { replicas: 3 } });
    await waitFor(
      async () => {
        const d = await deployments(ns).get('web');
        const sets = await replicaSetsOf(ns, d);
        return sets.length === 1 && sets[0].spec?.replicas === 3 && d.status?.availableReplicas === 3;
      },
      { timeoutMs: 15_000, description: 'the paused Deployment scaled to 3 on its old template' },
    );

    await deployments(ns).patch('web', MERGE_PATCH, { spec: { paused: false } });
    const resumed = await waitForComplete(ns, 3, 'the resumed rollout');
    const sets = await replicaSetsOf(ns, resumed);
    expect(sets.map((rs) => [rs.spec?.template?.spec?.containers?.[0].image, rs.spec?.replicas])).toEqual([
      ['nginx:1.27', 0],
      ['nginx:1.28', 3],
    ]);
  }, 60_000);

  it('scaling in the middle of a rollout spreads the change proportionally', async () => {
    const ns = await harness.createNamespace('deploy-proportional');
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: int(3), maxUnavailable: int(2) } };
    await deployments(ns).create(webDeployment({ replicas: 10, strategy }));
    const d = await waitForComplete(ns, 10, 'the first rollout of 10');

    // A template whose pods never become ready: the rollout stops at 8 old + 5 new.
    await setImage(ns, NEVER_READY);
    const sizes = async (): Promise<(number | undefined)[]> => (await replicaSetsOf(ns, d)).map((rs) => rs.spec?.replicas);
    await waitFor(async () => JSON.stringify(await sizes()) === '[8,5]', { timeoutMs: 20_000, description: 'a rollout stuck at 8 old and 5 new' });

    await deployments(ns).patch('web', MERGE_PATCH, { spec: { replicas: 15 } });
    await waitFor(async () => JSON.stringify(await sizes()) === '[11,7]', { timeoutMs: 20_000, description: '3 more old and 2 more new' });
    for (const rs of await replicaSetsOf(ns, d)) {
      expect(rs.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/desired-replicas': '15', 'deployment.kubernetes.io/max-replicas': '18' });
    }
  }, 90_000);

  it('a rollout that makes no progress exceeds its progress deadline', async () => {
    const ns = await harness.createNamespace('deploy-deadline');
    await deployments(ns).create(webDeployment({ replicas: 1, image: NEVER_READY, progressDeadlineSeconds: 3 }));
    const d = await waitFor(
      async () => {
        const cur = await deployments(ns).get('web');
        return condition(cur, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? cur : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, description: 'Progressing=False/ProgressDeadlineExceeded' },
    );
    const [rs] = await replicaSetsOf(ns, d);
    expect(condition(d, 'Progressing')).toMatchObject({ status: 'False', message: `ReplicaSet "${rs.metadata?.name}" has timed out progressing.` });
    expect(condition(d, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  }, 60_000);

  it('revisionHistoryLimit 1 keeps one old ReplicaSet', async () => {
    const ns = await harness.createNamespace('deploy-history');
    await deployments(ns).create(webDeployment({ replicas: 1, revisionHistoryLimit: 1 }));
    await waitForComplete(ns, 1, 'revision 1');
    await setImage(ns, 'nginx:1.28');
    await waitForComplete(ns, 1, 'revision 2');
    await setImage(ns, 'nginx:1.29');
    const d = await waitForComplete(ns, 1, 'revision 3');
    const kept = await waitFor(
      async () => {
        const sets = await replicaSetsOf(ns, d);
        return sets.length === 2 ? sets : undefined;
      },
      { timeoutMs: 15_000, description: 'the oldest ReplicaSet pruned' },
    );
    expect(kept.map((rs) => [rs.metadata?.annotations?.[REV], rs.spec?.template?.spec?.containers?.[0].image])).toEqual([
      ['2', 'nginx:1.28'],
      ['3', 'nginx:1.29'],
    ]);
  }, 90_000);
});
