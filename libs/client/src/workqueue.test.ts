import { describe, expect, it } from 'vitest';
import { runWorkers, WorkQueue } from './workqueue';

describe('WorkQueue', () => {
  it('merges duplicate keys waiting in the queue', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands one key to two workers; a re-add while processing runs after done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const first = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await new Promise((r) => setImmediate(r));
    expect(second).toBeUndefined();
    q.done(first as string);
    await new Promise((r) => setImmediate(r));
    expect(second).toBe('a');
  });

  it('backs off failing keys exponentially and forgets them on success', () => {
    const q = new WorkQueue<string>({ baseDelayMs: 10, maxDelayMs: 50 });
    q.addRateLimited('a');
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(3);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    q.shutDown();
  });

  it('delivers an addAfter key once its delay passes', async () => {
    const q = new WorkQueue<string>();
    const started = Date.now();
    q.addAfter('late', 30);
    expect(await q.get()).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('keeps the soonest of several delayed adds of one key', async () => {
    const q = new WorkQueue<string>();
    const started = Date.now();
    q.addAfter('k', 60_000);
    q.addAfter('k', 20);
    expect(await q.get()).toBe('k');
    expect(Date.now() - started).toBeLessThan(5_000);
    q.shutDown();
  });

  it('returns undefined to waiting workers on shutdown', async () => {
    const q = new WorkQueue<string>();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
  });
});

describe('runWorkers', () => {
  it('retries a failing key with back-off until it succeeds, one worker per key', async () => {
    const q = new WorkQueue<string>({ baseDelayMs: 1 });
    const attempts: string[] = [];
    let inFlight = 0;
    let maxInFlightForA = 0;
    const done = runWorkers(
      q,
      async (key) => {
        if (key === 'a') {
          inFlight++;
          maxInFlightForA = Math.max(maxInFlightForA, inFlight);
        }
        attempts.push(key);
        await new Promise((r) => setTimeout(r, 2));
        if (key === 'a') inFlight--;
        if (key === 'a' && attempts.filter((k) => k === 'a').length < 3) throw new Error('not yet');
        if (key === 'a' || key === 'b') {
          if (attempts.includes('a') && attempts.includes('b') && attempts.filter((k) => k === 'a').length >= 3) q.shutDown();
        }
      },
      4,
    );
    q.add('a');
    q.add('b');
    q.add('a');
    await done;
    expect(attempts.filter((k) => k === 'a').length).toBe(3);
    expect(maxInFlightForA).toBe(1);
    expect(q.numRequeues('a')).toBe(0);
  });
});
