// cordon, uncordon, taint and drain against a real apiserver and etcd. No kubelet runs: a fake one
// here removes pods once they are deleted gracefully, as a kubelet does after stopping them.

import type { corev1 } from '@minik8s/api';
import { ApiClient, Pods } from '@minik8s/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type CliResult } from '../test-support';

let cluster: TestCluster;
let client: ApiClient;
const NS = 'drain';

async function ok(...args: string[]): Promise<string> {
  const result = await cluster.minictl(args);
  expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

function minictl(...args: string[]): Promise<CliResult> {
  return cluster.minictl(args);
}

function nodeYaml(name: string, pool: string): string {
  return `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name}\n  labels:\n    pool: ${pool}\n`;
}

interface PodOptions {
  owner?: { kind: string; name: string; uid?: string };
  emptyDir?: boolean;
  mirror?: boolean;
}

async function pod(name: string, node: string, options: PodOptions = {}): Promise<void> {
  await client.resource(Pods).namespace(NS).create({
    metadata: {
      name,
      namespace: NS,
      ownerReferences: options.owner
        ? [{ apiVersion: 'apps/v1', kind: options.owner.kind, name: options.owner.name, uid: options.owner.uid ?? `uid-${options.owner.name}`, controller: true }]
        : undefined,
      annotations: options.mirror ? { 'kubernetes.io/config.mirror': 'abc123' } : undefined,
    },
    spec: {
      nodeName: node,
      containers: [{ name: 'app', image: 'app:1' }],
      volumes: options.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : undefined,
    },
  });
}

/** Finishes the graceful deletion of pods on `nodes`, as their kubelet would once the containers stopped. */
async function fakeKubelet(nodes: string[]): Promise<{ stop(): void }> {
  const pods = client.resource(Pods).namespace(NS);
  const list = await pods.list();
  const stream = pods.watch({ resourceVersion: list.resourceVersion });
  void (async () => {
    try {
      for await (const event of stream) {
        const p = event.object as corev1.Pod;
        if (event.type !== 'MODIFIED' || !p.metadata?.deletionTimestamp || !nodes.includes(p.spec?.nodeName ?? '')) continue;
        await pods.delete(p.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
      }
    } catch {
      // The watch ended with the test.
    }
  })();
  return { stop: () => stream.close() };
}

const podsOn = async (node: string): Promise<string[]> =>
  ((await client.resource(Pods).namespace(NS).list({ fieldSelector: `spec.nodeName=${node}` })).items).map((p) => p.metadata?.name ?? '');

beforeAll(async () => {
  cluster = await TestCluster.start();
  client = new ApiClient(cluster.address, { waitForReady: false });
  expect((await cluster.minictl(['create', 'namespace', NS])).code).toBe(0);
  expect(await ok('apply', '-f', cluster.file('nodes.yaml', [nodeYaml('n1', 'a'), nodeYaml('n2', 'a'), nodeYaml('n3', 'b'), nodeYaml('n4', 'b')].join('---\n')))).toBe(
    'node/n1 created\nnode/n2 created\nnode/n3 created\nnode/n4 created\n',
  );
});

afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

describe('cordon and uncordon', () => {
  const unschedulable = (node: string): Promise<string> => ok('get', 'node', node, '-o', 'jsonpath={.spec.unschedulable}');

  it('marks a node unschedulable and back, saying when it already was', async () => {
    expect(await ok('cordon', 'n1', '--dry-run=client')).toBe('node/n1 cordoned (dry run)\n');
    expect(await unschedulable('n1')).toBe('');
    expect(await ok('cordon', 'n1')).toBe('node/n1 cordoned\n');
    expect(await unschedulable('n1')).toBe('true');
    expect(await ok('cordon', 'node/n1')).toBe('node/n1 already cordoned\n');
    expect(await ok('uncordon', 'n1')).toBe('node/n1 uncordoned\n');
    expect(await unschedulable('n1')).toBe('');
    expect(await ok('uncordon', 'n1')).toBe('node/n1 already uncordoned\n');
  });

  it('selects nodes by label, and reports missing ones', async () => {
    expect(await ok('cordon', '-l', 'pool=b')).toBe('node/n3 cordoned\nnode/n4 cordoned\n');
    expect(await ok('uncordon', '-l', 'pool=b')).toBe('node/n3 uncordoned\nnode/n4 uncordoned\n');
    expect(await minictl('cordon', 'nope')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): nodes "nope" not found\n' });
  });
});

describe('taint', () => {
  const taints = (node: string): Promise<string> => ok('get', 'node', node, '-o', 'jsonpath={.spec.taints}');

  it('adds a taint, refuses to change it without --overwrite, changes it with', async () => {
    expect(await ok('taint', 'nodes', 'n1', 'dedicated=db:NoSchedule')).toBe('node/n1 tainted\n');
    expect(await taints('n1')).toBe('[{"key":"dedicated","value":"db","effect":"NoSchedule"}]');
    expect(await minictl('taint', 'nodes', 'n1', 'dedicated=web:NoSchedule')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: node n1 already has dedicated taint(s) with same effect(s) and --overwrite is false\n',
    });
    expect(await ok('taint', 'nodes', 'n1', 'dedicated=web:NoSchedule', '--overwrite')).toBe('node/n1 modified\n');
    expect(await ok('taint', 'node', 'n1', 'gpu:NoExecute')).toBe('node/n1 tainted\n');
    expect(await taints('n1')).toBe('[{"key":"gpu","effect":"NoExecute"},{"key":"dedicated","value":"web","effect":"NoSchedule"}]');
  });

  it('removes taints by key and effect or by key, and reports missing ones', async () => {
    expect(await ok('taint', 'nodes', 'n1', 'dedicated:NoSchedule-')).toBe('node/n1 untainted\n');
    expect(await minictl('taint', 'nodes', 'n1', 'dedicated:NoSchedule-')).toEqual({ code: 1, stdout: '', stderr: 'error: taint "dedicated:NoSchedule" not found\n' });
    expect(await ok('taint', 'node/n1', 'gpu-')).toBe('node/n1 untainted\n');
    expect(await taints('n1')).toBe('');
  });

  it('taints every node a selector matches, and validates before writing', async () => {
    expect(await ok('taint', 'nodes', '-l', 'pool=b', 'zone=east:PreferNoSchedule')).toBe('node/n3 tainted\nnode/n4 tainted\n');
    expect(await taints('n4')).toBe('[{"key":"zone","value":"east","effect":"PreferNoSchedule"}]');
    expect(await minictl('taint', 'nodes', 'n3', 'zone=east:Often')).toEqual({ code: 1, stdout: '', stderr: 'error: invalid taint effect: Often, unsupported taint effect\n' });
    expect(await minictl('taint', 'nodes', 'zone=east:NoSchedule')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: at least one resource name must be specified since 'all' parameter is not set\n",
    });
    expect(await minictl('taint', 'nodes', '--all', 'zone-', '-l', 'pool=b')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: setting 'all' parameter with a label selector is redundant\n",
    });
    expect(await ok('taint', 'nodes', '-l', 'pool=b', 'zone-')).toBe('node/n3 untainted\nnode/n4 untainted\n');
    expect(await ok('taint', 'nodes', '--all', 'maintenance=true:NoSchedule')).toBe('node/n1 tainted\nnode/n2 tainted\nnode/n3 tainted\nnode/n4 tainted\n');
    expect(await minictl('taint', 'nodes', '--all', 'maintenance-', 'zone-')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: taint "zone" not found\nerror: taint "zone" not found\nerror: taint "zone" not found\nerror: taint "zone" not found\n',
    });
    expect(await ok('taint', 'nodes', '--all', 'maintenance-')).toBe('node/n1 untainted\nnode/n2 untainted\nnode/n3 untainted\nnode/n4 untainted\n');
  });
});

describe('drain', () => {
  beforeAll(async () => {
    expect(await ok('-n', NS, 'apply', '-f', cluster.file('ds.yaml', `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
      - name: agent
        image: agent:1
`))).toBe('daemonset.apps/agent created\n');
    const dsUid = await ok('-n', NS, 'get', 'ds', 'agent', '-o', 'jsonpath={.metadata.uid}');
    await pod('web-1', 'n1', { owner: { kind: 'ReplicaSet', name: 'web-7d4b' } });
    await pod('agent-1', 'n1', { owner: { kind: 'DaemonSet', name: 'agent', uid: dsUid } });
    await pod('bare', 'n1');
    await pod('cache-1', 'n1', { owner: { kind: 'ReplicaSet', name: 'cache-5f6c' }, emptyDir: true });
    await pod('static-n1', 'n1', { mirror: true });
    await pod('sticky', 'n2', { owner: { kind: 'ReplicaSet', name: 'web-7d4b' } });
    await pod('web-3', 'n3', { owner: { kind: 'ReplicaSet', name: 'web-7d4b' } });
    await pod('web-4', 'n4', { owner: { kind: 'ReplicaSet', name: 'web-7d4b' } });
  });

  it('cordons, then refuses DaemonSet pods, local data and pods without a controller, deleting nothing', async () => {
    expect(await minictl('drain', 'n1')).toEqual({
      code: 1,
      stdout: 'node/n1 cordoned\n',
      stderr: [
        'error: unable to drain node "n1" due to error:[cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): drain/agent-1, ' +
          'cannot delete Pods that declare no controller (use --force to override): drain/bare, ' +
          'cannot delete Pods with local storage (use --delete-emptydir-data to override): drain/cache-1], continuing command...',
        'There are pending nodes to be drained:',
        ' n1',
        'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): drain/agent-1',
        'cannot delete Pods that declare no controller (use --force to override): drain/bare',
        'cannot delete Pods with local storage (use --delete-emptydir-data to override): drain/cache-1',
        '',
      ].join('\n'),
    });
    expect(await ok('get', 'node', 'n1', '-o', 'jsonpath={.spec.unschedulable}')).toBe('true');
    expect((await podsOn('n1')).sort()).toEqual(['agent-1', 'bare', 'cache-1', 'static-n1', 'web-1']);
    expect(await minictl('drain', 'n1', '--ignore-daemonsets', '--delete-emptydir-data')).toEqual({
      code: 1,
      stdout: 'node/n1 already cordoned\n',
      stderr: [
        'error: unable to drain node "n1" due to error:cannot delete Pods that declare no controller (use --force to override): drain/bare, continuing command...',
        'There are pending nodes to be drained:',
        ' n1',
        'cannot delete Pods that declare no controller (use --force to override): drain/bare',
        '',
      ].join('\n'),
    });
  });

  it('with the flags, evicts every other pod, waits until they are gone and says drained', async () => {
    const kubelet = await fakeKubelet(['n1', 'n3', 'n4']);
    try {
      const result = await minictl('drain', 'n1', '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=30s', '--grace-period=5');
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('Warning: ignoring DaemonSet-managed Pods: drain/agent-1; deleting Pods that declare no controller: drain/bare; deleting Pods with local storage: drain/cache-1\n');
      const lines = result.stdout.split('\n');
      expect(lines.slice(0, 4)).toEqual(['node/n1 already cordoned', 'evicting pod drain/bare', 'evicting pod drain/cache-1', 'evicting pod drain/web-1']);
      expect(lines.slice(4, 7).sort()).toEqual(['pod/bare evicted', 'pod/cache-1 evicted', 'pod/web-1 evicted']);
      expect(lines.slice(7)).toEqual(['node/n1 drained', '']);
      // The DaemonSet's pod and the mirror pod stay.
      expect((await podsOn('n1')).sort()).toEqual(['agent-1', 'static-n1']);

      expect(await ok('drain', 'n3', '--disable-eviction')).toBe('node/n3 cordoned\npod/web-3 deleted\nnode/n3 drained\n');
      expect(await ok('drain', 'n4', '--dry-run=client')).toBe('node/n4 cordoned (dry run)\nevicting pod drain/web-4 (dry run)\nnode/n4 drained (dry run)\n');
      expect(await podsOn('n4')).toEqual(['web-4']);
    } finally {
      kubelet.stop();
    }
  });

  it('gives up after --timeout when a pod does not go, naming what is left', async () => {
    expect(await minictl('drain', 'n2', '--timeout=1s')).toEqual({
      code: 1,
      stdout: 'node/n2 cordoned\nevicting pod drain/sticky\n',
      stderr: [
        'There are pending pods in node "n2" when an error occurred: drain did not complete within 1s',
        'pod/sticky',
        'error: unable to drain node "n2" due to error:drain did not complete within 1s, continuing command...',
        'There are pending nodes to be drained:',
        ' n2',
        'error: drain did not complete within 1s',
        '',
      ].join('\n'),
    });
    const sticky = await ok('-n', NS, 'get', 'pod', 'sticky', '-o', 'jsonpath={.metadata.deletionTimestamp}');
    expect(sticky).not.toBe('');
  });
});
