import { describe, expect, it } from 'vitest';
import { pod, service } from './test-support';
import { TriggerTimeTracker } from './trigger-time-tracker';

const T = (s: string): number => Date.parse(s);

describe('TriggerTimeTracker', () => {
  it('reports the earliest change since the previous sync, then nothing until something changes', () => {
    const tracker = new TriggerTimeTracker();
    const svc = service('web'); // created 10:00
    const a = pod('a', { readySince: '2024-05-01T11:00:00Z' });
    expect(tracker.compute(svc, [a])).toBe(T('2024-05-01T10:00:00Z'));
    expect(tracker.compute(svc, [a])).toBeUndefined();
    const b = pod('b', { readySince: '2024-05-01T11:20:00Z' });
    const a2 = pod('a', { ready: false, readySince: '2024-05-01T11:30:00Z' });
    expect(tracker.compute(svc, [a2, b])).toBe(T('2024-05-01T11:20:00Z'));
    // A pod that left changes nothing by itself.
    expect(tracker.compute(svc, [b])).toBeUndefined();
  });

  it('starts over for a deleted Service', () => {
    const tracker = new TriggerTimeTracker();
    const svc = service('web');
    tracker.compute(svc, []);
    tracker.deleteService('default', 'web');
    expect(tracker.compute(svc, [])).toBe(T('2024-05-01T10:00:00Z'));
  });
});
