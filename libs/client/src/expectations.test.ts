import { describe, expect, it } from 'vitest';
import { Expectations } from './expectations';

function fakeClock(start = 0): { now: () => number; sleep: () => Promise<void>; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, sleep: async () => undefined, advance: (ms) => (t += ms) };
}

describe('Expectations', () => {
  it('is satisfied once every expected creation and deletion is observed', () => {
    const e = new Expectations(fakeClock());
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 2);
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationFailed('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectDeletions('ns/rs', ['u1', 'u2']);
    e.deletionObserved('ns/rs', 'u1');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.deletionObserved('ns/rs', 'u2');
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('gives up on expectations older than five minutes', () => {
    const clock = fakeClock();
    const e = new Expectations(clock);
    e.expectCreations('k', 1);
    clock.advance(5 * 60 * 1000 + 1);
    expect(e.satisfied('k')).toBe(true);
  });
});
