import { describe, expect, it } from 'vitest';
import { StartLimiter, type StartKind } from './start-limiter';

/** A start that settles when the test says so. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve: () => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every settled promise's continuation run. */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('StartLimiter', () => {
  it('runs at most `limit` starts at once and the rest as slots free up', async () => {
    const limiter = new StartLimiter(2);
    const gates = [deferred(), deferred(), deferred()];
    const began: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run('sandbox', async () => {
        began.push(i);
        await g.promise;
      }),
    );
    await flush();
    expect(began).toEqual([0, 1]);
    expect([limiter.active, limiter.queued]).toEqual([2, 1]);
    gates[1].resolve();
    await flush();
    expect(began).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    await Promise.all(runs);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('starts waiting containers before waiting sandboxes, each kind first come first served', async () => {
    const limiter = new StartLimiter(1);
    const first = deferred();
    const order: string[] = [];
    const runs = [limiter.run('sandbox', () => first.promise)];
    const queue: [StartKind, string][] = [
      ['sandbox', 'sandbox-a'],
      ['container', 'container-a'],
      ['sandbox', 'sandbox-b'],
      ['container', 'container-b'],
    ];
    for (const [kind, name] of queue) runs.push(limiter.run(kind, async () => void order.push(name)));
    first.resolve();
    await Promise.all(runs);
    expect(order).toEqual(['container-a', 'container-b', 'sandbox-a', 'sandbox-b']);
  });

  it('frees the slot when a start fails', async () => {
    const limiter = new StartLimiter(1);
    const failing = deferred();
    const failed = limiter.run('container', () => failing.promise);
    const next = limiter.run('container', async () => 'ran');
    failing.reject(new Error('OCI runtime create failed'));
    await expect(failed).rejects.toThrow('OCI runtime create failed');
    await expect(next).resolves.toBe('ran');
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('refuses a limit below one', () => {
    expect(() => new StartLimiter(0)).toThrow(RangeError);
    expect(() => new StartLimiter(1.5)).toThrow(RangeError);
  });
});
