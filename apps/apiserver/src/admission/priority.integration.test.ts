import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError, type corev1 } from '@minik8s/api';
import { Namespaces, Pods, PriorityClasses } from '@minik8s/client';
import { ApiFixture } from '../test/api-fixture';

const f = new ApiFixture();
beforeAll(() => f.start(), 60_000);
afterAll(() => f.stop());

const pod = (name: string, priorityClassName?: string): corev1.Pod => ({
  metadata: { name },
  spec: { priorityClassName, containers: [{ name: 'c', image: 'busybox' }] },
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
