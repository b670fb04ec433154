// scale and rollout against a real apiserver and etcd. No controllers run: the tests create the
// ReplicaSets and ControllerRevisions a controller would, and write status to simulate progress.

import type { ApiObject, appsv1 } from '@minik8s/api';
import { ApiClient, ControllerRevisions, DaemonSets, Deployments, ReplicaSets } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type NamespacedCli } from '../test-support';

let cluster: TestCluster;
let client: ApiClient;
const NS = 'rollout';

let ok: NamespacedCli['ok'];
let minictl: NamespacedCli['minictl'];

const deployments = (): ReturnType<ApiClient['resource']> => client.resource(Deployments).namespace(NS);

/** Writes the Deployment's status as its controller would, having observed its latest generation. */
async function setDeploymentStatus(name: string, status: appsv1.DeploymentStatus): Promise<void> {
  const d = (await deployments().get(name)) as appsv1.Deployment;
  await deployments().updateStatus({ ...d, status: { observedGeneration: d.metadata?.generation, ...status } } as ApiObject);
}

function deploymentYaml(name: string, image: string, replicas = 3): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: nginx
        image: ${image}
`;
}

beforeAll(async () => {
  cluster = await TestCluster.start();
  ({ ok, minictl } = cluster.inNamespace(NS));
  client = new ApiClient(cluster.address, { waitForReady: false });
  expect((await cluster.minictl(['create', 'namespace', NS])).code).toBe(0);
});

afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

describe('scale', () => {
  beforeAll(async () => {
    expect(await ok('create', 'deployment', 'web', '--image=nginx:1.24', '--replicas=2')).toBe('deployment.apps/web created\n');
  });

  const replicas = async (): Promise<string> => ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}');

  it('sets the replicas through the scale subresource', async () => {
    expect(await ok('scale', 'deployment/web', '--replicas=3')).toBe('deployment.apps/web scaled\n');
    expect(await replicas()).toBe('3');
    expect(await ok('scale', 'deploy', 'web', '--replicas', '4', '--dry-run=client')).toBe('deployment.apps/web scaled (dry run)\n');
    expect(await replicas()).toBe('3');
  });

  it('scales only when --current-replicas matches', async () => {
    expect(await minictl('scale', 'deploy', 'web', '--current-replicas=2', '--replicas=5')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: Expected replicas to be 2, was 3\n',
    });
    expect(await replicas()).toBe('3');
    expect(await ok('scale', 'deploy', 'web', '--current-replicas=3', '--replicas=1')).toBe('deployment.apps/web scaled\n');
    expect(await replicas()).toBe('1');
  });

  it('scales only at the given --resource-version', async () => {
    const rv = await ok('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.resourceVersion}');
    expect(await minictl('scale', 'deploy/web', '--resource-version=1', '--replicas=2')).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: Expected resource version to be 1, was ${rv}\n`,
    });
    expect(await ok('scale', 'deploy/web', `--resource-version=${rv}`, '--replicas=2')).toBe('deployment.apps/web scaled\n');
    expect(await replicas()).toBe('2');
  });

  it('scales every object a selector matches, and prints names with -o name', async () => {
    expect(await ok('create', 'deployment', 'api', '--image=api:1')).toBe('deployment.apps/api created\n');
    expect(await ok('scale', 'deployment', '-l', 'app in (web,api)', '--replicas=2', '-o', 'name')).toBe('deployment.apps/api\ndeployment.apps/web\n');
    expect(await ok('get', 'deploy', 'api', '-o', 'jsonpath={.spec.replicas}')).toBe('2');
  });

  it('waits with --timeout until the status reports the new size', async () => {
    const timedOut = await minictl('scale', 'deploy/web', '--replicas=3', '--timeout=1s');
    expect(timedOut).toEqual({ code: 1, stdout: '', stderr: 'error: timed out waiting for "web" to be synced\n' });
    await setDeploymentStatus('web', { replicas: 4 });
    const waiting = minictl('scale', 'deploy/web', '--replicas=4', '--timeout=20s');
    expect(await waiting).toEqual({ code: 0, stdout: 'deployment.apps/web scaled\n', stderr: '' });
  });

  it('reports missing objects and kinds without a scale subresource', async () => {
    expect(await minictl('scale', 'deploy/nope', '--replicas=1')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
    expect(await ok('create', 'job', 'once', '--image=busybox')).toBe('job.batch/once created\n');
    const job = await minictl('scale', 'job/once', '--replicas=1');
    expect(job.code).toBe(1);
    expect(job.stderr).toMatch(/^Error from server \(MethodNotAllowed\): /);
  });
});

describe('rollout status', () => {
  it('prints each new state of a Deployment\'s rollout until it is done', async () => {
    expect(await ok('apply', '-f', cluster.file('progress.yaml', deploymentYaml('progress', 'nginx:1.25')))).toBe('deployment.apps/progress created\n');
    await setDeploymentStatus('progress', { replicas: 3, updatedReplicas: 1, availableReplicas: 2 });
    let output = '';
    const running = cluster.minictl(['rollout', 'status', 'deployment/progress', '-n', NS, '--timeout=30s'], { stdout: { write: (t) => void (output += t) } });
    const line = (text: string): Promise<boolean> => waitFor(() => output.includes(text), { timeoutMs: 15_000, description: text });
    await line('1 out of 3 new replicas have been updated');
    await setDeploymentStatus('progress', { replicas: 4, updatedReplicas: 3, availableReplicas: 3 });
    await line('1 old replicas are pending termination');
    await setDeploymentStatus('progress', { replicas: 3, updatedReplicas: 3, availableReplicas: 1 });
    await line('1 of 3 updated replicas are available');
    await setDeploymentStatus('progress', { replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    expect(await running).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'Waiting for deployment "progress" rollout to finish: 1 out of 3 new replicas have been updated...',
        'Waiting for deployment "progress" rollout to finish: 1 old replicas are pending termination...',
        'Waiting for deployment "progress" rollout to finish: 1 of 3 updated replicas are available...',
        'deployment "progress" successfully rolled out',
        '',
      ].join('\n'),
    });
    expect(await ok('rollout', 'status', 'deploy/progress')).toBe('deployment "progress" successfully rolled out\n');
  });

  it('fails when the Deployment exceeds its progress deadline', async () => {
    expect(await ok('apply', '-f', cluster.file('stuck.yaml', deploymentYaml('stuck', 'nginx:nope')))).toBe('deployment.apps/stuck created\n');
    await setDeploymentStatus('stuck', { replicas: 3, updatedReplicas: 3, availableReplicas: 0 });
    let output = '';
    const running = cluster.minictl(['rollout', 'status', 'deploy/stuck', '-n', NS, '--timeout=30s'], { stdout: { write: (t) => void (output += t) } });
    await waitFor(() => output.includes('0 of 3 updated replicas are available'), { timeoutMs: 15_000, description: 'the waiting line' });
    await setDeploymentStatus('stuck', {
      replicas: 3,
      updatedReplicas: 3,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "stuck-1" has timed out progressing.' }],
    });
    expect(await running).toEqual({
      code: 1,
      stdout: 'Waiting for deployment "stuck" rollout to finish: 0 of 3 updated replicas are available...\n',
      stderr: 'error: deployment "stuck" exceeded its progress deadline\n',
    });
  });

  it('gives up after --timeout, prints once with --watch=false, and waits for the spec to be observed', async () => {
    expect(await ok('apply', '-f', cluster.file('slow.yaml', deploymentYaml('slow', 'nginx:1')))).toBe('deployment.apps/slow created\n');
    expect(await ok('rollout', 'status', 'deploy/slow', '-w=false')).toBe('Waiting for deployment spec update to be observed...\n');
    await setDeploymentStatus('slow', { replicas: 3, updatedReplicas: 2, availableReplicas: 2 });
    expect(await minictl('rollout', 'status', 'deploy/slow', '--timeout=1s')).toEqual({
      code: 1,
      stdout: 'Waiting for deployment "slow" rollout to finish: 2 out of 3 new replicas have been updated...\n',
      stderr: 'error: timed out waiting for the condition\n',
    });
    expect(await ok('rollout', 'status', 'deploy/slow', '--watch=false')).toBe('Waiting for deployment "slow" rollout to finish: 2 out of 3 new replicas have been updated...\n');
  });

  it('refuses kinds without rollouts and reports missing objects', async () => {
    expect(await minictl('rollout', 'status', 'configmap/settings')).toEqual({ code: 1, stdout: '', stderr: 'error: no status viewer has been implemented for ConfigMap\n' });
    expect(await minictl('rollout', 'status', 'deploy/nope')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
  });
});

describe('rollout history, undo, pause, resume and restart of a Deployment', () => {
  let uid = '';

  async function replicaSet(hash: string, revision: number, image: string, cause?: string): Promise<void> {
    const labels = { app: 'hist', 'pod-template-hash': hash };
    const annotations: Record<string, string> = { 'deployment.kubernetes.io/revision': String(revision) };
    if (cause) annotations['kubernetes.io/change-cause'] = cause;
    await client.resource(ReplicaSets).namespace(NS).create({
      metadata: {
        name: `hist-${hash}`,
        namespace: NS,
        labels,
        annotations,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'hist', uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image }] } } },
    });
  }

  const image = (): Promise<string> => ok('get', 'deploy', 'hist', '-o', 'jsonpath={.spec.template.spec.containers[0].image}');

  beforeAll(async () => {
    expect(await ok('apply', '-f', cluster.file('hist.yaml', deploymentYaml('hist', 'nginx:1.24')))).toBe('deployment.apps/hist created\n');
    uid = await ok('get', 'deploy', 'hist', '-o', 'jsonpath={.metadata.uid}');
    await replicaSet('aaaa', 1, 'nginx:1.24', 'initial');
    // What `set image` then the controller would leave: a new template and a second ReplicaSet.
    expect(await ok('set', 'image', 'deployment/hist', 'nginx=nginx:1.25')).toBe('deployment.apps/hist image updated\n');
    await replicaSet('bbbb', 2, 'nginx:1.25', 'minictl set image deployment/hist nginx=nginx:1.25');
    expect(await ok('annotate', 'deploy/hist', 'deployment.kubernetes.io/revision=2')).toBe('deployment.apps/hist annotated\n');
  });

  it('lists the revisions with their change-cause, and shows one revision\'s template', async () => {
    expect(await ok('rollout', 'history', 'deployment/hist')).toBe(
      'deployment.apps/hist \nREVISION  CHANGE-CAUSE\n1         initial\n2         minictl set image deployment/hist nginx=nginx:1.25\n\n',
    );
    const one = await ok('rollout', 'history', 'deployment/hist', '--revision=1');
    expect(one).toMatch(/^deployment\.apps\/hist with revision #1\nPod Template:\n  Labels:\tapp=hist\n\tpod-template-hash=aaaa\n  Annotations:\tkubernetes\.io\/change-cause: initial\n  Containers:\n   nginx:\n    Image:\tnginx:1\.24\n/);
    expect(one.endsWith('\n\n')).toBe(true);
    expect(await minictl('rollout', 'history', 'deployment/hist', '--revision=9')).toEqual({ code: 1, stdout: '', stderr: 'error: unable to find the specified revision\n' });
    expect(await ok('rollout', 'history', 'deploy/web')).toBe('deployment.apps/web \nNo rollout history found.\n');
  });

  it('rolls back to the previous revision, without the pod-template-hash label, and skips a no-op', async () => {
    expect(await image()).toBe('nginx:1.25');
    expect(await ok('rollout', 'undo', 'deployment/hist')).toBe('deployment.apps/hist rolled back\n');
    expect(await image()).toBe('nginx:1.24');
    expect(await ok('get', 'deploy', 'hist', '-o', 'jsonpath={.spec.template.metadata.labels}')).toBe('{"app":"hist"}');
    const annotations = JSON.parse(await ok('get', 'deploy', 'hist', '-o', 'jsonpath={.metadata.annotations}')) as Record<string, string>;
    expect(annotations['deployment.kubernetes.io/revision']).toBe('2');
    expect(annotations['kubernetes.io/change-cause']).toBe('initial');
    expect(await ok('rollout', 'undo', 'deployment/hist', '--to-revision=1')).toBe('deployment.apps/hist skipped rollback (current template already matches revision 1)\n');
    expect(await ok('rollout', 'undo', 'deployment/hist', '--to-revision=2')).toBe('deployment.apps/hist rolled back\n');
    expect(await image()).toBe('nginx:1.25');
    expect(await minictl('rollout', 'undo', 'deployment/hist', '--to-revision=5')).toEqual({ code: 1, stdout: '', stderr: 'error: unable to find specified revision 5 in history\n' });
    expect(await minictl('rollout', 'undo', 'deployment/web')).toEqual({ code: 1, stdout: '', stderr: 'error: no rollout history found for deployment "web"\n' });
  });

  it('pauses and resumes once, and refuses to undo or restart a paused Deployment', async () => {
    expect(await ok('rollout', 'pause', 'deployment/hist')).toBe('deployment.apps/hist paused\n');
    expect(await ok('get', 'deploy', 'hist', '-o', 'jsonpath={.spec.paused}')).toBe('true');
    expect(await minictl('rollout', 'pause', 'deployment/hist')).toEqual({ code: 1, stdout: '', stderr: 'error: deployments.apps "hist" is already paused\n' });
    expect(await minictl('rollout', 'undo', 'deployment/hist')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: you cannot rollback a paused deployment; resume it first with 'minictl rollout resume' and try again\n",
    });
    expect(await minictl('rollout', 'restart', 'deployment/hist')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: deployments.apps "hist" can\'t restart paused deployment (run rollout resume first)\n',
    });
    expect(await ok('rollout', 'resume', 'deployment/hist')).toBe('deployment.apps/hist resumed\n');
    expect(await ok('get', 'deploy', 'hist', '-o', 'jsonpath={.spec.paused}')).toBe('');
    expect(await minictl('rollout', 'resume', 'deployment/hist')).toEqual({ code: 1, stdout: '', stderr: 'error: deployments.apps "hist" is not paused\n' });
  });

  it('restarts by stamping the pod template', async () => {
    const generation = Number(await ok('get', 'deploy', 'hist', '-o', 'jsonpath={.metadata.generation}'));
    expect(await ok('rollout', 'restart', 'deployment/hist')).toBe('deployment.apps/hist restarted\n');
    const stamp = await ok('get', 'deploy', 'hist', '-o', 'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}');
    expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(Number(await ok('get', 'deploy', 'hist', '-o', 'jsonpath={.metadata.generation}'))).toBe(generation + 1);
  });
});

describe('rollout of a DaemonSet', () => {
  const dsYaml = (image: string): string => `apiVersion: apps/v1
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
        image: ${image}
`;

  beforeAll(async () => {
    expect(await ok('apply', '-f', cluster.file('agent.yaml', dsYaml('agent:2')))).toBe('daemonset.apps/agent created\n');
    const ds = await client.resource(DaemonSets).namespace(NS).get('agent');
    // As the controller records them: the stored (defaulted) template, to be put back whole.
    const stored = JSON.parse(await ok('get', 'ds', 'agent', '-o', 'json')) as { spec: { template: { spec: { containers: { image: string }[] } } } };
    for (const [revision, image, cause] of [[1, 'agent:1', ''], [2, 'agent:2', 'bump to 2']] as const) {
      const template = structuredClone(stored.spec.template);
      template.spec.containers[0].image = image;
      const data = { spec: { template: { ...template, $patch: 'replace' } } };
      await client.resource(ControllerRevisions).namespace(NS).create({
        metadata: {
          name: `agent-${revision}`,
          namespace: NS,
          labels: { app: 'agent', 'controller-revision-hash': `h${revision}` },
          annotations: cause ? { 'kubernetes.io/change-cause': cause } : undefined,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata?.uid, controller: true }],
        },
        revision,
        data: { raw: Buffer.from(JSON.stringify(data)) },
      });
    }
  });

  it('shows history from ControllerRevisions and rolls back to the previous one', async () => {
    expect(await ok('rollout', 'history', 'ds/agent')).toBe('daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         bump to 2\n\n');
    expect(await ok('rollout', 'history', 'ds/agent', '--revision=1')).toMatch(/^daemonset\.apps\/agent with revision #1\nPod Template:\n  Labels:\tapp=agent\n  Containers:\n   agent:\n    Image:\tagent:1\n/);
    expect(await ok('rollout', 'undo', 'daemonset/agent')).toBe('daemonset.apps/agent rolled back\n');
    expect(await ok('get', 'ds', 'agent', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe('agent:1');
    expect(await ok('rollout', 'undo', 'daemonset/agent', '--to-revision=1')).toBe('daemonset.apps/agent skipped rollback (current template already matches revision 1)\n');
  });

  it('follows the DaemonSet\'s status, restarts it, and cannot pause it', async () => {
    const ds = await client.resource(DaemonSets).namespace(NS).get('agent');
    await client.resource(DaemonSets).namespace(NS).updateStatus({
      ...ds,
      status: { observedGeneration: ds.metadata?.generation, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 },
    });
    expect(await ok('rollout', 'status', 'ds/agent', '-w=false')).toBe('Waiting for daemon set "agent" rollout to finish: 1 of 2 updated pods are available...\n');
    expect(await ok('rollout', 'restart', 'ds/agent')).toBe('daemonset.apps/agent restarted\n');
    expect(await minictl('rollout', 'pause', 'ds/agent')).toEqual({ code: 1, stdout: '', stderr: 'error: daemonsets.apps "agent" pausing is not supported\n' });
  });
});
