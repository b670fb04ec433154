// apply, create, replace and get against a real apiserver and etcd.

import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskAges, TestCluster } from '../test-support';

let cluster: TestCluster;
const NS = 'apply-get';

function podYaml(options: { image?: string; labels?: Record<string, string>; name?: string } = {}): string {
  const labels = Object.entries(options.labels ?? { app: 'kubia' }).map(([k, v]) => `    ${k}: ${v}\n`).join('');
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${options.name ?? 'kubia'}
  labels:
${labels}spec:
  containers:
  - name: kubia
    image: ${options.image ?? 'luksa/kubia:v1'}
    ports:
    - containerPort: 8080
`;
}

beforeAll(async () => {
  cluster = await TestCluster.start();
  const ns = await cluster.minictl(['create', 'namespace', NS]);
  expect(ns).toEqual({ code: 0, stdout: `namespace/${NS} created\n`, stderr: '' });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('apply', () => {
  it('creates, then reports unchanged, then configured, and removes fields dropped from the file', async () => {
    const file = cluster.file('pod.yaml', podYaml({ labels: { app: 'kubia', tier: 'web' } }));
    expect(await cluster.minictl(['apply', '-f', file, '-n', NS])).toEqual({ code: 0, stdout: 'pod/kubia created\n', stderr: '' });
    expect(await cluster.minictl(['apply', '-f', file, '-n', NS])).toEqual({ code: 0, stdout: 'pod/kubia unchanged\n', stderr: '' });

    cluster.file('pod.yaml', podYaml({ image: 'luksa/kubia:v2', labels: { app: 'kubia' } }));
    expect(await cluster.minictl(['apply', '-f', file, '-n', NS])).toEqual({ code: 0, stdout: 'pod/kubia configured\n', stderr: '' });
    const got = await cluster.minictl(['get', 'pod', 'kubia', '-n', NS, '-o', 'json']);
    const pod = JSON.parse(got.stdout) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { containers: { image: string }[] } };
    expect(pod.metadata.labels).toEqual({ app: 'kubia' });
    expect(pod.spec.containers[0].image).toBe('luksa/kubia:v2');
    expect(JSON.parse(pod.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'])).toMatchObject({ metadata: { name: 'kubia', namespace: NS } });
    expect(await cluster.minictl(['apply', '-f', file, '-n', NS])).toMatchObject({ code: 0, stdout: 'pod/kubia unchanged\n' });
  });

  it('applies multi-document YAML, JSON lists and stdin, in order', async () => {
    const multi = cluster.file('multi.yaml', `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  selector:
    app: kubia
  ports:
  - port: 80
    targetPort: 8080
`);
    const list = cluster.file('list.json', JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-list-a' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-list-b' } },
      ],
    }));
    const result = await cluster.minictl(['apply', '-n', NS, '-f', multi, '-f', list]);
    expect(result).toEqual({
      code: 0,
      stdout: 'configmap/settings created\nservice/kubia created\nconfigmap/from-list-a created\nconfigmap/from-list-b created\n',
      stderr: '',
    });
    const stdin = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-stdin\n';
    expect(await cluster.minictl(['apply', '-n', NS, '-f', '-'], { stdin })).toMatchObject({ code: 0, stdout: 'configmap/from-stdin created\n' });
    expect(await cluster.minictl(['apply', '-n', NS, '-f', multi])).toMatchObject({ stdout: 'configmap/settings unchanged\nservice/kubia unchanged\n' });
  });

  it('reports unchanged for a Deployment the server filled with defaults', async () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
        readinessProbe:
          httpGet:
            path: /
            port: 80
`;
    expect((await cluster.minictl(['apply', '-n', NS, '-f', '-'], { stdin: deployment })).stdout).toBe('deployment.apps/web created\n');
    expect((await cluster.minictl(['apply', '-n', NS, '-f', '-'], { stdin: deployment })).stdout).toBe('deployment.apps/web unchanged\n');
    const scaled = deployment.replace('replicas: 2', 'replicas: 3');
    expect((await cluster.minictl(['apply', '-n', NS, '-f', '-'], { stdin: scaled })).stdout).toBe('deployment.apps/web configured\n');
    const table = await cluster.minictl(['get', 'deploy', 'web', '-n', NS]);
    expect(maskAges(table.stdout)).toBe('NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    0/3     0            0           <age>\n');
  });

  it('writes nothing for an invalid document, names file and field, and exits 1', async () => {
    const file = cluster.file('bad.yaml', `apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
  - name: a
    imagee: nginx
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: still-good
`);
    const result = await cluster.minictl(['apply', '-n', NS, '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: error validating "${file}": error validating data: unknown field "spec.containers[0].imagee"\n`);
    expect(result.stdout).toBe('configmap/still-good created\n');
    expect(await cluster.minictl(['get', 'pod', 'bad', '-n', NS])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "bad" not found\n' });
  });

  it('refuses a manifest for another namespace than -n', async () => {
    const file = cluster.file('other-ns.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: elsewhere\n');
    const result = await cluster.minictl(['apply', '-n', NS, '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the namespace from the provided object "elsewhere" does not match the namespace "apply-get"');
  });
});

describe('create and replace', () => {
  it('creates, then fails with AlreadyExists', async () => {
    const file = cluster.file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: created\ndata:\n  a: "1"\n');
    expect(await cluster.minictl(['create', '-n', NS, '-f', file])).toEqual({ code: 0, stdout: 'configmap/created created\n', stderr: '' });
    expect(await cluster.minictl(['create', '-n', NS, '-f', file])).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error from server (AlreadyExists): error when creating "${file}": configmaps "created" already exists\n`,
    });
  });

  it('replaces, with Conflict when the file\'s resourceVersion is stale', async () => {
    const saved = await cluster.minictl(['get', 'cm', 'created', '-n', NS, '-o', 'yaml']);
    const file = cluster.file('saved.yaml', saved.stdout.replace('a: "1"', 'a: "2"'));
    expect(await cluster.minictl(['label', 'cm', 'created', 'touched=yes', '-n', NS])).toMatchObject({ code: 0, stdout: 'configmap/created labeled\n' });
    const stale = await cluster.minictl(['replace', '-f', file]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toBe(
      `Error from server (Conflict): error when replacing "${file}": Operation cannot be fulfilled on configmaps "created": the object has been modified; please apply your changes to the latest version and try again\n`,
    );
    const fresh = await cluster.minictl(['get', 'cm', 'created', '-n', NS, '-o', 'yaml']);
    cluster.file('saved.yaml', fresh.stdout.replace('a: "1"', 'a: "2"'));
    expect(await cluster.minictl(['replace', '-f', file])).toEqual({ code: 0, stdout: 'configmap/created replaced\n', stderr: '' });
    expect((await cluster.minictl(['get', 'cm', 'created', '-n', NS, '-o', 'jsonpath={.data.a}'])).stdout).toBe('2');
  });

  it('prints kubectl\'s validation message for objects the server finds invalid', async () => {
    const result = await cluster.minictl(['create', '-n', NS, '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^The ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name"/);
  });
});

describe('get', () => {
  it('prints an aligned table with kubectl\'s pod columns', async () => {
    const result = await cluster.minictl(['get', 'pods', '-n', NS]);
    expect(result.code).toBe(0);
    const lines = maskAges(result.stdout).split('\n');
    expect(lines[0]).toBe('NAME    READY   STATUS    RESTARTS   AGE');
    expect(lines[1]).toMatch(/^kubia   0\/1     \S*\s+0          <age>$/);
  });

  it('prints several kinds with kind/name, and every kind of `all`', async () => {
    const result = await cluster.minictl(['get', 'po,svc', '-n', NS]);
    expect(result.stdout).toMatch(/^NAME        READY .*\npod\/kubia .*\n\nNAME            TYPE .*\nservice\/kubia .*\n$/);
    const all = await cluster.minictl(['get', 'all', '-n', NS]);
    expect(all.stdout).toContain('pod/kubia');
    expect(all.stdout).toContain('service/kubia');
    expect(all.stdout).not.toContain('configmap/');
  });

  it('adds NAMESPACE with -A', async () => {
    const result = await cluster.minictl(['get', 'cm', '-A', '--field-selector', 'metadata.name=settings']);
    expect(maskAges(result.stdout)).toBe('NAMESPACE   NAME       DATA   AGE\napply-get   settings   1      <age>\n');
  });

  it('filters by label and field selectors, and says when nothing matched', async () => {
    expect((await cluster.minictl(['get', 'pods', '-n', NS, '-l', 'app=kubia', '-o', 'name'])).stdout).toBe('pod/kubia\n');
    expect(await cluster.minictl(['get', 'pods', '-n', NS, '-l', 'app=nope'])).toEqual({ code: 0, stdout: '', stderr: `No resources found in ${NS} namespace.\n` });
    expect((await cluster.minictl(['get', 'cm', '-n', NS, '--field-selector', 'metadata.name=settings', '-o', 'name'])).stdout).toBe('configmap/settings\n');
    expect(await cluster.minictl(['get', 'pv'])).toEqual({ code: 0, stdout: '', stderr: 'No resources found\n' });
  });

  it('prints YAML, JSON, names and JSONPath', async () => {
    const yaml = await cluster.minictl(['get', 'pod', 'kubia', '-n', NS, '-o', 'yaml']);
    expect(yaml.stdout.startsWith('apiVersion: v1\nkind: Pod\nmetadata:\n')).toBe(true);
    expect(parse(yaml.stdout)).toMatchObject({ kind: 'Pod', metadata: { name: 'kubia', namespace: NS, labels: { app: 'kubia' } } });
    const list = JSON.parse((await cluster.minictl(['get', 'cm', '-n', NS, '-o', 'json'])).stdout) as { kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items.length).toBeGreaterThanOrEqual(4);
    expect((await cluster.minictl(['get', 'po', 'kubia', '-n', NS, '-o', 'jsonpath={.spec.containers[0].image}'])).stdout).toBe('luksa/kubia:v2');
    const names = await cluster.minictl(['get', 'cm', '-n', NS, '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}', '-l', 'nothing!=x']);
    expect(names.stdout.split('\n')).toEqual(expect.arrayContaining(['settings', 'from-list-a', 'from-list-b']));
  });

  it('shows labels, hides headers, and takes TYPE/NAME', async () => {
    const labels = await cluster.minictl(['get', 'pod/kubia', '-n', NS, '--show-labels', '--no-headers']);
    expect(labels.stdout).toMatch(/^kubia\s+0\/1\s+.*\s+app=kubia\n$/);
  });

  it('fails with kubectl\'s messages for unknown types and missing objects, printing what it found', async () => {
    expect(await cluster.minictl(['get', 'foo'])).toEqual({ code: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "foo"\n' });
    const mixed = await cluster.minictl(['get', 'cm', 'settings', 'missing', '-n', NS, '-o', 'name']);
    expect(mixed).toEqual({ code: 1, stdout: 'configmap/settings\n', stderr: 'Error from server (NotFound): configmaps "missing" not found\n' });
  });
});
