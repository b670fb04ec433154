import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Events } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { KubeletFixture } from './test/fixture';

// The kubelet's container events on real Docker: Kubernetes' reasons and messages, each naming
// its container in involvedObject.fieldPath as `spec.containers{NAME}` / `spec.initContainers{NAME}`.
const f = new KubeletFixture('10.244.241.0/24');

beforeAll(async () => {
  await f.setUp();
  await f.startKubelet();
}, 120_000);

afterAll(async () => {
  await f.tearDown();
}, 60_000);

async function eventsOf(pod: string): Promise<corev1.Event[]> {
  return (await f.client.resource(Events).namespace('default').list()).items.filter((e) => e.involvedObject?.name === pod);
}

/** Waits until `pod` has an event matching each of `wanted` (reason, fieldPath and message). */
async function waitForEvents(pod: string, wanted: { reason: string; fieldPath: string; message: string | RegExp }[], timeoutMs = 100_000): Promise<corev1.Event[]> {
  let seen: corev1.Event[] = [];
  const matches = (e: corev1.Event, w: (typeof wanted)[number]): boolean =>
    e.reason === w.reason &&
    e.involvedObject?.fieldPath === w.fieldPath &&
    (typeof w.message === 'string' ? e.message === w.message : w.message.test(e.message ?? ''));
  try {
    return await waitFor(
      async () => {
        seen = await eventsOf(pod);
        return wanted.every((w) => seen.some((e) => matches(e, w))) ? seen : undefined;
      },
      { timeoutMs, intervalMs: 250, description: `events of ${pod}` },
    );
  } catch (err) {
    const got = seen.map((e) => `${e.type} ${e.reason} [${e.involvedObject?.fieldPath ?? ''}] ${e.message}`).join('\n');
    throw new Error(`${(err as Error).message}\nevents so far:\n${got}`);
  }
}

describe('kubelet container events', () => {
  it('name the container they are about: pull, create, start, probe failure, kill, crash back-off, failed hook', async () => {
    await f.pods().create(
      f.pod('probed', {
        restartPolicy: 'Always',
        initContainers: [{ name: 'init', command: ['true'] }],
        containers: [
          { name: 'c', command: ['sleep', '3600'], livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 } },
          { name: 'crash', command: ['sh', '-c', 'exit 1'] },
          { name: 'hooked', command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['false'] } } } },
        ],
      }),
    );
    const pod = await f.pods().get('probed');
    const desc = `probed_default(${pod.metadata?.uid})`;
    const init = 'spec.initContainers{init}';
    const c = 'spec.containers{c}';
    const events = await waitForEvents('probed', [
      { reason: 'Pulled', fieldPath: init, message: `Container image "${f.busybox}" already present on machine` },
      { reason: 'Created', fieldPath: init, message: 'Created container init' },
      { reason: 'Started', fieldPath: init, message: 'Started container init' },
      { reason: 'Pulled', fieldPath: c, message: `Container image "${f.busybox}" already present on machine` },
      { reason: 'Created', fieldPath: c, message: 'Created container c' },
      { reason: 'Started', fieldPath: c, message: 'Started container c' },
      { reason: 'Unhealthy', fieldPath: c, message: 'Liveness probe failed: ' },
      { reason: 'Killing', fieldPath: c, message: 'Container c failed liveness probe, will be restarted' },
      { reason: 'BackOff', fieldPath: 'spec.containers{crash}', message: `Back-off restarting failed container crash in pod ${desc}` },
      { reason: 'FailedPostStartHook', fieldPath: 'spec.containers{hooked}', message: /^Exec lifecycle hook \(\[false\]\) for Container "hooked" in Pod "probed_default/ },
      { reason: 'Killing', fieldPath: 'spec.containers{hooked}', message: 'FailedPostStartHook' },
    ]);
    // Every event here is about one container: none is left without its fieldPath.
    expect(events.filter((e) => !e.involvedObject?.fieldPath)).toEqual([]);
    const unhealthy = events.find((e) => e.reason === 'Unhealthy');
    expect(unhealthy).toMatchObject({ type: 'Warning', source: { component: 'kubelet', host: f.nodeName }, involvedObject: { kind: 'Pod', name: 'probed', uid: pod.metadata?.uid } });
    await f.pods().delete('probed', { gracePeriodSeconds: 0 });
  }, 180_000);

  it('say why an image with pull policy Never cannot run, on its container', async () => {
    const image = `minik8s-kubelet-test/absent:${f.runId}`;
    await f.pods().create(f.pod('never-pulled', { containers: [{ name: 'c', image, imagePullPolicy: 'Never', command: ['true'] }] }));
    await waitForEvents('never-pulled', [
      { reason: 'ErrImageNeverPull', fieldPath: 'spec.containers{c}', message: `Container image "${image}" is not present with pull policy of Never` },
      { reason: 'Failed', fieldPath: 'spec.containers{c}', message: 'Error: ErrImageNeverPull' },
    ]);
    await f.pods().delete('never-pulled', { gracePeriodSeconds: 0 });
  }, 150_000);
});
