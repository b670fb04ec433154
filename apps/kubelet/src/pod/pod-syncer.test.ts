import { beforeEach, describe, expect, it } from 'vitest';
import { newNotFound, type corev1, type ObjectMeta } from '@minik8s/api';
import type { ApiClient, Clock, EventRecorder } from '@minik8s/client';
import type { StatusManager } from '../status/status-manager';
import { FakeRuntime } from '../test/fake-runtime';
import { KubeletPodSyncer, pullPolicyOf } from './pod-syncer';

class FakeClock implements Clock {
  t = Date.parse('2026-01-01T00:00:00Z');
  now(): number {
    return this.t;
  }
  async sleep(): Promise<void> {}
}

/** Only what the syncer calls: ConfigMap/Secret reads (all NotFound) and pod deletes. */
function stubClient(deleted: string[]): ApiClient {
  const notFound = newNotFound({ group: '', resource: 'configmaps' }, 'cm');
  return {
    resource: () => ({
      namespace: () => ({
        get: async () => {
          throw notFound;
        },
        delete: async (name: string, opts: unknown) => {
          deleted.push(`${name} ${JSON.stringify(opts)}`);
          return {};
        },
      }),
    }),
  } as unknown as ApiClient;
}

let runtime: FakeRuntime;
let clock: FakeClock;
let statuses: corev1.PodStatus[];
let deleted: string[];
let syncer: KubeletPodSyncer;

function pod(spec: Partial<corev1.PodSpec>, meta: Partial<ObjectMeta> = {}): corev1.Pod {
  return {
    metadata: { uid: 'u1', name: 'p', namespace: 'default', ...meta },
    spec: { containers: [{ name: 'app', image: 'busybox:1', imagePullPolicy: 'IfNotPresent' }], terminationGracePeriodSeconds: 5, ...spec },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

const last = (): corev1.PodStatus => statuses[statuses.length - 1];
const app = (): corev1.ContainerStatus | undefined => last().containerStatuses?.find((c) => c.name === 'app');

beforeEach(() => {
  runtime = new FakeRuntime();
  runtime.now = Date.parse('2026-01-01T00:00:00Z');
  clock = new FakeClock();
  statuses = [];
  deleted = [];
  const statusManager = {
    setPodStatus: async (_p: corev1.Pod, s: corev1.PodStatus) => {
      statuses.push(s);
      return undefined;
    },
  } as unknown as StatusManager;
  syncer = new KubeletPodSyncer({
    runtime,
    client: stubClient(deleted),
    statusManager,
    nodeName: 'n1',
    nodeIP: '192.168.0.2',
    networkReady: () => true,
    clock,
    backoffInitialMs: 10_000,
    backoffMaxMs: 300_000,
  });
});

describe('KubeletPodSyncer', () => {
  it('starts a sandbox and the containers, and reports Running', async () => {
    const r = await syncer.syncPod(pod({ containers: [{ name: 'app', image: 'busybox:1', command: ['sleep', '1'], env: [{ name: 'A', value: 'x' }] }] }));
    expect(r.terminal).toBe(false);
    expect(runtime.calls).toEqual(['runPodSandbox p 0', 'createContainer app 0', 'startContainer app']);
    expect(runtime.latest('app')?.config).toMatchObject({ command: ['sleep', '1'], env: [{ name: 'A', value: 'x' }], terminationGracePeriodSeconds: 5 });
    expect(last().phase).toBe('Running');
    expect(last().podIP).toMatch(/^10\.9\.0\./);
    // A second sync changes nothing.
    runtime.calls = [];
    await syncer.syncPod(pod({ containers: [{ name: 'app', image: 'busybox:1', command: ['sleep', '1'], env: [{ name: 'A', value: 'x' }] }] }));
    expect(runtime.calls).toEqual([]);
  });

  it('restarts a crashing container at once, then backs off 10s, 20s ... with CrashLoopBackOff', async () => {
    const p = pod({});
    await syncer.syncPod(p);
    const crash = (): void => runtime.exit(runtime.latest('app')!.id, 1);

    crash();
    clock.t = runtime.now;
    await syncer.syncPod(p);
    expect(runtime.latest('app')?.restartCount).toBe(1);
    expect(app()?.state?.running).toBeDefined();

    crash();
    clock.t = runtime.now;
    const r = await syncer.syncPod(p);
    expect(runtime.latest('app')?.restartCount).toBe(1);
    expect(app()?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(app()?.state?.waiting?.message).toBe('back-off 10s restarting failed container=app pod=p_default(u1)');
    expect(app()?.lastState?.terminated?.exitCode).toBe(1);
    expect(last().phase).toBe('Running');
    expect(r.requeueAfterMs).toBeGreaterThan(9_000);

    clock.t += 10_001;
    await syncer.syncPod(p);
    expect(runtime.latest('app')?.restartCount).toBe(2);
    expect(app()?.state?.running).toBeDefined();
    expect(app()?.restartCount).toBe(2);

    crash();
    clock.t = Math.max(clock.t, runtime.now);
    await syncer.syncPod(p);
    expect(app()?.state?.waiting?.message).toContain('back-off 20s');
    // Old instances are removed: two kept per container.
    expect([...runtime.containers.values()].filter((c) => c.name === 'app')).toHaveLength(2);
  });

  it('reports a failed pod as terminal under restartPolicy Never', async () => {
    const p = pod({ restartPolicy: 'Never' });
    await syncer.syncPod(p);
    runtime.exit(runtime.latest('app')!.id, 2);
    const r = await syncer.syncPod(p);
    expect(r.terminal).toBe(true);
    expect(last().phase).toBe('Failed');
    expect(app()?.state?.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
  });

  it('reports OOMKilled', async () => {
    const p = pod({ restartPolicy: 'Never' });
    await syncer.syncPod(p);
    runtime.exit(runtime.latest('app')!.id, 137, true);
    await syncer.syncPod(p);
    expect(app()?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('reports ErrImageNeverPull, and ErrImagePull then ImagePullBackOff', async () => {
    await syncer.syncPod(pod({ containers: [{ name: 'app', image: 'nope:1', imagePullPolicy: 'Never' }] }));
    expect(app()?.state?.waiting).toEqual({ reason: 'ErrImageNeverPull', message: 'Container image "nope:1" is not present with pull policy of Never' });

    const p = pod({ containers: [{ name: 'app', image: 'nope:2', imagePullPolicy: 'IfNotPresent' }] }, { uid: 'u2' });
    await syncer.syncPod(p);
    expect(app()?.state?.waiting?.reason).toBe('ErrImagePull');
    await syncer.syncPod(p);
    expect(app()?.state?.waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:2"' });
    expect(runtime.calls.filter((c) => c.startsWith('pullImage'))).toHaveLength(1);
    clock.t += 10_001;
    await syncer.syncPod(p);
    expect(runtime.calls.filter((c) => c.startsWith('pullImage'))).toHaveLength(2);
  });

  it('runs an image the engine has under pull policy Always when the pull fails', async () => {
    await syncer.syncPod(pod({ containers: [{ name: 'app', image: 'busybox:1', imagePullPolicy: 'Always' }] }));
    expect(runtime.calls).toContain('pullImage busybox:1');
    expect(app()?.state?.running).toBeDefined();
  });

  it('reports CreateContainerConfigError for a missing ConfigMap', async () => {
    await syncer.syncPod(pod({ containers: [{ name: 'app', image: 'busybox:1', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }] }));
    expect(app()?.state?.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "cm" not found' });
  });

  it('stops everything on termination, then removes it and deletes the pod with a uid precondition', async () => {
    const p = pod({ containers: [{ name: 'app', image: 'busybox:1' }, { name: 'side', image: 'busybox:1' }] });
    await syncer.syncPod(p);
    const deleting = { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } };
    await syncer.syncTerminatingPod(deleting, 30);
    expect([...runtime.containers.values()].every((c) => c.state === 'exited')).toBe(true);
    expect([...runtime.sandboxes.values()].every((s) => s.state === 'notready')).toBe(true);
    expect(last().phase).toBe('Failed');
    await syncer.syncTerminatedPod(deleting, true);
    expect(runtime.containers.size).toBe(0);
    expect(runtime.sandboxes.size).toBe(0);
    expect(deleted).toEqual(['p {"gracePeriodSeconds":0,"preconditions":{"uid":"u1"}}']);
  });

  it('fails a pod past its activeDeadlineSeconds with DeadlineExceeded', async () => {
    const p = pod({ activeDeadlineSeconds: 30 });
    p.status = { phase: 'Running', qosClass: 'BestEffort', startTime: new Date(clock.t).toISOString() };
    const first = await syncer.syncPod(p);
    expect(first.terminal).toBe(false);
    expect(first.requeueAfterMs).toBe(30_000);
    clock.t += 30_000;
    const r = await syncer.syncPod(p);
    expect(r.terminal).toBe(true);
    expect(last()).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
  });

  it('refuses a pod the admission check rejects, once, with its reason', async () => {
    const s = new KubeletPodSyncer({
      runtime,
      client: stubClient(deleted),
      statusManager: { setPodStatus: async (_p: corev1.Pod, st: corev1.PodStatus) => void statuses.push(st) } as unknown as StatusManager,
      nodeName: 'n1',
      nodeIP: '192.168.0.2',
      networkReady: () => true,
      clock,
      admit: () => ({ reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110" }),
    });
    const r = await s.syncPod(pod({}));
    expect(r.terminal).toBe(true);
    expect(last()).toMatchObject({ phase: 'Failed', reason: 'OutOfpods' });
    expect(runtime.calls).toEqual([]);
  });

  it('waits for the network before starting non-host-network pods', async () => {
    const s = new KubeletPodSyncer({
      runtime,
      client: stubClient(deleted),
      statusManager: { setPodStatus: async () => undefined } as unknown as StatusManager,
      nodeName: 'n1',
      nodeIP: '192.168.0.2',
      networkReady: () => false,
      clock,
    });
    await expect(s.syncPod(pod({}))).rejects.toThrow('network is not ready');
    await s.syncPod(pod({ hostNetwork: true }));
    expect(runtime.calls).toContain('runPodSandbox p 0');
  });
});

describe('KubeletPodSyncer lifecycle hooks and sandbox events', () => {
  let events: string[];
  let s: KubeletPodSyncer;
  beforeEach(() => {
    events = [];
    s = new KubeletPodSyncer({
      runtime,
      client: stubClient(deleted),
      statusManager: { setPodStatus: async () => undefined } as unknown as StatusManager,
      nodeName: 'n1',
      nodeIP: '192.168.0.2',
      networkReady: () => true,
      clock,
      recorder: { event: async (_o: unknown, type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`) } as unknown as EventRecorder,
    });
  });

  it('runs postStart right after the start; a failing one kills the container with FailedPostStartHook', async () => {
    const spec = { containers: [{ name: 'app', image: 'busybox:1', lifecycle: { postStart: { exec: { command: ['setup'] } } } }] };
    await s.syncPod(pod(spec));
    expect(runtime.calls).toEqual(['runPodSandbox p 0', 'createContainer app 0', 'startContainer app', 'exec app setup']);
    runtime.calls = [];
    runtime.execResult = { exitCode: 1, output: 'boom' };
    await s.syncPod(pod(spec, { uid: 'u2' }));
    expect(runtime.calls).toEqual(['runPodSandbox p 0', 'createContainer app 0', 'startContainer app', 'exec app setup', 'stopContainer app']);
    expect(events.find((e) => e.startsWith('Warning FailedPostStartHook'))).toBe(
      'Warning FailedPostStartHook Exec lifecycle hook ([setup]) for Container "app" in Pod "p_default(u2)" failed - error: command \'setup\' exited with 1: , message: "boom"',
    );
    expect(events).toContain('Normal Killing FailedPostStartHook');
  });

  it('runs preStop before stopping a container when the pod terminates', async () => {
    const p = pod({ containers: [{ name: 'app', image: 'busybox:1', lifecycle: { preStop: { exec: { command: ['drain'] } } } }] });
    await s.syncPod(p);
    runtime.calls = [];
    await s.syncTerminatingPod(p, 30);
    expect(runtime.calls.slice(0, 2)).toEqual(['exec app drain', 'stopContainer app']);
    runtime.calls = [];
    // With no grace period left, the hook is skipped.
    await s.syncPod(pod(p.spec ?? {}, { uid: 'u3' }));
    runtime.calls = [];
    await s.syncTerminatingPod(pod(p.spec ?? {}, { uid: 'u3' }), 0);
    expect(runtime.calls.filter((c) => c.startsWith('exec'))).toEqual([]);
  });

  it('reports FailedCreatePodSandBox and leaves the retry to the worker', async () => {
    runtime.sandboxError = new Error('network minik8s-n1 not found');
    await expect(s.syncPod(pod({}))).rejects.toThrow('network minik8s-n1 not found');
    expect(events).toEqual(['Warning FailedCreatePodSandBox Failed to create pod sandbox: network minik8s-n1 not found']);
  });
});

describe('helpers', () => {
  it.each([
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    ['localhost:5000/busybox', 'Always'],
    ['localhost:5000/busybox:1', 'IfNotPresent'],
    ['busybox@sha256:abc', 'IfNotPresent'],
  ])('default pull policy of %s is %s', (image, policy) => expect(pullPolicyOf({ name: 'c', image })).toBe(policy));
});
