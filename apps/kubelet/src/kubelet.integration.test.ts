import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMaps, Events, Leases, Nodes, Secrets } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { conditionOf, inCidr, KubeletFixture, statusOf } from './test/fixture';

const f = new KubeletFixture('10.244.250.0/24');

beforeAll(async () => {
  await f.setUp();
  await f.startKubelet();
});

afterAll(async () => {
  await f.tearDown();
});

describe('kubelet on Docker', () => {
  it('registers a Ready node with capacity, addresses, node info and a lease', async () => {
    const node = await waitFor(
      async () => {
        const n = await f.client.resource(Nodes).get(f.nodeName);
        return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
      },
      { timeoutMs: 20_000, description: 'node Ready' },
    );
    expect(node.spec?.podCIDR).toBe(f.podCIDR);
    expect(Number(node.status?.capacity?.cpu)).toBeGreaterThan(0);
    expect(node.status?.capacity?.memory).toMatch(/^\d+Ki$/);
    expect(node.status?.capacity?.pods).toBe('110');
    expect(node.status?.capacity?.['ephemeral-storage']).toMatch(/^\d+Ki$/);
    expect(node.status?.allocatable?.pods).toBe('110');
    expect(node.status?.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: f.nodeName },
    ]);
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^docker:\/\/\d+\./);
    expect(node.status?.nodeInfo?.operatingSystem).toBe('linux');
    expect(node.status?.nodeInfo?.kubeletVersion).toMatch(/^v1\./);
    expect(node.metadata?.labels?.['kubernetes.io/hostname']).toBe(f.nodeName);
    const types = (node.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort();
    expect(types).toEqual(['DiskPressure=False', 'MemoryPressure=False', 'PIDPressure=False', 'Ready=True']);

    const lease = await f.client.resource(Leases).namespace('kube-node-lease').get(f.nodeName);
    expect(lease.spec?.holderIdentity).toBe(f.nodeName);
    const first = lease.spec?.renewTime;
    await waitFor(async () => (await f.client.resource(Leases).namespace('kube-node-lease').get(f.nodeName)).spec?.renewTime !== first, {
      timeoutMs: 5_000,
      description: 'lease renewal',
    });
  });

  it('runs a pod: sandbox on the pod network, containers sharing it, labels, env, Running and Ready', async () => {
    await f.client.resource(ConfigMaps).namespace('default').create({ metadata: { name: 'cfg', namespace: 'default' }, data: { color: 'blue' } });
    const started = Date.now();
    const created = await f.pods().create(
      f.pod('web', {
        containers: [
          {
            name: 'main',
            command: ['sh', '-c', 'echo started; exec sleep 3600'],
            env: [
              { name: 'GREETING', value: 'hello' },
              { name: 'MSG', value: '$(GREETING) world' },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
            ],
          },
          { name: 'side', command: ['sleep', '3600'] },
        ],
      }),
    );
    const uid = created.metadata?.uid ?? '';
    const pod = await f.waitForPod('web', (p) => p.status?.phase === 'Running' && conditionOf(p, 'Ready')?.status === 'True');
    const elapsed = Date.now() - started;
    console.log(`pod web: created → Running and Ready in ${elapsed} ms`);
    expect(pod.status?.qosClass).toBe('BestEffort');
    expect(pod.status?.hostIP).toBe('127.0.0.1');
    expect(inCidr(pod.status?.podIP ?? '', f.podCIDR)).toBe(true);
    expect(pod.status?.podIPs).toEqual([{ ip: pod.status?.podIP }]);
    expect(pod.status?.startTime).toBeTruthy();
    for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) expect(conditionOf(pod, type)?.status).toBe('True');
    const main = statusOf(pod, 'main');
    expect(main?.ready).toBe(true);
    expect(main?.started).toBe(true);
    expect(main?.restartCount).toBe(0);
    expect(main?.state?.running?.startedAt).toBeTruthy();
    expect(main?.containerID).toMatch(/^docker:\/\/[0-9a-f]{64}$/);
    expect(main?.imageID).toMatch(/^docker:\/\/sha256:/);
    expect(main?.image).toBe(f.busybox);

    const containers = await f.containersOf(uid);
    expect(containers).toHaveLength(3);
    const sandbox = containers.find((c) => c.Labels['io.kubernetes.container.name'] === 'POD');
    expect(sandbox?.Labels['io.kubernetes.docker.type']).toBe('podsandbox');
    for (const c of containers) {
      expect(c.Labels['io.kubernetes.pod.uid']).toBe(uid);
      expect(c.Labels['io.kubernetes.pod.name']).toBe('web');
      expect(c.Labels['io.kubernetes.pod.namespace']).toBe('default');
      expect(c.State).toBe('running');
    }
    const app = containers.find((c) => c.Labels['io.kubernetes.container.name'] === 'main');
    expect(app?.Labels['io.kubernetes.container.restartCount']).toBe('0');
    expect(main?.containerID).toBe(`docker://${app?.Id}`);
    const appInfo = await f.docker.getContainer(app?.Id ?? '').inspect();
    expect(appInfo.HostConfig.NetworkMode).toBe(`container:${sandbox?.Id}`);
    expect(appInfo.HostConfig.IpcMode).toBe(`container:${sandbox?.Id}`);
    expect(appInfo.Config.Env).toEqual(
      expect.arrayContaining(['GREETING=hello', 'MSG=hello world', 'POD_NAME=web', `POD_IP=${pod.status?.podIP}`, 'COLOR=blue']),
    );
    // Same network namespace: both containers see the pod IP; the hostname is the pod's name.
    const exec = async (id: string, cmd: string[]): Promise<string> => (await f.kubelet!.runtime.exec(id, cmd, 5_000)).output.trim();
    expect(await exec(app?.Id ?? '', ['hostname'])).toBe('web');
    const side = containers.find((c) => c.Labels['io.kubernetes.container.name'] === 'side');
    expect(await exec(side?.Id ?? '', ['sh', '-c', 'ip -4 -o addr show eth0'])).toContain(pod.status?.podIP);
    expect(await exec(app?.Id ?? '', ['sh', '-c', 'ip -4 -o addr show eth0'])).toContain(pod.status?.podIP);
    // Kubelet-managed /etc/hosts and resolv.conf (dnsPolicy ClusterFirst).
    expect(await exec(app?.Id ?? '', ['cat', '/etc/hosts'])).toContain(`${pod.status?.podIP}\tweb`);
    const resolv = await exec(side?.Id ?? '', ['cat', '/etc/resolv.conf']);
    expect(resolv).toContain('nameserver 10.96.0.10');
    expect(resolv).toContain('search default.svc.cluster.local svc.cluster.local cluster.local');
    expect(resolv).toContain('options ndots:5');
  });

  it('reports a container that exits 1 under restartPolicy Never as Failed with reason Error', async () => {
    await f.pods().create(f.pod('fail-once', { restartPolicy: 'Never', containers: [{ name: 'c', command: ['sh', '-c', 'echo bye; exit 1'] }] }));
    const pod = await f.waitForPod('fail-once', (p) => p.status?.phase === 'Failed');
    const c = statusOf(pod, 'c');
    expect(c?.state?.terminated?.exitCode).toBe(1);
    expect(c?.state?.terminated?.reason).toBe('Error');
    expect(c?.state?.terminated?.finishedAt).toBeTruthy();
    expect(c?.restartCount).toBe(0);
    expect(c?.ready).toBe(false);
    expect(conditionOf(pod, 'Ready')?.status).toBe('False');
  });

  it('reports termination messages from terminationMessagePath, or the logs with FallbackToLogsOnError', async () => {
    await f.pods().create(
      f.pod('messages', {
        restartPolicy: 'Never',
        containers: [
          { name: 'file', command: ['sh', '-c', 'echo -n "all done" > /dev/termination-log; exit 0'] },
          { name: 'custom', terminationMessagePath: '/tmp/msg', command: ['sh', '-c', 'echo -n custom > /tmp/msg; exit 2'] },
          { name: 'logs', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo line1; echo oops >&2; exit 1'] },
        ],
      }),
    );
    const pod = await f.waitForPod('messages', (p) => p.status?.phase === 'Failed' && (p.status.containerStatuses ?? []).every((c) => c.state?.terminated));
    expect(statusOf(pod, 'file')?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', message: 'all done' });
    expect(statusOf(pod, 'custom')?.state?.terminated).toMatchObject({ exitCode: 2, message: 'custom' });
    // stdout and stderr interleave in any order.
    expect(statusOf(pod, 'logs')?.state?.terminated?.message?.split('\n').sort()).toEqual(['', 'line1', 'oops']);
  });

  it('reports Succeeded with reason Completed when every container exits 0', async () => {
    await f.pods().create(f.pod('job-like', { restartPolicy: 'OnFailure', containers: [{ name: 'c', command: ['true'] }] }));
    const pod = await f.waitForPod('job-like', (p) => p.status?.phase === 'Succeeded');
    expect(statusOf(pod, 'c')?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('restarts a crashing container under restartPolicy Always with back-off: restartCount grows, CrashLoopBackOff shows', async () => {
    const created = await f.pods().create(f.pod('crasher', { containers: [{ name: 'c', command: ['sh', '-c', 'exit 3'] }] }));
    const pod = await f.waitForPod(
      'crasher',
      (p) => {
        const c = statusOf(p, 'c');
        // Between crashes the container runs for a moment and the pod is briefly Ready; judge
        // a status taken while it waits out its back-off.
        return (c?.restartCount ?? 0) >= 3 && c?.state?.waiting?.reason === 'CrashLoopBackOff';
      },
      { timeoutMs: 60_000 },
    );
    expect(pod.status?.phase).toBe('Running');
    const c = statusOf(pod, 'c');
    expect(c?.lastState?.terminated?.exitCode).toBe(3);
    expect(c?.lastState?.terminated?.reason).toBe('Error');
    expect(conditionOf(pod, 'Ready')?.status).toBe('False');
    // Old instances are garbage-collected: at most two per container, plus the sandbox.
    const containers = await f.containersOf(created.metadata?.uid ?? '');
    expect(containers.length).toBeLessThanOrEqual(3);
  }, 90_000);

  it('runs init containers one by one before the app containers', async () => {
    await f.pods().create(
      f.pod('with-init', {
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [
          { name: 'first', command: ['sh', '-c', 'echo one >> /work/log'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
          { name: 'second', command: ['sh', '-c', 'sleep 0.5; echo two >> /work/log'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        ],
        containers: [{ name: 'app', command: ['sh', '-c', 'echo app >> /work/log; exec sleep 3600'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      }),
    );
    const pending = await f.waitForPod('with-init', (p) => p.status?.phase === 'Pending' && !!p.status?.initContainerStatuses?.length, { timeoutMs: 10_000 });
    expect(conditionOf(pending, 'Initialized')?.status).toBe('False');
    const pod = await f.waitForPod('with-init', (p) => p.status?.phase === 'Running' && statusOf(p, 'app')?.ready === true);
    expect(conditionOf(pod, 'Initialized')?.status).toBe('True');
    const first = statusOf(pod, 'first')?.state?.terminated;
    const second = statusOf(pod, 'second')?.state?.terminated;
    expect(first).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(second).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(Date.parse(second?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(first?.finishedAt ?? ''));
    const appId = (statusOf(pod, 'app')?.containerID ?? '').replace('docker://', '');
    expect((await f.kubelet!.runtime.exec(appId, ['cat', '/work/log'], 5_000)).output).toBe('one\ntwo\napp\n');
  });

  it('reports ErrImageNeverPull and ErrImagePull/ImagePullBackOff for images the engine lacks', async () => {
    await f.pods().create(f.pod('never-pull', { containers: [{ name: 'c', image: 'minik8s-kubelet-test/missing:1', imagePullPolicy: 'Never' }] }));
    // A registry on loopback that refuses connections: the pull fails without leaving the machine.
    await f.pods().create(f.pod('cannot-pull', { containers: [{ name: 'c', image: '127.0.0.1:1/minik8s-kubelet-test/missing:1', imagePullPolicy: 'IfNotPresent' }] }));
    const never = await f.waitForPod('never-pull', (p) => statusOf(p, 'c')?.state?.waiting?.reason === 'ErrImageNeverPull');
    expect(statusOf(never, 'c')?.state?.waiting?.message).toContain('is not present with pull policy of Never');
    expect(never.status?.phase).toBe('Pending');
    await f.waitForPod('cannot-pull', (p) => statusOf(p, 'c')?.state?.waiting?.reason === 'ErrImagePull', { timeoutMs: 10_000 });
    const backoff = await f.waitForPod('cannot-pull', (p) => statusOf(p, 'c')?.state?.waiting?.reason === 'ImagePullBackOff', { timeoutMs: 10_000 });
    expect(statusOf(backoff, 'c')?.state?.waiting?.message).toBe('Back-off pulling image "127.0.0.1:1/minik8s-kubelet-test/missing:1"');
  });

  it('deletes a pod gracefully: stops and removes its containers, then the object goes away', async () => {
    // The shell ignores SIGTERM as PID 1 only if it has no handler: trap it and exit 0.
    const created = await f.pods().create(
      f.pod('to-delete', { terminationGracePeriodSeconds: 5, containers: [{ name: 'c', command: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.1; done"] }] }),
    );
    const uid = created.metadata?.uid ?? '';
    await f.waitForPod('to-delete', (p) => p.status?.phase === 'Running');
    expect((await f.containersOf(uid)).length).toBe(2);
    const started = Date.now();
    await f.pods().delete('to-delete');
    await waitFor(
      async () => {
        try {
          const p = await f.pods().get('to-delete');
          return p.metadata?.uid !== uid;
        } catch (err) {
          return /not found/i.test((err as Error).message);
        }
      },
      { timeoutMs: 20_000, description: 'pod object removed' },
    );
    console.log(`pod to-delete: delete → object gone in ${Date.now() - started} ms`);
    expect(await f.containersOf(uid)).toHaveLength(0);
  });

  it('drives Ready from readiness probes (httpGet, tcpSocket) and restarts a container whose liveness probe (exec) fails', async () => {
    await f.pods().create(
      f.pod('probed', {
        containers: [
          {
            name: 'web',
            command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/index.html', port: { type: 1, strVal: 'http' } }, periodSeconds: 1, failureThreshold: 1 },
            livenessProbe: { exec: { command: ['sh', '-c', 'test ! -f /tmp/die'] }, periodSeconds: 1, failureThreshold: 1 },
          },
          { name: 'tcp', command: ['sleep', '3600'], readinessProbe: { tcpSocket: { port: { type: 0, intVal: 8080 } }, periodSeconds: 1 } },
        ],
      }),
    );
    const ready = await f.waitForPod('probed', (p) => conditionOf(p, 'Ready')?.status === 'True');
    const webId = (statusOf(ready, 'web')?.containerID ?? '').replace('docker://', '');
    // Readiness: the page goes away, the pod is no longer Ready; it comes back, Ready again.
    await f.kubelet!.runtime.exec(webId, ['rm', '/www/index.html'], 5_000);
    const unready = await f.waitForPod('probed', (p) => conditionOf(p, 'Ready')?.status === 'False');
    expect(statusOf(unready, 'web')?.ready).toBe(false);
    expect(statusOf(unready, 'tcp')?.ready).toBe(true);
    expect(conditionOf(unready, 'ContainersReady')?.message).toBe('containers with unready status: [web]');
    // Every failed attempt is reported; the repeats fold into one Event whose count grows.
    const unhealthy = await waitFor(
      async () =>
        (await f.client.resource(Events).namespace('default').list()).items.find(
          (e) =>
            e.involvedObject?.name === 'probed' &&
            e.reason === 'Unhealthy' &&
            e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 404' &&
            (e.count ?? 0) >= 2,
        ),
      { timeoutMs: 30_000, intervalMs: 200, description: 'Unhealthy event for probed with count >= 2' },
    );
    expect(unhealthy.type).toBe('Warning');
    expect(unhealthy.source?.component).toBe('kubelet');
    expect(Date.parse(unhealthy.lastTimestamp ?? '')).toBeGreaterThanOrEqual(Date.parse(unhealthy.firstTimestamp ?? ''));
    await f.kubelet!.runtime.exec(webId, ['sh', '-c', 'echo ok > /www/index.html'], 5_000);
    await f.waitForPod('probed', (p) => conditionOf(p, 'Ready')?.status === 'True');
    // Liveness: the container is restarted.
    await f.kubelet!.runtime.exec(webId, ['touch', '/tmp/die'], 5_000);
    const restarted = await f.waitForPod('probed', (p) => statusOf(p, 'web')?.restartCount === 1 && conditionOf(p, 'Ready')?.status === 'True');
    expect(statusOf(restarted, 'web')?.containerID).not.toBe(`docker://${webId}`);
    expect(statusOf(restarted, 'web')?.lastState?.terminated).toBeDefined();
    expect(statusOf(restarted, 'tcp')?.restartCount).toBe(0);
  });

  it('mounts configMap, secret, emptyDir and hostPath volumes', async () => {
    await f.client.resource(ConfigMaps).namespace('default').create({ metadata: { name: 'files', namespace: 'default' }, data: { 'app.conf': 'port=80\n', other: 'x' } });
    await f.client.resource(Secrets).namespace('default').create({ metadata: { name: 'creds', namespace: 'default' }, stringData: { password: 's3cret' } });
    const hostDir = join(f.rootDir, 'host-data');
    await f.pods().create(
      f.pod('volumes', {
        volumes: [
          { name: 'cfg', configMap: { name: 'files', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
          { name: 'sec', secret: { secretName: 'creds' } },
          { name: 'scratch', emptyDir: {} },
          { name: 'host', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
        ],
        containers: [
          {
            name: 'c',
            command: ['sh', '-c', 'echo from-pod > /host/out; exec sleep 3600'],
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/app' },
              { name: 'sec', mountPath: '/etc/creds' },
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'host', mountPath: '/host' },
            ],
          },
        ],
      }),
    );
    const pod = await f.waitForPod('volumes', (p) => statusOf(p, 'c')?.ready === true);
    const id = (statusOf(pod, 'c')?.containerID ?? '').replace('docker://', '');
    const sh = async (cmd: string): Promise<string> => (await f.kubelet!.runtime.exec(id, ['sh', '-c', cmd], 5_000)).output;
    expect(await sh('cat /etc/app/conf/app.conf')).toBe('port=80\n');
    expect(await sh('ls /etc/app')).toBe('conf\n');
    expect(await sh('cat /etc/creds/password')).toBe('s3cret');
    expect(await sh('touch /scratch/ok && echo yes')).toBe('yes\n');
    expect(await sh('touch /etc/app/nope 2>/dev/null || echo read-only')).toBe('read-only\n');
    await waitFor(() => existsSync(join(hostDir, 'out')), { timeoutMs: 5_000, description: 'file written through hostPath' });
    expect(readFileSync(join(hostDir, 'out'), 'utf8')).toBe('from-pod\n');
  });

  it('fails a pod that runs past activeDeadlineSeconds with DeadlineExceeded and stops it', async () => {
    const created = await f.pods().create(f.pod('deadline', { activeDeadlineSeconds: 2, containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    const pod = await f.waitForPod('deadline', (p) => p.status?.phase === 'Failed', { timeoutMs: 20_000 });
    expect(pod.status?.reason).toBe('DeadlineExceeded');
    await waitFor(async () => (await f.containersOf(created.metadata?.uid ?? '')).every((c) => c.State !== 'running'), {
      timeoutMs: 15_000,
      description: 'containers stopped',
    });
  });

  it('runs host-network pods with the node IP, and shares the PID namespace when asked', async () => {
    const created = await f.pods().create(
      f.pod('hostnet', { hostNetwork: true, shareProcessNamespace: true, containers: [{ name: 'a', command: ['sleep', '3600'] }, { name: 'b', command: ['sleep', '3601'] }] }),
    );
    const pod = await f.waitForPod('hostnet', (p) => conditionOf(p, 'Ready')?.status === 'True');
    expect(pod.status?.podIP).toBe('127.0.0.1');
    const containers = await f.containersOf(created.metadata?.uid ?? '');
    const sandbox = containers.find((c) => c.Labels['io.kubernetes.container.name'] === 'POD');
    expect((await f.docker.getContainer(sandbox?.Id ?? '').inspect()).HostConfig.NetworkMode).toBe('host');
    const a = containers.find((c) => c.Labels['io.kubernetes.container.name'] === 'a');
    expect((await f.docker.getContainer(a?.Id ?? '').inspect()).HostConfig.PidMode).toBe(`container:${sandbox?.Id}`);
    // Container a sees container b's process.
    const ps = (await f.kubelet!.runtime.exec(a?.Id ?? '', ['ps', '-o', 'args'], 5_000)).output;
    expect(ps).toContain('sleep 3601');
  });
});
