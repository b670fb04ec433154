import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, StatusError, type batchv1, type corev1 } from '@minik8s/api';
import { Jobs, MERGE_PATCH, Pods, type ApiClient, type TypedWatchEvent, type WatchStream } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import type { WriteInterceptor } from '../../test-support/intercepting-client';
import { newJobController } from './job-controller';
import { JOB_INDEX_FAILURE_COUNT_ANNOTATION } from './index-policy';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER } from './job-util';
import { newTtlAfterFinishedController } from './ttl-after-finished-controller';

let harness: ControllerHarness;
let client: ApiClient;
/** Set by a test (and cleared in its finally) to fail chosen writes of the controllers. */
let intercept: WriteInterceptor | undefined;

beforeAll(async () => {
  harness = await ControllerHarness.start({
    // A short back-off so a failing Job retries within the test.
    factories: [(context) => newJobController(context, { backoffBaseMs: 200, backoffMaxMs: 1000 }), newTtlAfterFinishedController],
    interceptWrite: (write) => intercept?.(write),
  });
  client = harness.client;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

function job(name: string, spec: batchv1.JobSpec): batchv1.Job {
  return {
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } } },
  };
}

type Outcome = 'Running' | 'Succeeded' | 'Failed' | undefined;

/**
 * Plays the kubelet for one namespace: every pod that is not terminating moves on as `next`
 * decides, through updateStatus (keeping the qosClass the apiserver set). Records the highest
 * number of active pods it saw.
 */
function kubelet(ns: string, next: (pod: corev1.Pod) => Outcome): { stop: () => Promise<void>; maxActive: () => number } {
  let stopped = false;
  let max = 0;
  const pods = client.resource(Pods).namespace(ns);
  const loop = (async () => {
    while (!stopped) {
      try {
        const { items } = await pods.list();
        const active = items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
        max = Math.max(max, active.length);
        for (const pod of active) {
          const phase = next(pod);
          if (!phase || phase === pod.status?.phase) continue;
          const terminated = phase === 'Running' ? undefined : { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
          await pods
            .updateStatus({
              ...pod,
              status: {
                ...pod.status,
                phase,
                containerStatuses: [{ name: 'work', ready: phase === 'Running', restartCount: 0, state: terminated ? { terminated } : { running: {} } }],
              },
            })
            .catch(() => undefined);
        }
      } catch {
        // The next round tries again.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
    maxActive: () => max,
  };
}

/** Running first, then `final` on the next round. */
function runThen(final: Outcome): (pod: corev1.Pod) => Outcome {
  return (pod) => (pod.status?.phase === 'Running' ? final : 'Running');
}

async function waitForCondition(ns: string, name: string, type: string, timeoutMs = 60_000): Promise<batchv1.Job> {
  return waitFor(
    async () => {
      const j = await client.resource(Jobs).namespace(ns).get(name);
      return j.status?.conditions?.some((c) => c.type === type && c.status === 'True') ? j : undefined;
    },
    { timeoutMs, intervalMs: 100, description: `Job ${ns}/${name} condition ${type}` },
  );
}

describe('Job controller against a real apiserver', () => {
  it('runs 3 completions with parallelism 2, never more than 2 active, and completes', async () => {
    const ns = await harness.createNamespace('job-basic');
    const k = kubelet(ns, runThen('Succeeded'));
    try {
      await client.resource(Jobs).namespace(ns).create(job('pi', { completions: 3, parallelism: 2 }));
      const done = await waitForCondition(ns, 'pi', 'Complete');
      expect(done.status).toMatchObject({ succeeded: 3, active: 0 });
      expect(done.status?.failed ?? 0).toBe(0);
      expect(done.status?.completionTime).toBeDefined();
      expect(done.status?.startTime).toBeDefined();
      expect(done.status?.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
      expect(k.maxActive()).toBeLessThanOrEqual(2);
      // The pods stay (for their logs) without the tracking finalizer.
      const pods = await waitFor(
        async () => {
          const { items } = await client.resource(Pods).namespace(ns).list();
          return items.every((p) => !(p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) ? items : undefined;
        },
        { timeoutMs: 10_000, description: 'finalizers removed' },
      );
      expect(pods.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(3);
    } finally {
      await k.stop();
    }
  });

  it('fails with BackoffLimitExceeded after backoffLimit 1', async () => {
    const ns = await harness.createNamespace('job-fail');
    const k = kubelet(ns, runThen('Failed'));
    try {
      await client.resource(Jobs).namespace(ns).create(job('bad', { completions: 1, parallelism: 1, backoffLimit: 1 }));
      const failed = await waitForCondition(ns, 'bad', 'Failed');
      const condition = failed.status?.conditions?.find((c) => c.type === 'Failed');
      expect(condition).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
      expect(failed.status?.failed).toBe(2);
      expect(failed.status?.succeeded ?? 0).toBe(0);
      const { items } = await client.resource(Pods).namespace(ns).list();
      expect(items).toHaveLength(2);
    } finally {
      await k.stop();
    }
  });

  it('fails at once on a FailJob pod failure policy rule', async () => {
    const ns = await harness.createNamespace('job-pfp');
    const k = kubelet(ns, runThen('Failed'));
    try {
      await client.resource(Jobs).namespace(ns).create(
        job('pfp', {
          completions: 1,
          parallelism: 1,
          backoffLimit: 5,
          podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'work', operator: 'In', values: [1] } }] },
        }),
      );
      const failed = await waitForCondition(ns, 'pfp', 'Failed');
      const condition = failed.status?.conditions?.find((c) => c.type === 'Failed');
      expect(condition?.reason).toBe('PodFailurePolicy');
      expect(condition?.message).toMatch(/^Container work for pod job-pfp\/pfp-\S+ failed with exit code 1 matching FailJob rule at index 0$/);
      expect(failed.status?.failed).toBe(1);
    } finally {
      await k.stop();
    }
  });

  it('keeps the FailJob verdict of a failed pod already in uncountedTerminatedPods when FailureTarget was not written', async () => {
    const ns = await harness.createNamespace('job-pfp-uncounted');
    const jobs = client.resource(Jobs).namespace(ns);
    const pods = client.resource(Pods).namespace(ns);
    // The sync that sees the failure writes uncountedTerminatedPods, releases the finalizer, then
    // writes FailureTarget with the pod counted. Losing that last write once (as an apiserver
    // error or a crash would) leaves the pod recorded as uncounted, without its finalizer and
    // without FailureTarget: the next sync must still take the FailJob verdict from it.
    let fired = false;
    let lostAt: batchv1.Job | undefined;
    const jobCache = harness.context.informers.informerFor(Jobs);
    const podCache = harness.context.informers.informerFor(Pods);
    intercept = async (write) => {
      if (fired || write.namespace !== ns || write.kind !== 'Job' || write.subresource !== 'status') return;
      // The kind is Job, so the object sent is one.
      const sent = write.object as batchv1.Job | undefined;
      if (!sent?.status?.conditions?.some((c) => c.type === 'FailureTarget')) return;
      fired = true;
      // The sync waits here, so no other sync of the Job runs: once the controller's caches hold
      // the recorded pod and the released finalizer, the next sync starts from exactly that
      // state, not from a cache that has not seen the record yet (which would find the pod new).
      lostAt = await waitFor(
        () => {
          const cached = jobCache.get(ns, 'pfp');
          const recorded = (cached?.status?.uncountedTerminatedPods?.failed ?? []).length > 0;
          const released = podCache.list(ns).every((p) => !(p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER));
          return recorded && released ? cached : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 10, description: 'the caches showing the pod recorded and released' },
      );
      throw new StatusError('ServiceUnavailable', 'injected by the test: the FailureTarget write is lost');
    };
    try {
      await jobs.create(
        job('pfp', {
          completions: 1,
          parallelism: 1,
          backoffLimit: 6,
          podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'work', operator: 'In', values: [42] } }] },
        }),
      );
      const first = await waitFor(async () => (await pods.list()).items[0], { timeoutMs: 10_000, description: "the Job's pod" });
      // Finished a minute ago: the back-off after the failure is over, so a sync that takes it
      // for an ordinary failure starts the replacement at once, not after a timer this test
      // would race with the next sync.
      const finishedAt = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await waitFor(
        async () => {
          const pod = await pods.get(first.metadata?.name ?? '');
          const terminated = { exitCode: 42, finishedAt };
          await pods.updateStatus({ ...pod, status: { ...pod.status, phase: 'Failed', containerStatuses: [{ name: 'work', ready: false, restartCount: 0, state: { terminated } }] } });
          return true;
        },
        { timeoutMs: 10_000, description: 'the pod failed with exit code 42' },
      );
      // Without the verdict the next sync counts an ordinary failure and starts a replacement
      // instead of failing the Job: stop at whichever comes first.
      const end = await waitFor(
        async () => {
          const j = await jobs.get('pfp');
          const { items } = await pods.list();
          return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') || items.length > 1 ? { job: j, pods: items } : undefined;
        },
        { timeoutMs: 30_000, description: 'the Job Failed or a replacement pod' },
      );
      expect(fired, 'the FailureTarget write was failed once').toBe(true);
      // The state the lost write left: the pod recorded as uncounted, no FailureTarget.
      expect(lostAt?.status?.uncountedTerminatedPods?.failed).toEqual([first.metadata?.uid]);
      expect(lostAt?.status?.conditions?.some((c) => c.type === 'FailureTarget') ?? false).toBe(false);
      expect(end.pods.map((p) => p.metadata?.name), 'no replacement pod').toEqual([first.metadata?.name]);
      expect(end.job.status?.conditions?.map((c) => c.type)).toEqual(['FailureTarget', 'Failed']);
      expect(end.job.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
        reason: 'PodFailurePolicy',
        message: `Container work for pod ${ns}/${first.metadata?.name} failed with exit code 42 matching FailJob rule at index 0`,
      });
      expect(end.job.status?.failed).toBe(1);
      expect(end.job.status?.uncountedTerminatedPods?.failed ?? []).toEqual([]);
    } finally {
      intercept = undefined;
    }
  });

  it('runs an Indexed Job: index annotation, label, env and completedIndexes', async () => {
    const ns = await harness.createNamespace('job-indexed');
    const seen = new Map<string, corev1.Pod>();
    const step = runThen('Succeeded');
    const k = kubelet(ns, (pod) => {
      seen.set(pod.metadata?.name ?? '', pod);
      return step(pod);
    });
    try {
      await client.resource(Jobs).namespace(ns).create(job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
      const done = await waitForCondition(ns, 'idx', 'Complete');
      expect(done.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
      const pods = [...seen.values()];
      expect(pods.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort()).toEqual(['0', '1', '2']);
      for (const pod of pods) {
        const ix = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
        expect(pod.metadata?.labels?.[JOB_COMPLETION_INDEX_ANNOTATION]).toBe(ix);
        expect(pod.metadata?.name).toMatch(new RegExp(`^idx-${ix}-`));
        expect(pod.spec?.hostname).toBe(`idx-${ix}`);
        expect(pod.spec?.containers?.[0].env).toContainEqual({
          name: 'JOB_COMPLETION_INDEX',
          valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
        });
      }
    } finally {
      await k.stop();
    }
  });

  it('finishes an Indexed Job of 10 completions at parallelism 3 with every index', async () => {
    const ns = await harness.createNamespace('job-indexed-10');
    const k = kubelet(ns, runThen('Succeeded'));
    try {
      await client.resource(Jobs).namespace(ns).create(job('ten', { completions: 10, parallelism: 3, completionMode: 'Indexed' }));
      const done = await waitForCondition(ns, 'ten', 'Complete', 60_000);
      expect(done.status).toMatchObject({ succeeded: 10, completedIndexes: '0-9' });
      expect(done.status?.failed ?? 0).toBe(0);
      expect(k.maxActive()).toBeLessThanOrEqual(3);
      const { items } = await client.resource(Pods).namespace(ns).list();
      const indexes = items.filter((p) => p.status?.phase === 'Succeeded').map((p) => Number(p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]));
      expect(indexes.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await k.stop();
    }
  }, 90_000);

  it('retries a failing index backoffLimitPerIndex times, then fails the Job with FailedIndexes', async () => {
    const ns = await harness.createNamespace('job-per-index');
    const ix = (pod: corev1.Pod): string | undefined => pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
    const step = (pod: corev1.Pod): Outcome => (pod.status?.phase === 'Running' ? (ix(pod) === '1' ? 'Failed' : 'Succeeded') : 'Running');
    const k = kubelet(ns, step);
    try {
      await client.resource(Jobs).namespace(ns).create(job('per', { completions: 4, parallelism: 4, completionMode: 'Indexed', backoffLimitPerIndex: 1 }));
      const failed = await waitForCondition(ns, 'per', 'Failed', 30_000);
      expect(failed.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' });
      expect(failed.status).toMatchObject({ failedIndexes: '1', completedIndexes: '0,2-3', succeeded: 3, failed: 2 });
      const { items } = await client.resource(Pods).namespace(ns).list();
      const ofIndex1 = items.filter((p) => ix(p) === '1');
      // The first try and one retry, which knows it is the index's second attempt.
      expect(ofIndex1.map((p) => p.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT_ANNOTATION]).sort()).toEqual(['0', '1']);
    } finally {
      await k.stop();
    }
  }, 60_000);

  it('fails an index at once on a FailIndex rule, and the Job on maxFailedIndexes', async () => {
    const ns = await harness.createNamespace('job-fail-index');
    const ix = (pod: corev1.Pod): string | undefined => pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
    // Index 2 fails; the others keep running, so only the failed index can end the Job.
    const k = kubelet(ns, (pod) => (pod.status?.phase === 'Running' && ix(pod) === '2' ? 'Failed' : 'Running'));
    try {
      await client.resource(Jobs).namespace(ns).create(
        job('fi', {
          completions: 4,
          parallelism: 4,
          completionMode: 'Indexed',
          backoffLimitPerIndex: 3,
          maxFailedIndexes: 0,
          podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }] },
        }),
      );
      const failed = await waitForCondition(ns, 'fi', 'Failed', 30_000);
      expect(failed.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
        reason: 'MaxFailedIndexesExceeded',
        message: 'Job has exceeded the specified maximal number of failed indexes',
      });
      expect(failed.status?.failedIndexes).toBe('2');
      const { items } = await client.resource(Pods).namespace(ns).list();
      // No retry of index 2 despite backoffLimitPerIndex 3, and the running pods are stopped.
      expect(items.filter((p) => ix(p) === '2')).toHaveLength(1);
      expect(items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)).toEqual([]);
    } finally {
      await k.stop();
    }
  }, 60_000);

  it('completes on a successPolicy before every index succeeded, through SuccessCriteriaMet', async () => {
    const ns = await harness.createNamespace('job-success-policy');
    const ix = (pod: corev1.Pod): string | undefined => pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
    // Index 0 (the leader) succeeds; the workers never finish on their own.
    const k = kubelet(ns, (pod) => (pod.status?.phase === 'Running' && ix(pod) === '0' ? 'Succeeded' : 'Running'));
    try {
      await client.resource(Jobs).namespace(ns).create(
        job('leader', { completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] } }),
      );
      const done = await waitForCondition(ns, 'leader', 'Complete', 30_000);
      expect(done.status?.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
      for (const c of done.status?.conditions ?? []) expect(c).toMatchObject({ status: 'True', reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
      expect(done.status).toMatchObject({ completedIndexes: '0', succeeded: 1, active: 0 });
      const { items } = await client.resource(Pods).namespace(ns).list();
      expect(items.filter((p) => ix(p) !== '0').every((p) => !!p.metadata?.deletionTimestamp)).toBe(true);
    } finally {
      await k.stop();
    }
  }, 60_000);

  it('suspends (deleting active pods) and resumes (recreating them, startTime reset)', async () => {
    const ns = await harness.createNamespace('job-suspend');
    const k = kubelet(ns, () => 'Running');
    const jobs = client.resource(Jobs).namespace(ns);
    const activePods = async (): Promise<corev1.Pod[]> =>
      (await client.resource(Pods).namespace(ns).list()).items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    try {
      await jobs.create(job('sus', { completions: 4, parallelism: 2 }));
      const before = await waitFor(async () => ((await activePods()).length === 2 ? activePods() : undefined), { timeoutMs: 10_000, description: '2 active pods' });
      const firstStart = (await waitFor(async () => (await jobs.get('sus')).status?.startTime, { description: 'startTime' })) as string;

      await jobs.patch('sus', MERGE_PATCH, { spec: { suspend: true } });
      const suspended = await waitForCondition(ns, 'sus', 'Suspended');
      expect(suspended.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
      await waitFor(async () => (await activePods()).length === 0, { timeoutMs: 10_000, description: 'pods deleted on suspend' });
      await waitFor(async () => (await jobs.get('sus')).status?.active === 0, { timeoutMs: 10_000, description: 'status.active 0' });
      // Pods deleted by a suspend are not failures.
      expect((await jobs.get('sus')).status?.failed ?? 0).toBe(0);

      // startTime has second resolution: make sure the resume is visibly later.
      await new Promise((r) => setTimeout(r, 1100));
      await jobs.patch('sus', MERGE_PATCH, { spec: { suspend: false } });
      const after = await waitFor(
        async () => {
          const pods = await activePods();
          return pods.length === 2 ? pods : undefined;
        },
        { timeoutMs: 10_000, description: 'pods recreated on resume' },
      );
      expect(after.map((p) => p.metadata?.uid)).not.toEqual(expect.arrayContaining(before.map((p) => p.metadata?.uid)));
      const resumed = await waitFor(
        async () => {
          const j = await jobs.get('sus');
          return j.status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'False') ? j : undefined;
        },
        { timeoutMs: 10_000, description: 'Suspended=False' },
      );
      expect(resumed.status?.conditions?.find((c) => c.type === 'Suspended')?.reason).toBe('JobResumed');
      expect(Date.parse(resumed.status?.startTime ?? '')).toBeGreaterThan(Date.parse(firstStart));
    } finally {
      await k.stop();
    }
  });

  it('deletes a finished Job after ttlSecondsAfterFinished', async () => {
    const ns = await harness.createNamespace('job-ttl');
    const jobs = client.resource(Jobs).namespace(ns);
    // Polling could miss the short window between Complete and the deletion on a busy machine;
    // the watch sees every state the Job passes through.
    const listed = await jobs.list();
    const watch: WatchStream<batchv1.Job> = jobs.watch({ resourceVersion: listed.resourceVersion });
    const events: TypedWatchEvent<batchv1.Job>[] = [];
    const watching = (async () => {
      for await (const event of watch) events.push(event);
    })().catch(() => undefined);
    const k = kubelet(ns, runThen('Succeeded'));
    try {
      await jobs.create(job('short', { completions: 1, parallelism: 1, ttlSecondsAfterFinished: 1 }));
      await waitFor(() => events.some((e) => e.type === 'DELETED'), { timeoutMs: 20_000, description: 'the Job deleted by its TTL' });
      const completed = events.find((e) => e.object.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
      expect(completed, 'the Job completed before it was deleted').toBeDefined();
      const completionTime = Date.parse(completed?.object.status?.completionTime ?? '');
      expect(events.findIndex((e) => e === completed)).toBeLessThan(events.findIndex((e) => e.type === 'DELETED'));
      expect(Number.isNaN(completionTime)).toBe(false);
      await expect(jobs.get('short')).rejects.toSatisfy(isNotFound);
    } finally {
      watch.close();
      await watching;
      await k.stop();
    }
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds', async () => {
    const ns = await harness.createNamespace('job-deadline');
    const k = kubelet(ns, () => 'Running');
    try {
      await client.resource(Jobs).namespace(ns).create(job('slow', { completions: 1, parallelism: 1, activeDeadlineSeconds: 1 }));
      const failed = await waitForCondition(ns, 'slow', 'Failed');
      expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('DeadlineExceeded');
      expect(failed.status?.active ?? 0).toBe(0);
    } finally {
      await k.stop();
    }
  });
});
