import { describe, expect, it } from 'vitest';
import { SyncLoop } from './sync-loop';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('SyncLoop', () => {
  it('never overlaps syncs and folds the requests made during one into exactly one more', async () => {
    const gate = deferred();
    const calls: boolean[] = [];
    let active = 0;
    let maxActive = 0;
    const loop = new SyncLoop({
      retryMs: 10,
      onError: () => undefined,
      sync: async (force) => {
        calls.push(force);
        maxActive = Math.max(maxActive, ++active);
        if (calls.length === 1) await gate.promise;
        active--;
      },
    });
    loop.request();
    loop.request();
    loop.request(true);
    loop.request();
    gate.resolve();
    await loop.idle();
    expect(calls).toEqual([false, true]);
    expect(maxActive).toBe(1);
    await loop.stop();
  });

  it('retries a failed sync, forced, after the pause, and reports the failure', async () => {
    const errors: string[] = [];
    const calls: boolean[] = [];
    const retried = deferred();
    const loop = new SyncLoop({
      retryMs: 5,
      onError: (err) => errors.push(err.message),
      sync: async (force) => {
        calls.push(force);
        if (calls.length === 1) throw new Error('ip failed');
        retried.resolve();
      },
    });
    loop.request();
    await retried.promise;
    expect(errors).toEqual(['ip failed']);
    expect(calls).toEqual([false, true]);
    await loop.stop();
  });

  it('runs nothing once stopped', async () => {
    let calls = 0;
    const loop = new SyncLoop({ retryMs: 5, onError: () => undefined, sync: async () => void calls++ });
    await loop.stop();
    loop.request(true);
    await loop.idle();
    expect(calls).toBe(0);
  });
});
