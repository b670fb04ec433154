import { describe, expect, it } from 'vitest';
import type { Clock } from '@minik8s/client';
import { Backoff } from './backoff';

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async () => undefined, advance: (ms) => (now += ms) };
}

describe('Backoff', () => {
  it('doubles from the initial delay up to the maximum', () => {
    const clock = fakeClock();
    const b = new Backoff(10_000, 300_000, clock);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      b.next('k', clock.now());
      delays.push(b.get('k'));
      clock.advance(1_000);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('is in back-off until the delay has passed since the failure', () => {
    const clock = fakeClock();
    const b = new Backoff(10_000, 300_000, clock);
    const failedAt = clock.now();
    expect(b.isInBackOffSince('k', failedAt)).toBe(false);
    b.next('k', failedAt);
    expect(b.isInBackOffSince('k', failedAt)).toBe(true);
    clock.advance(9_999);
    expect(b.isInBackOffSince('k', failedAt)).toBe(true);
    expect(b.remaining('k', failedAt)).toBe(1);
    clock.advance(1);
    expect(b.isInBackOffSince('k', failedAt)).toBe(false);
  });

  it('starts over after twice the maximum without failures', () => {
    const clock = fakeClock();
    const b = new Backoff(10, 100, clock);
    for (let i = 0; i < 5; i++) b.next('k', clock.now());
    expect(b.get('k')).toBe(100);
    clock.advance(201);
    b.next('k', clock.now());
    expect(b.get('k')).toBe(10);
  });

  it('forgets keys by prefix', () => {
    const b = new Backoff(10, 100, fakeClock());
    b.next('uid-1/a');
    b.next('uid-2/a');
    b.gc('uid-1/');
    expect(b.get('uid-1/a')).toBe(0);
    expect(b.get('uid-2/a')).toBe(10);
  });
});
