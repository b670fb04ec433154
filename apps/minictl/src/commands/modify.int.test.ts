// label, annotate, patch, delete, describe, api-resources, version and config against a real
// apiserver and etcd.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@minik8s/client';
import { TestCluster } from '../test-support';

let cluster: TestCluster;
const NS = 'modify';

async function ok(args: string[], stdin?: string): Promise<string> {
  const result = await cluster.minictl(args, { stdin });
  expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

function configMaps(...names: string[]): string {
  return names.map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n  labels:\n    group: g\ndata:\n  k: v\n`).join('---\n');
}

beforeAll(async () => {
  cluster = await TestCluster.start();
  await ok(['create', 'namespace', NS]);
  await ok(['-n', NS, 'apply', '-f', '-'], configMaps('one', 'two', 'three'));
  await ok(['-n', NS, 'apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata:
  name: kubia
  labels:
    app: kubia
spec:
  containers:
  - name: kubia
    image: luksa/kubia
    ports:
    - containerPort: 8080
`);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('label and annotate', () => {
  it('adds, refuses to change without --overwrite, changes with it, and removes', async () => {
    expect(await ok(['label', 'pod', 'kubia', 'tier=web', '-n', NS])).toBe('pod/kubia labeled\n');
    expect(await cluster.minictl(['label', 'pod', 'kubia', 'tier=db', '-n', NS])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: 'tier' already has a value (web), and --overwrite is false\n",
    });
    expect(await ok(['label', 'pod', 'kubia', 'tier=db', '--overwrite', '-n', NS])).toBe('pod/kubia labeled\n');
    expect(await ok(['get', 'pod', 'kubia', '-n', NS, '-o', 'jsonpath={.metadata.labels.tier}'])).toBe('db');
    expect(await ok(['label', 'pod', 'kubia', 'tier-', '-n', NS])).toBe('pod/kubia unlabeled\n');
    expect(await ok(['get', 'pod', 'kubia', '-n', NS, '-o', 'jsonpath={.metadata.labels}'])).toBe('{"app":"kubia"}');
    expect(await ok(['label', 'pod', 'kubia', 'app=kubia', '-n', NS])).toBe('pod/kubia not labeled\n');
  });

  it('labels every object matching a selector', async () => {
    expect(await ok(['label', 'cm', '-l', 'group=g', 'checked=true', '-n', NS])).toBe('configmap/one labeled\nconfigmap/three labeled\nconfigmap/two labeled\n');
  });

  it('annotates, with the same --overwrite rule', async () => {
    expect(await ok(['annotate', 'pod/kubia', 'description=my frontend', '-n', NS])).toBe('pod/kubia annotated\n');
    const refused = await cluster.minictl(['annotate', 'pod/kubia', 'description=other', '-n', NS]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("error: --overwrite is false but found the following declared annotation(s): 'description' already has a value (my frontend)\n");
    expect(await ok(['annotate', 'pod/kubia', 'description-', '-n', NS])).toBe('pod/kubia annotated\n');
  });
});

describe('patch', () => {
  it('applies merge, strategic and JSON patches and tells a no-op', async () => {
    expect(await ok(['patch', 'cm', 'one', '-n', NS, '--type', 'merge', '-p', '{"data":{"k":"merged"}}'])).toBe('configmap/one patched\n');
    expect(await ok(['patch', 'cm', 'one', '-n', NS, '-p', '{"data":{"k":"merged"}}'])).toBe('configmap/one patched (no change)\n');
    expect(await ok(['patch', 'cm', 'one', '-n', NS, '--type=json', '-p', '[{"op":"add","path":"/data/extra","value":"x"}]'])).toBe('configmap/one patched\n');
    expect(await ok(['patch', 'cm', 'one', '-n', NS, '-p', 'data:\n  k: from-yaml\n'])).toBe('configmap/one patched\n');
    expect(await ok(['get', 'cm', 'one', '-n', NS, '-o', 'jsonpath={.data.k},{.data.extra}'])).toBe('from-yaml,x');
  });

  it('reports a patch the server refuses', async () => {
    const result = await cluster.minictl(['patch', 'cm', 'one', '-n', NS, '--type=json', '-p', '[{"op":"remove","path":"/data/nope"}]']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error from server \(BadRequest\): /);
  });
});

describe('describe', () => {
  it('describes a pod with its events', async () => {
    const uid = await ok(['get', 'pod', 'kubia', '-n', NS, '-o', 'jsonpath={.metadata.uid}']);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await ok(['-n', NS, 'create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'kubia.scheduled' },
      involvedObject: { kind: 'Pod', namespace: NS, name: 'kubia', uid, apiVersion: 'v1' },
      reason: 'Scheduled',
      message: `Successfully assigned ${NS}/kubia to node1`,
      type: 'Normal',
      source: { component: 'default-scheduler' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    }));
    await ok(['-n', NS, 'create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'other.event' },
      involvedObject: { kind: 'Pod', namespace: NS, name: 'other', apiVersion: 'v1' },
      reason: 'Ignored',
      message: 'about another pod',
      type: 'Normal',
    }));
    const text = await ok(['describe', 'pod', 'kubia', '-n', NS]);
    expect(text).toMatch(/^Name:             kubia\nNamespace:        modify\n/);
    expect(text).toContain('Labels:           app=kubia\n');
    expect(text).toContain('Containers:\n  kubia:\n    Image:        luksa/kubia\n    Port:         8080/TCP\n');
    expect(text).toMatch(/Events:\n  Type    Reason     Age\s+From               Message\n  ----    ------     ----\s+----               -------\n  Normal  Scheduled  \d+s\s+default-scheduler  Successfully assigned modify\/kubia to node1\n$/);
    expect(text).not.toContain('about another pod');
  });

  it('describes by name prefix, other kinds generically, and fails for missing objects', async () => {
    const cms = await ok(['describe', 'cm', 't', '-n', NS]);
    expect(cms).toContain('Name:         three\n');
    expect(cms).toContain('Name:         two\n');
    expect(cms).toContain('Data\n====\nk:\n----\nv\n');
    const ns = await ok(['describe', 'ns', NS]);
    expect(ns).toMatch(/^Name:         modify\n/);
    expect(ns).toContain('No resource quota.');
    const ev = await ok(['describe', 'ev', 'other.event', '-n', NS]);
    expect(ev).toContain('Involved Object:\n');
    expect(ev).toMatch(/Reason:\s+Ignored\n/);
    expect(await cluster.minictl(['describe', 'pod', 'nope', '-n', NS])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
  });
});

describe('delete', () => {
  it('deletes by name and reports missing objects', async () => {
    expect(await ok(['delete', 'cm', 'one', '-n', NS])).toBe('configmap "one" deleted\n');
    expect(await cluster.minictl(['delete', 'cm', 'one', '-n', NS])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): configmaps "one" not found\n' });
    expect(await ok(['delete', 'cm', 'one', '-n', NS, '--ignore-not-found'])).toBe('');
  });

  it('deletes by selector and from a file', async () => {
    await ok(['-n', NS, 'apply', '-f', '-'], configMaps('four'));
    const file = cluster.file('four.yaml', configMaps('four'));
    expect(await ok(['delete', '-f', file, '-n', NS])).toBe('configmap "four" deleted\n');
    expect(await ok(['delete', 'cm', '-l', 'group=g', '-n', NS])).toBe('configmap "three" deleted\nconfigmap "two" deleted\n');
    expect(await cluster.minictl(['delete', 'cm', '-l', 'group=g', '-n', NS])).toEqual({ code: 0, stdout: '', stderr: 'No resources found\n' });
  });

  it('force-deletes a pod at once, with kubectl\'s warning', async () => {
    const result = await cluster.minictl(['delete', 'pod', 'kubia', '-n', NS, '--grace-period=0', '--force']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('pod "kubia" force deleted\n');
    expect(result.stderr).toContain('Warning: Immediate deletion does not wait');
    expect((await cluster.minictl(['get', 'pod', 'kubia', '-n', NS])).code).toBe(1);
  });

  it('needs a name, a selector or --all', async () => {
    expect(await cluster.minictl(['delete', 'cm', '-n', NS])).toMatchObject({ code: 1, stderr: 'error: resource(s) were provided, but no name was specified\n' });
    expect(await cluster.minictl(['delete', 'cm', 'x', '--cascade=sideways', '-n', NS])).toMatchObject({ code: 1 });
  });
});

describe('api-resources, version, config', () => {
  it('lists the server\'s resources', async () => {
    const text = await ok(['api-resources']);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
    expect(text).toMatch(/\npods\s+po\s+v1\s+true\s+Pod\n/);
    expect(text).toMatch(/\ndeployments\s+deploy\s+apps\/v1\s+true\s+Deployment\n/);
    expect(await ok(['api-resources', '--namespaced=false', '-o', 'name'])).toContain('nodes\n');
    // Discovery names the subresources too (pods/log, deployments/scale); kubectl shows only resources.
    expect(await ok(['api-resources', '-o', 'wide'])).not.toMatch(/^\S+\/\S+\s/m);
    const client = new ApiClient(cluster.address);
    try {
      const discovered = (await client.discovery()).resources ?? [];
      expect(discovered.find((r) => r.name === 'pods/log')).toMatchObject({ kind: 'Pod', namespaced: true, verbs: ['get'] });
      expect(discovered.find((r) => r.name === 'pods/exec')).toMatchObject({ kind: 'PodExecOptions', verbs: ['create', 'get'] });
      expect(discovered.find((r) => r.name === 'deployments/scale')).toMatchObject({ group: 'apps', kind: 'Scale', verbs: ['get', 'update'] });
    } finally {
      client.close();
    }
  });

  it('prints client and server versions', async () => {
    expect(await ok(['version'])).toMatch(/^Client Version: v\S+\nServer Version: v\S+\n$/);
    expect(await ok(['version', '--client'])).toMatch(/^Client Version: v\S+\n$/);
  });

  it('edits the config file and connects through it', async () => {
    const env = { MINIK8S_CONFIG: cluster.configPath };
    const run = (args: string[]): ReturnType<TestCluster['minictl']> => cluster.minictl(args, { env });
    expect(await run(['config', 'current-context'])).toEqual({ code: 1, stdout: '', stderr: 'error: current-context is not set\n' });
    expect((await run(['config', 'set-cluster', 'test', `--server=${cluster.address}`])).stdout).toBe('Cluster "test" set.\n');
    expect((await run(['config', 'set-context', 'test', '--cluster=test', `--namespace=${NS}`])).stdout).toBe('Context "test" created.\n');
    expect(await run(['config', 'use-context', 'nope'])).toMatchObject({ code: 1, stderr: 'error: no context exists with the name: "nope"\n' });
    expect((await run(['config', 'use-context', 'test'])).stdout).toBe('Switched to context "test".\n');
    expect((await run(['config', 'current-context'])).stdout).toBe('test\n');
    expect((await run(['config', 'view'])).stdout).toContain(`current-context: test\n`);
    // No MINIK8S_SERVER and no -n: the server and the namespace come from the context.
    expect(await run(['get', 'ev', 'other.event', '-o', 'name'])).toEqual({ code: 0, stdout: 'event/other.event\n', stderr: '' });
    const refused = await cluster.minictl(['get', 'ns'], { env: { MINIK8S_CONFIG: cluster.configPath, MINIK8S_SERVER: '127.0.0.1:1' } });
    expect(refused).toEqual({ code: 1, stdout: '', stderr: 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n' });
  });
});
