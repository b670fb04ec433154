import { describe, expect, it } from 'vitest';
import type { QueuedPodInfo } from '../../framework/interfaces';
import { PodInfo } from '../../framework/pod-info';
import { makePod } from '../../testing/wrappers';
import { PrioritySort } from './priority-sort';

function queued(name: string, priority: number, timestamp: number): QueuedPodInfo {
  return {
    podInfo: new PodInfo(makePod(name).priority(priority).obj()),
    timestamp,
    initialAttemptTimestamp: timestamp,
    attempts: 0,
    unschedulablePlugins: new Set(),
    failedWithError: false,
    gated: false,
  };
}

describe('PrioritySort', () => {
  const cases = [
    { name: 'higher priority first', a: queued('a', 100, 2), b: queued('b', 10, 1), want: true },
    { name: 'lower priority later', a: queued('a', 10, 1), b: queued('b', 100, 2), want: false },
    { name: 'equal priority, older first', a: queued('a', 5, 1), b: queued('b', 5, 2), want: true },
    { name: 'equal priority, newer later', a: queued('a', 5, 3), b: queued('b', 5, 2), want: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(new PrioritySort().less(c.a, c.b)).toBe(c.want);
    });
  }
});
