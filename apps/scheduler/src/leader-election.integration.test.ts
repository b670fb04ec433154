import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Events, Leases } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { TestCluster } from './testing/cluster';
import { SchedulerProcess } from './testing/scheduler-process';

const LEASE_SECONDS = 4;
const ELECTION_FLAGS = ['--leader-elect', `--leader-elect-lease-duration=${LEASE_SECONDS}s`, '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms'];

function plainPod(name: string): corev1.Pod {
  return { metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu: '100m' } } }] } };
}

describe('two schedulers with --leader-elect', () => {
  let cluster: TestCluster;
  const schedulers: SchedulerProcess[] = [];

  beforeAll(async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('n1', { cpu: '4', memory: '8Gi' });
    await cluster.createNode('n2', { cpu: '4', memory: '8Gi' });
    schedulers.push(...(await Promise.all([SchedulerProcess.start(cluster.apiserver.address, ELECTION_FLAGS), SchedulerProcess.start(cluster.apiserver.address, ELECTION_FLAGS)])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(schedulers.map((s) => s.kill('SIGTERM')));
    await cluster?.stop();
  });

  async function holder(): Promise<string> {
    const lease = await cluster.client.resource(Leases).namespace('kube-system').get('kube-scheduler');
    return lease.spec?.holderIdentity ?? '';
  }

  /** Which scheduler instances reported Scheduled events for these pods. */
  async function schedulersOf(names: string[]): Promise<Set<string>> {
    const events = (await cluster.client.resource(Events).namespace('default').list()).items;
    return new Set(events.filter((e) => e.reason === 'Scheduled' && names.includes(e.involvedObject?.name ?? '')).map((e) => e.reportingInstance ?? ''));
  }

  it('only the leader binds, and a killed leader is replaced within the lease duration', async () => {
    const leaderId = await waitFor(async () => {
      const h = await holder();
      return schedulers.some((s) => s.identity === h) ? h : undefined;
    }, { timeoutMs: 30_000, description: 'a leader' });
    const leader = schedulers.find((s) => s.identity === leaderId) as SchedulerProcess;
    const standby = schedulers.find((s) => s !== leader) as SchedulerProcess;

    const first = ['a-0', 'a-1', 'a-2', 'a-3', 'a-4'];
    for (const name of first) await cluster.createPod(plainPod(name));
    for (const name of first) await cluster.waitForBound(name);
    const reporters = await waitFor(async () => {
      const s = await schedulersOf(first);
      return s.size > 0 && (await cluster.client.resource(Events).namespace('default').list()).items.filter((e) => e.reason === 'Scheduled').length >= first.length ? s : undefined;
    }, { description: 'Scheduled events' });
    expect([...reporters]).toEqual([leaderId]);
    expect(standby.output).not.toContain('became leader');
    const metrics = async (p: SchedulerProcess): Promise<string> => (await fetch(`http://127.0.0.1:${p.healthPort}/metrics`)).text();
    expect(await metrics(leader)).toContain('leader_election_master_status{name="kube-scheduler"} 1');
    expect(await metrics(standby)).toContain('leader_election_master_status{name="kube-scheduler"} 0');

    await leader.kill('SIGKILL');
    const killedAt = Date.now();
    const second = ['b-0', 'b-1', 'b-2'];
    for (const name of second) await cluster.createPod(plainPod(name));
    for (const name of second) await cluster.waitForBound(name, 'default', 30_000);
    const handover = Date.now() - killedAt;
    process.stdout.write(`\n[leader election] lease ${LEASE_SECONDS}s: pods bound by the new leader ${handover} ms after the old one was killed\n`);
    expect(await holder()).toBe(standby.identity);
    // The standby waits out the dead leader's lease, then takes over at its next retry.
    expect(handover).toBeLessThan((LEASE_SECONDS + 4) * 1000);
    const later = await waitFor(async () => {
      const s = await schedulersOf(second);
      return s.size > 0 ? s : undefined;
    }, { description: 'Scheduled events after the hand-over' });
    expect([...later]).toEqual([standby.identity]);
  }, 120_000);
});
