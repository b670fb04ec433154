import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError, type corev1 } from '@minik8s/api';
import { Namespaces, Pods, PriorityClasses } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ApiFixture } from '../test/api-fixture';

const f = new ApiFixture();
beforeAll(() => f.start(), 60_000);
afterAll(() => f.stop());

const pod = (name: string, priorityClassName?: string): corev1.Pod => ({
  metadata: { name },
  spec: { priorityClassName, containers: [{ name: 'c', image: 'busybox' }] },
});

describe('default toleration seconds', () => {
  it('lets a pod tolerate a not-ready or unreachable node for 300 s unless it says otherwise', async () => {
    await f.client.resource(Namespaces).create({ metadata: { name: 'tolerations' } });
    const pods = f.client.resource(Pods).namespace('tolerations');
    const plain = await pods.create(pod('plain'));
    expect(plain.spec?.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = await pods.create({
      ...pod('own'),
      spec: {
        containers: [{ name: 'c', image: 'busybox' }],
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }],
      },
    });
    expect(own.spec?.tolerations?.map((t) => `${t.key}=${t.tolerationSeconds}`)).toEqual([
      'node.kubernetes.io/unreachable=10',
      'node.kubernetes.io/not-ready=300',
    ]);
  });
});

describe('priority admission', () => {
  it('resolves priorityClassName, the global default and the system classes', async () => {
    await f.client.resource(Namespaces).create({ metadata: { name: 'prio' } });
    const pods = f.client.resource(Pods).namespace('prio');
    const classes = f.client.resource(PriorityClasses);
    expect((await classes.get('system-node-critical')).value).toBe(2000001000);
    expect((await pods.create(pod('plain'))).spec?.priority).toBe(0);
    await classes.create({ metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' });
    const high = await pods.create(pod('high', 'high'));
    expect(high.spec).toMatchObject({ priority: 1000, preemptionPolicy: 'Never' });
    await classes.create({ metadata: { name: 'default-class' }, value: 50, globalDefault: true });
    // As Kubernetes' plugin reads a lister, ours reads the watch cache: a new global default
    // applies once the cache has seen it, so wait for that with server-side dry runs.
    await waitFor(async () => (await pods.create(pod('probe'), { dryRun: true })).spec?.priority === 50, {
      description: 'the global default class to reach priority admission',
    });
    const defaulted = await pods.create(pod('defaulted'));
    expect(defaulted.spec).toMatchObject({ priority: 50, priorityClassName: 'default-class' });
    let failure: unknown;
    try {
      await pods.create(pod('missing', 'no-such-class'));
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(StatusError);
    expect((failure as StatusError).message).toBe('pods "missing" is forbidden: no PriorityClass with name no-such-class was found');
  });
});
