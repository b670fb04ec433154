import { describe, expect, it } from 'vitest';
import { CronJobs, Jobs, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { shContainer } from './manifests';
import { useScenario } from './scenario';

const s = useScenario('jobs');

describe('batch', () => {
  it('a Job runs to several completions', async () => {
    await s.client.resource(Jobs).namespace(s.ns).create({
      metadata: { name: 'count' },
      spec: {
        completions: 3,
        parallelism: 2,
        backoffLimit: 2,
        template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 2, containers: [shContainer('work', 'echo working; sleep 1')] } },
      },
    });
    const job = await waitFor(
      async () => {
        const j = await s.client.resource(Jobs).namespace(s.ns).get('count');
        return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1_000, description: 'the Job to complete' },
    );
    expect(job.status?.succeeded).toBe(3);
    const pods = (await s.client.resource(Pods).namespace(s.ns).list({ labelSelector: 'job-name=count' })).items;
    expect(pods.filter((p) => p.status?.phase === 'Succeeded').length).toBe(3);
  });

  it("a CronJob's schedule creates a Job that completes", async () => {
    await s.client.resource(CronJobs).namespace(s.ns).create({
      metadata: { name: 'tick' },
      spec: {
        schedule: '* * * * *',
        concurrencyPolicy: 'Forbid',
        jobTemplate: {
          spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 2, containers: [shContainer('tick', 'date')] } } },
        },
      },
    });
    // The next minute boundary, then the Job's pod: up to ~2 minutes on a busy machine.
    const job = await waitFor(
      async () => {
        const jobs = (await s.client.resource(Jobs).namespace(s.ns).list()).items;
        return jobs.find(
          (j) => j.metadata?.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === 'tick') && j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'),
        );
      },
      { timeoutMs: 240_000, intervalMs: 2_000, description: 'a Job of the CronJob to complete' },
    );
    expect(job.metadata?.name).toMatch(/^tick-\d+$/);
    await waitFor(
      async () => (await s.client.resource(CronJobs).namespace(s.ns).get('tick')).status?.lastSuccessfulTime,
      { timeoutMs: 60_000, intervalMs: 1_000, description: "the CronJob's lastSuccessfulTime" },
    );
  });
});
