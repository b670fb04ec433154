import { describe, expect, it } from 'vitest';
import { realClock } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { RequeueTimers } from './requeue-timers';

describe('RequeueTimers', () => {
  it('keeps the sooner of two wake-ups for a key', async () => {
    const fired: [string, number][] = [];
    const timers = new RequeueTimers<string>((key) => fired.push([key, Date.now()]), realClock);
    const start = Date.now();
    timers.at('a', start + 60_000);
    timers.at('a', start + 20);
    timers.at('a', start + 30_000);
    await waitFor(() => fired.length === 1, { timeoutMs: 2000, description: 'the sooner wake-up' });
    expect(fired[0][0]).toBe('a');
    expect(timers.size).toBe(0);
    timers.at('b', start + 60_000);
    timers.stop();
    expect(timers.size).toBe(0);
  });
});
