// set image and the create deployment / create job shorthands against a real apiserver and etcd.

import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type NamespacedCli } from '../test-support';

let cluster: TestCluster;
const NS = 'set-create';

let ok: NamespacedCli['ok'];
let minictl: NamespacedCli['minictl'];

let jsonpath: NamespacedCli['jsonpath'];

beforeAll(async () => {
  cluster = await TestCluster.start();
  ({ ok, minictl, jsonpath } = cluster.inNamespace(NS));
  expect((await cluster.minictl(['create', 'namespace', NS])).code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('create deployment', () => {
  it('prints the Deployment it would create with --dry-run=client -o yaml, creating nothing', async () => {
    const text = await ok('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3', '--port=80', '--dry-run=client', '-o', 'yaml');
    expect(text).toBe(`apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: web
  namespace: set-create
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  strategy: {}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - image: nginx:1.25
        name: nginx
        ports:
        - containerPort: 80
        resources: {}
status: {}
`);
    expect(await minictl('get', 'deploy', 'web')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): deployments.apps "web" not found\n' });
  });

  it('creates it, then fails with AlreadyExists', async () => {
    expect(await ok('create', 'deployment', 'web', '--image=nginx:1.25', '--image=envoy:v1', '--replicas=3', '--port=80')).toBe('deployment.apps/web created\n');
    expect(await jsonpath('deploy/web', '{.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].ports[0].containerPort}'))
      .toBe('3 web nginx envoy 80');
    expect(await minictl('create', 'deployment', 'web', '--image=nginx')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (AlreadyExists): deployments.apps "web" already exists\n',
    });
  });

  it('checks with the server under --dry-run=server without persisting', async () => {
    expect(await ok('create', 'deploy', 'shadow', '--image=busybox', '--dry-run=server', '--', 'sleep', '3600')).toBe('deployment.apps/shadow created (server dry run)\n');
    expect((await minictl('get', 'deploy', 'shadow')).code).toBe(1);
  });
});

describe('create job', () => {
  it('creates a Job running a command', async () => {
    expect(await ok('create', 'job', 'pi', '--image=perl:5.34', '--', 'perl', '-Mbignum=bpi', '-wle', 'print bpi(20)')).toBe('job.batch/pi created\n');
    expect(await jsonpath('job/pi', '{.spec.template.spec.containers[0].name} {.spec.template.spec.containers[0].command} {.spec.template.spec.restartPolicy}'))
      .toBe('pi ["perl","-Mbignum=bpi","-wle","print bpi(20)"] Never');
  });

  it('instantiates a CronJob\'s job template, owned by the CronJob', async () => {
    expect(await ok('apply', '-f', cluster.file('cron.yaml', `apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    metadata:
      labels:
        app: backup
      annotations:
        team: ops
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: backup:1
`))).toBe('cronjob.batch/backup created\n');
    const preview = parse(await ok('create', 'job', 'backup-preview', '--from=cronjob/backup', '--dry-run=client', '-o', 'yaml')) as { metadata: Record<string, unknown> };
    expect(preview.metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual', team: 'ops' });
    expect(await ok('create', 'job', 'backup-now', '--from=cronjob/backup')).toBe('job.batch/backup-now created\n');
    const job = JSON.parse(await ok('get', 'job', 'backup-now', '-o', 'json')) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string>; ownerReferences: { kind: string; name: string; uid: string; controller: boolean }[] };
      spec: { backoffLimit: number; template: { spec: { containers: { image: string }[] } } };
    };
    const cronUid = await jsonpath('cronjob/backup', '{.metadata.uid}');
    expect(job.metadata.labels.app).toBe('backup');
    expect(job.metadata.annotations).toMatchObject({ 'cronjob.kubernetes.io/instantiate': 'manual', team: 'ops' });
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'backup', uid: cronUid, controller: true })]);
    expect(job.spec.backoffLimit).toBe(2);
    expect(job.spec.template.spec.containers[0].image).toBe('backup:1');
    expect(await minictl('create', 'job', 'x', '--from=cronjob/missing')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): cronjobs.batch "missing" not found\n' });
    expect(await minictl('create', 'job', 'x', '--from=deployment/web')).toEqual({ code: 1, stdout: '', stderr: 'error: unknown object type *v1.Deployment\n' });
  });
});

describe('set image', () => {
  it('updates containers by name and reports it', async () => {
    expect(await ok('set', 'image', 'deployment/web', 'nginx=nginx:1.26', 'envoy=envoy:v2')).toBe('deployment.apps/web image updated\n');
    expect(await jsonpath('deploy/web', '{.spec.template.spec.containers[*].image}')).toBe('nginx:1.26 envoy:v2');
    // Nothing to change: nothing printed, as kubectl.
    expect(await ok('set', 'image', 'deploy', 'web', 'nginx=nginx:1.26')).toBe('');
  });

  it('fails for an unknown container name, still updating the others', async () => {
    expect(await minictl('set', 'image', 'deployment/web', 'nope=x:1', 'envoy=envoy:v3')).toEqual({
      code: 1,
      stdout: 'deployment.apps/web image updated\n',
      stderr: 'error: unable to find container named "nope"\n',
    });
    expect(await jsonpath('deploy/web', '{.spec.template.spec.containers[*].image}')).toBe('nginx:1.26 envoy:v3');
  });

  it('sets every container with *, on pods, jobs and cron jobs too', async () => {
    expect(await ok('set', 'image', 'deploy/web', '*=busybox:1.36')).toBe('deployment.apps/web image updated\n');
    expect(await jsonpath('deploy/web', '{.spec.template.spec.containers[*].image}')).toBe('busybox:1.36 busybox:1.36');
    expect(await ok('apply', '-f', cluster.file('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\nspec:\n  containers:\n  - name: app\n    image: app:1\n'))).toBe('pod/solo created\n');
    expect(await ok('set', 'image', 'pod/solo', 'app=app:2')).toBe('pod/solo image updated\n');
    expect(await jsonpath('pod/solo', '{.spec.containers[0].image}')).toBe('app:2');
    expect(await ok('set', 'image', 'cronjob/backup', 'backup=backup:2')).toBe('cronjob.batch/backup image updated\n');
    expect(await jsonpath('cronjob/backup', '{.spec.jobTemplate.spec.template.spec.containers[0].image}')).toBe('backup:2');
  });

  it('shows the change without making it under --dry-run=client, and selects with -l', async () => {
    expect(await ok('set', 'image', 'deploy', '-l', 'app=web', 'nginx=nginx:9', '--dry-run=client', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe('nginx:9');
    expect(await jsonpath('deploy/web', '{.spec.template.spec.containers[0].image}')).toBe('busybox:1.36');
  });

  it('refuses kinds without pods', async () => {
    expect(await ok('create', '-f', cluster.file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n'))).toBe('configmap/settings created\n');
    expect(await minictl('set', 'image', 'cm/settings', 'a=b')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: configmaps/settings the object is not a pod or does not have a pod template: *v1.ConfigMap\n',
    });
  });
});
