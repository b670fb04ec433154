import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { batchv1 } from '@minik8s/api';
import { CronJobs, Events, Jobs, Namespaces, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { FakeClock } from '../../test-support/fake-clock';
import { newCronJobController, type CronJobController } from './cronjob-controller';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from './cronjob-util';

let harness: ControllerHarness;
let client: ApiClient;
let controller: CronJobController;
const clock = new FakeClock(Date.now());

beforeAll(async () => {
  const started = await ControllerHarness.start({ factories: [newCronJobController], clock });
  harness = started;
  client = started.client;
  [controller] = started.controllers;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

const MINUTE = 60_000;

function cronJob(name: string, spec: Partial<batchv1.CronJobSpec>): batchv1.CronJob {
  return {
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}

async function ownedJobs(ns: string, uid: string | undefined): Promise<batchv1.Job[]> {
  const { items } = await client.resource(Jobs).namespace(ns).list();
  return items
    .filter((j) => j.metadata?.ownerReferences?.some((r) => r.uid === uid && r.controller) && !j.metadata?.deletionTimestamp)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** Moves the fake clock to `ms` and has the controller look again (its addAfter timers run on real time). */
function tick(ns: string, name: string, ms: number): void {
  clock.t = ms;
  controller.queue.add(`${ns}/${name}`);
}

async function complete(ns: string, job: batchv1.Job, at: number): Promise<void> {
  const fresh = await client.resource(Jobs).namespace(ns).get(job.metadata?.name ?? '');
  const t = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.resource(Jobs).namespace(ns).updateStatus({
    ...fresh,
    status: {
      ...fresh.status,
      startTime: t,
      completionTime: t,
      succeeded: 1,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: t },
        { type: 'Complete', status: 'True', lastTransitionTime: t },
      ],
    },
  });
}

describe('CronJob controller against a real apiserver, on a fake clock', () => {
  it('creates a Job per schedule tick, tracks active and last times, and prunes history', async () => {
    const ns = 'cron-basic';
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    const cjs = client.resource(CronJobs).namespace(ns);
    const cj = await cjs.create(cronJob('tick', { successfulJobsHistoryLimit: 1 }));
    const uid = cj.metadata?.uid;
    const created = Date.parse(cj.metadata?.creationTimestamp ?? '');
    const first = Math.floor(created / MINUTE) * MINUTE + MINUTE;

    // Before the first schedule time: nothing.
    tick(ns, 'tick', first - 1000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await ownedJobs(ns, uid)).toHaveLength(0);

    tick(ns, 'tick', first + 5000);
    const [job1] = await waitFor(async () => ((await ownedJobs(ns, uid)).length === 1 ? ownedJobs(ns, uid) : undefined), { timeoutMs: 30_000, description: 'the first Job' });
    expect(job1.metadata?.name).toBe(`tick-${first / MINUTE}`);
    expect(job1.metadata?.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]).toBe(new Date(first).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const s1 = await waitFor(
      async () => {
        const s = (await cjs.get('tick')).status;
        return s?.active?.length === 1 ? s : undefined;
      },
      { timeoutMs: 30_000, description: 'status.active' },
    );
    expect(s1.active?.[0]).toMatchObject({ kind: 'Job', name: job1.metadata?.name, uid: job1.metadata?.uid });
    expect(Date.parse(s1.lastScheduleTime ?? '')).toBe(first);

    // The first run finishes; the next minute starts the second.
    await complete(ns, job1, first + 20_000);
    tick(ns, 'tick', first + MINUTE + 5000);
    await waitFor(async () => (await ownedJobs(ns, uid)).length === 2, { timeoutMs: 30_000, description: 'the second Job' });
    const s2 = await waitFor(
      async () => {
        const s = (await cjs.get('tick')).status;
        return s?.active?.length === 1 && s.lastSuccessfulTime ? s : undefined;
      },
      { timeoutMs: 30_000, description: 'the first Job leaves active' },
    );
    expect(Date.parse(s2.lastSuccessfulTime ?? '')).toBe(first + 20_000);
    expect(Date.parse(s2.lastScheduleTime ?? '')).toBe(first + MINUTE);

    // The second finishes too: successfulJobsHistoryLimit 1 keeps only the newest.
    const job2 = (await ownedJobs(ns, uid)).find((j) => j.metadata?.name === `tick-${first / MINUTE + 1}`);
    expect(job2).toBeDefined();
    await complete(ns, job2 as batchv1.Job, first + MINUTE + 20_000);
    tick(ns, 'tick', first + MINUTE + 30_000);
    const left = await waitFor(
      async () => {
        const jobs = await ownedJobs(ns, uid);
        return jobs.length === 1 ? jobs : undefined;
      },
      { timeoutMs: 30_000, description: 'history pruned to 1' },
    );
    expect(left[0].metadata?.name).toBe(job2?.metadata?.name);
  });

  it('Forbid skips a run while one is active; Replace replaces it', async () => {
    const ns = 'cron-concurrency';
    // Back to the present, before the first test's last tick.
    clock.t = Date.now();
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    const cjs = client.resource(CronJobs).namespace(ns);
    const forbid = await cjs.create(cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
    const replace = await cjs.create(cronJob('replace', { concurrencyPolicy: 'Replace' }));
    const base = Math.floor(Date.parse(forbid.metadata?.creationTimestamp ?? '') / MINUTE) * MINUTE + MINUTE;

    clock.t = base + 1000;
    controller.queue.add(`${ns}/forbid`);
    controller.queue.add(`${ns}/replace`);
    await waitFor(async () => (await ownedJobs(ns, forbid.metadata?.uid)).length === 1 && (await ownedJobs(ns, replace.metadata?.uid)).length === 1, {
      timeoutMs: 30_000,
      description: 'one Job each',
    });
    await waitFor(async () => (await cjs.get('replace')).status?.active?.length === 1 && (await cjs.get('forbid')).status?.active?.length === 1, {
      timeoutMs: 30_000,
      description: 'both active',
    });

    clock.t = base + MINUTE + 1000;
    controller.queue.add(`${ns}/forbid`);
    controller.queue.add(`${ns}/replace`);
    const replaced = await waitFor(
      async () => {
        const jobs = await ownedJobs(ns, replace.metadata?.uid);
        return jobs.length === 1 && jobs[0].metadata?.name === `replace-${base / MINUTE + 1}` ? jobs : undefined;
      },
      { timeoutMs: 30_000, description: 'the Replace run replaced' },
    );
    expect(replaced).toHaveLength(1);
    await waitFor(
      async () =>
        (await client.resource(Events).namespace(ns).list()).items.some((e) => e.reason === 'JobAlreadyActive' && e.involvedObject?.name === 'forbid'),
      { timeoutMs: 30_000, description: 'JobAlreadyActive event' },
    );
    const forbidJobs = await ownedJobs(ns, forbid.metadata?.uid);
    expect(forbidJobs.map((j) => j.metadata?.name)).toEqual([`forbid-${base / MINUTE}`]);
  });
});
