import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { corev1 } from '@minik8s/api';
import { ConfigMaps, Events, PersistentVolumeClaims, PersistentVolumes, Secrets } from '@minik8s/client';
import { freePort, waitFor } from '@minik8s/testing';
import { healthServiceDefinition, type ServingStatus } from './prober/grpc-health';
import { conditionOf, KubeletFixture, statusOf } from './test/fixture';

// Lifecycle hooks, gRPC probes and the volume types beyond the basic four, on real Docker.
const f = new KubeletFixture('10.244.247.0/24');

beforeAll(async () => {
  await f.setUp();
  await f.startKubelet();
});

afterAll(async () => {
  await f.tearDown();
});

async function eventsOf(pod: string): Promise<corev1.Event[]> {
  return (await f.client.resource(Events).namespace('default').list()).items.filter((e) => e.involvedObject?.name === pod);
}

async function waitForEvent(pod: string, reason: string, timeoutMs = 30_000, message?: string): Promise<corev1.Event> {
  return waitFor(async () => (await eventsOf(pod)).find((e) => e.reason === reason && (message === undefined || e.message === message)), {
    timeoutMs,
    intervalMs: 200,
    description: `event ${reason} for ${pod}${message ? `: ${message}` : ''}`,
  });
}

async function waitGone(name: string, uid: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await f.pods().get(name)).metadata?.uid !== uid;
      } catch (err) {
        return /not found/i.test((err as Error).message);
      }
    },
    { timeoutMs: 30_000, description: `pod ${name} removed` },
  );
}

function containerId(pod: corev1.Pod, name: string): string {
  return (statusOf(pod, name)?.containerID ?? '').replace('docker://', '');
}

async function sh(id: string, cmd: string): Promise<string> {
  return (await f.kubelet!.runtime.exec(id, ['sh', '-c', cmd], 10_000)).output;
}

describe('lifecycle hooks', () => {
  it('runs postStart after the start, and kills a container whose postStart fails (FailedPostStartHook)', async () => {
    await f.pods().create(
      f.pod('post-start', {
        containers: [{ name: 'c', command: ['sh', '-c', 'exec sleep 3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hooked > /tmp/post-start'] } } } }],
      }),
    );
    const ok = await f.waitForPod('post-start', (p) => statusOf(p, 'c')?.ready === true);
    expect(await sh(containerId(ok, 'c'), 'cat /tmp/post-start')).toBe('hooked\n');

    await f.pods().create(
      f.pod('post-start-fails', {
        containers: [{ name: 'c', command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo broken; exit 1'] } } } }],
      }),
    );
    const event = await waitForEvent('post-start-fails', 'FailedPostStartHook');
    expect(event.type).toBe('Warning');
    expect(event.message).toMatch(/^Exec lifecycle hook \(\[sh -c echo broken; exit 1\]\) for Container "c" in Pod "post-start-fails_default\(.+\)" failed - error: .*message: "broken\\n"$/);
    // Killed, then restarted under restartPolicy Always.
    const restarted = await f.waitForPod('post-start-fails', (p) => (statusOf(p, 'c')?.restartCount ?? 0) >= 1, { timeoutMs: 40_000 });
    expect(statusOf(restarted, 'c')?.lastState?.terminated).toBeDefined();
    expect((await eventsOf('post-start-fails')).some((e) => e.reason === 'Killing' && e.message === 'FailedPostStartHook')).toBe(true);
    await f.pods().delete('post-start-fails', { gracePeriodSeconds: 0 });
  });

  it('runs preStop before the stop signal, and reports a failing preStop (FailedPreStopHook) without holding up the deletion', async () => {
    const shared = join(f.rootDir, 'pre-stop');
    const created = await f.pods().create(
      f.pod('pre-stop', {
        terminationGracePeriodSeconds: 10,
        volumes: [{ name: 'shared', hostPath: { path: shared, type: 'DirectoryOrCreate' } }],
        containers: [
          {
            name: 'c',
            command: ['sh', '-c', "trap 'echo term >> /shared/log; exit 0' TERM; while :; do sleep 0.1; done"],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo pre-stop >> /shared/log; sleep 1'] } } },
          },
          {
            name: 'bad-hook',
            command: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.1; done"],
            lifecycle: { preStop: { httpGet: { path: '/shutdown', port: { type: 0, intVal: 1 } } } },
          },
        ],
      }),
    );
    const uid = created.metadata?.uid ?? '';
    await f.waitForPod('pre-stop', (p) => conditionOf(p, 'Ready')?.status === 'True');
    await f.pods().delete('pre-stop');
    await waitGone('pre-stop', uid);
    expect(readFileSync(join(shared, 'log'), 'utf8')).toBe('pre-stop\nterm\n');
    const failed = await waitForEvent('pre-stop', 'FailedPreStopHook');
    expect(failed.message).toMatch(/^HTTP lifecycle hook \(\/shutdown\) for Container "bad-hook" in Pod "pre-stop_default\(.+\)" failed - error: /);
    expect(await f.containersOf(uid)).toHaveLength(0);
  });
});

describe('gRPC probes', () => {
  let server: grpc.Server | undefined;
  afterAll(() => server?.forceShutdown());

  it('drives readiness from grpc.health.v1 Health/Check (SERVING, then NOT_SERVING)', async () => {
    // A host-network pod's IP is the node's (127.0.0.1 here): the health server runs in the test.
    let status: ServingStatus = 'SERVING';
    const services: string[] = [];
    server = new grpc.Server();
    server.addService(healthServiceDefinition, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, ServingStatus>, callback: grpc.sendUnaryData<ServingStatus>) => {
        services.push(call.request.service);
        callback(null, status);
      },
    });
    const port = await freePort();
    await new Promise<void>((resolve, reject) => server!.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    await f.pods().create(
      f.pod('grpc-probed', {
        hostNetwork: true,
        containers: [{ name: 'c', command: ['sleep', '3600'], readinessProbe: { grpc: { port, service: 'db' }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 1 } }],
      }),
    );
    await f.waitForPod('grpc-probed', (p) => conditionOf(p, 'Ready')?.status === 'True');
    expect(services).toContain('db');
    status = 'NOT_SERVING';
    const unready = await f.waitForPod('grpc-probed', (p) => conditionOf(p, 'Ready')?.status === 'False');
    expect(statusOf(unready, 'c')?.ready).toBe(false);
    // Under load a probe may also time out; the NOT_SERVING answer must be among the reports.
    await waitForEvent('grpc-probed', 'Unhealthy', 30_000, 'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")');
    await f.pods().delete('grpc-probed', { gracePeriodSeconds: 0 });
  });
});

describe('volumes', () => {
  it('projects downwardAPI, projected and configMap volumes, and updates them in running pods through the ..data swap', async () => {
    await f.client.resource(ConfigMaps).namespace('default').create({ metadata: { name: 'live', namespace: 'default' }, data: { mode: 'v1' } });
    await f.pods().create(
      f.pod(
        'projections',
        {
          volumes: [
            { name: 'cfg', configMap: { name: 'live' } },
            {
              name: 'info',
              downwardAPI: {
                items: [
                  { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                  { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                  { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
                ],
              },
            },
            {
              name: 'all',
              projected: {
                sources: [
                  { configMap: { name: 'live', items: [{ key: 'mode', path: 'cfg/mode' }] } },
                  { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
                  { serviceAccountToken: { path: 'token' } },
                ],
              },
            },
          ],
          containers: [
            {
              name: 'c',
              command: ['sleep', '3600'],
              resources: { limits: { memory: '64Mi' } },
              volumeMounts: [
                { name: 'cfg', mountPath: '/etc/cfg' },
                { name: 'info', mountPath: '/etc/info' },
                { name: 'all', mountPath: '/etc/all' },
              ],
            },
          ],
        },
        { app: 'demo' },
      ),
    );
    const pod = await f.waitForPod('projections', (p) => statusOf(p, 'c')?.ready === true);
    const id = containerId(pod, 'c');
    expect(await sh(id, 'cat /etc/cfg/mode')).toBe('v1');
    expect(await sh(id, 'cat /etc/info/labels; echo; cat /etc/info/name; echo; cat /etc/info/mem')).toBe('app="demo"\nprojections\n64');
    expect(await sh(id, 'cat /etc/all/cfg/mode; echo; cat /etc/all/ns')).toBe('v1\ndefault');
    expect(await sh(id, 'cut -d. -f1 /etc/all/token | base64 -d 2>/dev/null || true')).toContain('"alg":"none"');
    expect(await sh(id, 'readlink /etc/cfg/mode; readlink /etc/cfg/..data')).toMatch(/^\.\.data\/mode\n\.\.\d{4}_/);

    await f.client.resource(ConfigMaps).namespace('default').patch('live', 'application/merge-patch+json', { data: { mode: 'v2' } });
    await f.pods().patch('projections', 'application/merge-patch+json', { metadata: { labels: { app: 'demo', tier: 'web' } } });
    await waitFor(async () => (await sh(id, 'cat /etc/cfg/mode; echo; cat /etc/all/cfg/mode')) === 'v2\nv2', { timeoutMs: 60_000, intervalMs: 500, description: 'configMap update in the pod' });
    await waitFor(async () => (await sh(id, 'cat /etc/info/labels')) === 'app="demo"\ntier="web"', { timeoutMs: 60_000, intervalMs: 500, description: 'labels update in the pod' });
    // The container was not restarted for it.
    expect(statusOf(await f.pods().get('projections'), 'c')?.restartCount).toBe(0);
  });

  it('mounts emptyDir medium Memory as a sized tmpfs, and subPath and readOnly mounts', async () => {
    await f.client.resource(ConfigMaps).namespace('default').create({ metadata: { name: 'sub', namespace: 'default' }, data: { 'app.conf': 'x=1\n', other: 'y' } });
    const created = await f.pods().create(
      f.pod('mem-and-sub', {
        volumes: [
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
          { name: 'scratch', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'sub' } },
        ],
        containers: [
          {
            name: 'c',
            command: ['sh', '-c', 'echo hi > /scratch-sub/hello; echo me > /by-pod/who; exec sleep 3600'],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            volumeMounts: [
              { name: 'scratch', mountPath: '/by-pod', subPathExpr: 'pods/$(POD_NAME)' },
              { name: 'mem', mountPath: '/mem' },
              { name: 'scratch', mountPath: '/scratch-sub', subPath: 'nested/dir' },
              { name: 'scratch', mountPath: '/scratch-ro', readOnly: true },
              { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
            ],
          },
        ],
      }),
    );
    const pod = await f.waitForPod('mem-and-sub', (p) => statusOf(p, 'c')?.ready === true);
    const id = containerId(pod, 'c');
    const mounts = await sh(id, 'grep " /mem " /proc/mounts');
    expect(mounts).toMatch(/^tmpfs \/mem tmpfs /);
    expect(mounts).toMatch(/size=16384k/);
    expect(await sh(id, 'cat /scratch-ro/nested/dir/hello')).toBe('hi\n');
    expect(await sh(id, 'cat /scratch-ro/pods/mem-and-sub/who')).toBe('me\n');
    expect(await sh(id, 'touch /scratch-ro/x 2>/dev/null || echo read-only')).toBe('read-only\n');
    expect(await sh(id, 'cat /etc/app.conf')).toBe('x=1\n');
    const uid = created.metadata?.uid ?? '';
    const memDir = join(f.rootDir, 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'mem');
    expect(readFileSync('/proc/self/mounts', 'utf8')).toContain(` ${memDir} tmpfs `);
    // Deleting the pod unmounts the tmpfs and removes the pod's directory.
    await f.pods().delete('mem-and-sub', { gracePeriodSeconds: 0 });
    await waitGone('mem-and-sub', uid);
    await waitFor(() => !existsSync(join(f.rootDir, 'pods', uid)), { timeoutMs: 20_000, description: 'pod directory removed' });
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(memDir);
  });

  it('evicts a pod whose disk emptyDir grows past its sizeLimit', async () => {
    const created = await f.pods().create(
      f.pod('over-limit', {
        volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Mi' } }],
        containers: [{ name: 'c', command: ['sh', '-c', 'dd if=/dev/zero of=/scratch/big bs=1024 count=2048; exec sleep 3600'], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] }],
      }),
    );
    const pod = await f.waitForPod('over-limit', (p) => p.status?.phase === 'Failed', { timeoutMs: 40_000 });
    expect(pod.status?.reason).toBe('Evicted');
    expect(pod.status?.message).toBe('Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ');
    await waitFor(async () => (await f.containersOf(created.metadata?.uid ?? '')).every((c) => c.State !== 'running'), { timeoutMs: 20_000, description: 'containers stopped' });
  });

  it('waits with FailedMount for an unbound claim, then bind-mounts the bound PersistentVolume (DirectoryOrCreate)', async () => {
    const pvPath = join(f.rootDir, 'pv-data', 'vol1');
    await f.client.resource(PersistentVolumeClaims).namespace('default').create({
      metadata: { name: 'claim', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' },
    });
    await f.pods().create(
      f.pod('with-claim', {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'claim' } }],
        containers: [{ name: 'c', command: ['sh', '-c', 'echo persisted > /data/out; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      }),
    );
    const failed = await waitForEvent('with-claim', 'FailedMount');
    expect(failed.message).toBe('Unable to attach or mount volumes: unmounted volumes=[data]: error processing PVC default/claim: PVC is not bound');
    const waiting = await f.waitForPod('with-claim', (p) => statusOf(p, 'c')?.state?.waiting?.reason === 'ContainerCreating');
    expect(waiting.status?.phase).toBe('Pending');

    await f.client.resource(PersistentVolumes).create({
      metadata: { name: 'pv-1' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: pvPath, type: 'DirectoryOrCreate' }, storageClassName: '' },
    });
    // What the PV controller would do: bind the claim to the volume.
    const claims = f.client.resource(PersistentVolumeClaims).namespace('default');
    const claim = await claims.get('claim');
    const bound = await claims.update({ ...claim, spec: { ...claim.spec, volumeName: 'pv-1' } });
    await claims.updateStatus({ ...bound, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } });

    await f.waitForPod('with-claim', (p) => statusOf(p, 'c')?.ready === true, { timeoutMs: 30_000 });
    await waitFor(() => existsSync(join(pvPath, 'out')), { timeoutMs: 10_000, description: 'file written to the PersistentVolume' });
    expect(readFileSync(join(pvPath, 'out'), 'utf8')).toBe('persisted\n');
  });
});

// Debian's docker-registry (Distribution 2.8); CI installs it only for the compose cluster.
const REGISTRY_BIN = '/usr/bin/docker-registry';

describe.skipIf(!existsSync(REGISTRY_BIN))('imagePullSecrets against a registry with basic auth', () => {
  let registry: ChildProcess | undefined;
  afterAll(async () => {
    registry?.kill('SIGTERM');
  });

  it('pulls a private image with the pod\'s dockerconfigjson secret, and fails without it', async () => {
    // htpasswd entry for puller:s3cret-pull, made with crypt(3) blowfish (Distribution takes only bcrypt).
    const user = 'puller';
    const password = 's3cret-pull';
    const dir = join(f.rootDir, 'registry');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'htpasswd'), `${user}:$2b$04$qzkKZE16P5TK5PdV349Ije2vDgi3SNeWCbYHacrTWfRITagzxds7O\n`);
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log: {level: error}',
        `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}}`,
        `http: {addr: "127.0.0.1:${port}"}`,
        `auth: {htpasswd: {realm: minik8s-test, path: ${join(dir, 'htpasswd')}}}`,
        '',
      ].join('\n'),
    );
    registry = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => undefined))?.status === 401, {
      timeoutMs: 20_000,
      description: 'registry answering 401',
    });

    // Push the test busybox as a private image, then drop the local tag so only a pull can bring it back.
    const image = `127.0.0.1:${port}/private/busybox:${f.runId}`;
    const [repo, tag] = [image.slice(0, image.lastIndexOf(':')), f.runId];
    await f.docker.getImage(f.busybox).tag({ repo, tag });
    const auth = { username: user, password, serveraddress: `127.0.0.1:${port}` };
    const push = await f.docker.getImage(image).push({ authconfig: auth });
    await new Promise<void>((resolve, reject) => f.docker.modem.followProgress(push, (err: Error | null) => (err ? reject(err) : resolve())));
    await f.docker.getImage(image).remove();

    await f.client.resource(Secrets).namespace('default').create({
      metadata: { name: 'regcred', namespace: 'default' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } })) },
    });
    await f.pods().create(f.pod('anonymous-pull', { containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] }));
    const denied = await f.waitForPod('anonymous-pull', (p) => statusOf(p, 'c')?.state?.waiting?.reason === 'ErrImagePull', { timeoutMs: 30_000 });
    expect(statusOf(denied, 'c')?.state?.waiting?.message).toMatch(/no basic auth credentials|unauthorized|authentication required/i);

    await f.pods().create(
      f.pod('private-pull', {
        imagePullSecrets: [{ name: 'regcred' }],
        containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
      }),
    );
    const pod = await f.waitForPod('private-pull', (p) => statusOf(p, 'c')?.ready === true, { timeoutMs: 60_000 });
    expect(statusOf(pod, 'c')?.image).toBe(image);
    const pulled = await waitForEvent('private-pull', 'Pulled');
    expect(pulled.message).toMatch(/^Successfully pulled image "[^"]+" in \S+ \(\S+ including waiting\)\. Image size: \d+ bytes\.$/);
    expect(pulled.message).toContain(`"${image}"`);
    expect(pulled.involvedObject?.fieldPath).toBe('spec.containers{c}');
    await f.pods().delete('anonymous-pull', { gracePeriodSeconds: 0 });
  });
});
