import type { corev1, discoveryv1 } from '@minik8s/api';
import { silentLogger } from '@minik8s/logging';
import { waitFor } from '@minik8s/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Conntrack } from './conntrack';
import { Iptables, JUMP_RULES } from './iptables';
import { Proxier } from './proxier';
import { FakeRunner } from './test/fake-runner';

function service(name: string, ip: string, protocol = 'TCP'): corev1.Service {
  return { metadata: { namespace: 'default', name }, spec: { clusterIP: ip, ports: [{ protocol, port: 80 }] } };
}
function slice(svc: string, ...ips: string[]): discoveryv1.EndpointSlice {
  return {
    metadata: { namespace: 'default', name: `${svc}-1`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ port: 8080, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip] })),
  };
}

const proxiers: Proxier[] = [];
afterEach(() => proxiers.splice(0).forEach((p) => p.stop()));

function setup(minSyncPeriodMs = 0) {
  const state = { services: [service('web', '10.96.0.20')], slices: [slice('web', '10.244.1.2', '10.244.1.3')] };
  const fake = new FakeRunner();
  const proxier = new Proxier(
    { services: () => state.services, endpointSlices: () => state.slices },
    { nodeName: 'node-1', clusterCIDR: '10.244.0.0/16', iptables: new Iptables(fake.run), logger: silentLogger(), minSyncPeriodMs, syncPeriodMs: 0 },
  );
  proxiers.push(proxier);
  return { state, fake, proxier };
}

describe('Proxier', () => {
  it('writes the whole ruleset in one --noflush restore and adds the jumps once', async () => {
    const { fake, proxier } = setup();
    expect(await proxier.sync()).toBe('applied');
    const restores = fake.named('iptables-restore');
    expect(restores).toHaveLength(1);
    expect(restores[0].args).toContain('--noflush');
    expect(restores[0].stdin).toMatch(/^\*filter\n[\s\S]*COMMIT\n\*nat\n[\s\S]*-j DNAT --to-destination 10.244.1.3:8080\nCOMMIT\n$/);
    expect(fake.inserted.size).toBe(JUMP_RULES.length);
    // Never a flush of the built-in chains or a delete-all first.
    expect(fake.calls.some((c) => c.args.includes('-F') || c.args.includes('--flush'))).toBe(false);
  });

  it('skips writing when nothing changed, and writes again when something did', async () => {
    const { state, fake, proxier } = setup();
    await proxier.sync();
    fake.clear();
    expect(await proxier.sync()).toBe('unchanged');
    expect(fake.calls).toEqual([]);
    state.slices = [slice('web', '10.244.1.2')];
    expect(await proxier.sync()).toBe('applied');
    expect(fake.named('iptables-restore')).toHaveLength(1);
    // The jumps were ensured already; an ordinary sync does not check them again.
    expect(fake.named('iptables')).toHaveLength(0);
  });

  it('deletes the chains of a removed endpoint and service in the same transaction', async () => {
    const { state, fake, proxier } = setup();
    await proxier.sync();
    const first = fake.named('iptables-restore')[0].stdin!;
    const chains = [...first.matchAll(/^:(KUBE-(SVC|SEP)-\S+)/gm)].map((m) => m[1]);
    expect(chains).toHaveLength(3);
    state.services = [];
    state.slices = [];
    await proxier.sync();
    const second = fake.named('iptables-restore')[1].stdin!;
    for (const c of chains) {
      expect(second).toContain(`:${c} - [0:0]`);
      expect(second).toContain(`-X ${c}`);
    }
  });

  it('on start removes per-service chains left by an earlier run that are no longer wanted', async () => {
    const { fake, proxier } = setup();
    fake.saved.nat = '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-LEFTOVERLEFTOVER - [0:0]\nCOMMIT\n';
    await proxier.sync();
    const text = fake.named('iptables-restore')[0].stdin!;
    expect(text).toContain('-X KUBE-SVC-LEFTOVERLEFTOVER');
    expect(text).not.toContain('-X KUBE-SERVICES');
  });

  it('coalesces a burst of changes into one sync per min sync period', async () => {
    const { state, fake, proxier } = setup(200);
    await proxier.sync();
    fake.clear();
    for (let i = 4; i < 14; i++) {
      state.slices = [slice('web', `10.244.1.${i}`)];
      proxier.requestSync();
    }
    await waitFor(() => fake.named('iptables-restore').length === 1, { timeoutMs: 2000, description: 'one restore' });
    expect(fake.named('iptables-restore')[0].stdin).toContain('10.244.1.13:8080');
    // Nothing else is queued.
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.named('iptables-restore')).toHaveLength(1);
    expect(proxier.stats.syncs).toBe(2);
  });

  it('retries a failed restore and rereads the tables before the retry', async () => {
    const { fake, proxier } = setup(10);
    fake.fail.add('iptables-restore');
    proxier.requestSync();
    await waitFor(() => proxier.stats.failures >= 1, { timeoutMs: 2000, description: 'a failure' });
    fake.fail.clear();
    await waitFor(() => proxier.stats.writes === 1, { timeoutMs: 5000, description: 'the retry' });
    expect(fake.named('iptables-save').length).toBeGreaterThanOrEqual(4);
    expect(proxier.appliedRules).toContain('KUBE-SERVICES');
  });

  it('a forced sync rewrites unchanged rules and checks the jumps again', async () => {
    const { fake, proxier } = setup();
    await proxier.sync();
    fake.clear();
    expect(await proxier.sync(true)).toBe('applied');
    expect(fake.named('iptables-restore')).toHaveLength(1);
    expect(fake.named('iptables').filter((c) => c.args.includes('-C'))).toHaveLength(JUMP_RULES.length);
    expect(fake.named('iptables').filter((c) => c.args.includes('-I'))).toHaveLength(0);
  });

  it('flushes UDP conntrack entries for a removed endpoint, and only logs without conntrack', async () => {
    const state = { services: [service('dns', '10.96.0.10', 'UDP')], slices: [{ ...slice('dns', '10.244.1.2', '10.244.1.3'), ports: [{ port: 53, protocol: 'UDP' }] }] };
    const fake = new FakeRunner();
    const warnings: string[] = [];
    const logger = silentLogger();
    logger.warn = ((msg: string) => void warnings.push(msg)) as typeof logger.warn;
    const proxier = new Proxier(
      { services: () => state.services, endpointSlices: () => state.slices },
      { nodeName: 'n', clusterCIDR: '', iptables: new Iptables(fake.run), conntrack: new Conntrack(fake.run, logger), logger: silentLogger(), minSyncPeriodMs: 0, syncPeriodMs: 0 },
    );
    proxiers.push(proxier);
    await proxier.sync();
    // It had no endpoints before: entries to the service IP (which held REJECT) go.
    expect(fake.named('conntrack').map((c) => c.args.join(' '))).toEqual(['-D -p udp --orig-dst 10.96.0.10 --orig-port-dst 80']);
    fake.clear();
    state.slices = [{ ...state.slices[0], endpoints: [{ addresses: ['10.244.1.2'] }] }];
    await proxier.sync();
    expect(fake.named('conntrack').map((c) => c.args.join(' '))).toEqual(['-D -p udp --orig-dst 10.96.0.10 --dst-nat 10.244.1.3']);
    fake.missing.add('conntrack');
    state.slices = [{ ...state.slices[0], endpoints: [] }];
    await proxier.sync();
    state.slices = [{ ...state.slices[0], endpoints: [{ addresses: ['10.244.1.9'] }] }];
    await proxier.sync();
    expect(warnings.filter((w) => /conntrack is not installed/.test(w))).toHaveLength(1);
  });

  it('writes only the chains that changed after the first sync, and everything again when forced', async () => {
    const { state, fake, proxier } = setup();
    state.services = [service('web', '10.96.0.20'), service('db', '10.96.0.21')];
    state.slices = [slice('web', '10.244.1.2', '10.244.1.3'), slice('db', '10.244.2.2')];
    await proxier.sync(true);
    const chainsOf = (text: string): string[] => [...text.matchAll(/^:(KUBE-(SVC|SEP)-\S+)/gm)].map((m) => m[1]).sort();
    const full = chainsOf(fake.named('iptables-restore')[0].stdin!);
    expect(full).toHaveLength(5);

    state.slices = [slice('web', '10.244.1.2', '10.244.1.3'), slice('db', '10.244.2.9')];
    await proxier.sync();
    const partial = fake.named('iptables-restore')[1].stdin!;
    // db's service chain (new endpoint) and its new endpoint chain; its old endpoint chain goes.
    expect(chainsOf(partial).filter((c) => !partial.includes(`-X ${c}`))).toHaveLength(2);
    expect(partial).toContain('-j DNAT --to-destination 10.244.2.9:8080');
    expect(partial).not.toContain('10.244.1.3:8080');
    // KUBE-SERVICES did not change (it jumps to the same service chain): it is not written.
    expect(partial).not.toContain('-A KUBE-SERVICES');
    expect(partial).not.toContain(':KUBE-SERVICES');

    // A new Service changes KUBE-SERVICES, which is then written whole.
    state.services = [...state.services, service('api', '10.96.0.22')];
    state.slices = [...state.slices, slice('api', '10.244.3.2')];
    await proxier.sync();
    const added = fake.named('iptables-restore')[2].stdin!;
    expect(added).toMatch(/-A KUBE-SERVICES .*default\/web cluster IP/);
    expect(added).toMatch(/-A KUBE-SERVICES .*default\/api cluster IP/);
    expect(added).not.toContain('10.244.1.2:8080');

    await proxier.sync(true);
    expect(chainsOf(fake.named('iptables-restore')[3].stdin!)).toHaveLength(7);
  });

  it('checks the canary chains every sync period and rewrites everything only when one is gone', async () => {
    const fake = new FakeRunner();
    let canaryGone = false;
    const run: typeof fake.run = async (command, args, stdin) =>
      command === 'iptables' && args.includes('-S') && canaryGone ? { code: 1, stdout: '', stderr: 'No chain/target/match by that name.' } : fake.run(command, args, stdin);
    const state = { services: [service('web', '10.96.0.20')], slices: [slice('web', '10.244.1.2')] };
    const proxier = new Proxier(
      { services: () => state.services, endpointSlices: () => state.slices },
      { nodeName: 'n', clusterCIDR: '', iptables: new Iptables(run), logger: silentLogger(), minSyncPeriodMs: 0, syncPeriodMs: 50, fullSyncPeriodMs: 3_600_000 },
    );
    proxiers.push(proxier);
    await proxier.sync(true);
    proxier.start();
    await waitFor(() => fake.calls.filter((c) => c.args.includes('-S')).length >= 4, { description: 'two canary checks' });
    expect(fake.named('iptables-restore')).toHaveLength(1);
    canaryGone = true;
    await waitFor(() => fake.named('iptables-restore').length >= 2, { description: 'a rewrite after the canary went' });
    expect(fake.named('iptables-restore')[1].stdin).toContain(':KUBE-SERVICES - [0:0]');
  });
});
