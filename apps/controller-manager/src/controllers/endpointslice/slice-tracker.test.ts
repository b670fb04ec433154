import { describe, expect, it } from 'vitest';
import type { discoveryv1 } from '@minik8s/api';
import { EndpointSliceTracker } from './slice-tracker';
import { service } from './test-support';

function slice(uid: string, generation: number, serviceName = 'web'): discoveryv1.EndpointSlice {
  return { metadata: { name: `${serviceName}-${uid}`, namespace: 'default', uid, generation, labels: { 'kubernetes.io/service-name': serviceName } } };
}

describe('EndpointSliceTracker', () => {
  it('tells its own writes from somebody else\'s', () => {
    const tracker = new EndpointSliceTracker();
    expect(tracker.shouldSync(slice('a', 1))).toBe(true);
    tracker.update(slice('a', 1));
    expect(tracker.has(slice('a', 1))).toBe(true);
    expect(tracker.shouldSync(slice('a', 1))).toBe(false);
    expect(tracker.shouldSync(slice('a', 2))).toBe(true);
  });

  it('finds the cache stale while it lags the controller\'s writes', () => {
    const tracker = new EndpointSliceTracker();
    const svc = service('web');
    tracker.update(slice('a', 2));
    expect(tracker.staleSlices(svc, [])).toBe(true); // created, not seen yet
    expect(tracker.staleSlices(svc, [slice('a', 1)])).toBe(true); // an older generation
    expect(tracker.staleSlices(svc, [slice('a', 2)])).toBe(false);
    expect(tracker.staleSlices(svc, [slice('a', 3)])).toBe(false); // somebody else's newer one
    tracker.expectDeletion(slice('a', 2));
    expect(tracker.staleSlices(svc, [slice('a', 2)])).toBe(true); // deleted, still there
    expect(tracker.staleSlices(svc, [])).toBe(false);
  });

  it('forgets writes made for an earlier Service of the same name', () => {
    const tracker = new EndpointSliceTracker();
    const first = service('web');
    expect(tracker.staleSlices(first, [])).toBe(false);
    tracker.update(slice('a', 1));
    const second = { ...first, metadata: { ...first.metadata, uid: 'another' } };
    expect(tracker.staleSlices(second, [])).toBe(false);
  });

  it('says whether it expected a deletion', () => {
    const tracker = new EndpointSliceTracker();
    tracker.update(slice('a', 1));
    tracker.update(slice('b', 1));
    tracker.expectDeletion(slice('b', 1));
    expect(tracker.handleDeletion(slice('a', 1))).toBe(false);
    expect(tracker.handleDeletion(slice('b', 1))).toBe(true);
    expect(tracker.has(slice('a', 1))).toBe(false);
  });
});
