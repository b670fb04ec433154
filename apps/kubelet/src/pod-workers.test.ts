import { describe, expect, it } from 'vitest';
import type { corev1, ObjectMeta } from '@minik8s/api';
import { waitFor } from '@minik8s/testing';
import { gracePeriodOf, PodWorkers, type PodSyncer, type SyncResult } from './pod-workers';

function pod(uid: string, over: Partial<ObjectMeta> = {}, spec: Partial<corev1.PodSpec> = {}): corev1.Pod {
  return { metadata: { uid, name: uid, namespace: 'default', ...over }, spec: { containers: [{ name: 'c' }], ...spec } };
}

class RecordingSyncer implements PodSyncer {
  log: string[] = [];
  active = 0;
  maxActive = 0;
  terminal = new Set<string>();
  failures = 0;
  delayMs = 0;

  private async enter<T>(entry: string, fn: () => T): Promise<T> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    this.log.push(entry);
    await new Promise((r) => setTimeout(r, this.delayMs));
    this.active--;
    return fn();
  }
  syncPod(p: corev1.Pod): Promise<SyncResult> {
    return this.enter(`sync ${p.metadata?.uid}`, () => {
      if (this.failures > 0) {
        this.failures--;
        throw new Error('boom');
      }
      return { terminal: this.terminal.has(p.metadata?.uid ?? '') };
    });
  }
  syncTerminatingPod(p: corev1.Pod, grace: number): Promise<void> {
    return this.enter(`terminating ${p.metadata?.uid} ${grace}`, () => undefined);
  }
  syncTerminatedPod(p: corev1.Pod, deleted: boolean): Promise<void> {
    return this.enter(`terminated ${p.metadata?.uid} ${deleted}`, () => undefined);
  }
}

describe('PodWorkers', () => {
  it('syncs a new pod, and merges updates that arrive while it syncs', async () => {
    const s = new RecordingSyncer();
    s.delayMs = 200;
    const w = new PodWorkers(s, { resyncIntervalMs: 60_000 });
    w.updatePod(pod('a'));
    await waitFor(() => s.active === 1, { intervalMs: 5 });
    for (let i = 0; i < 5; i++) w.updatePod(pod('a', { resourceVersion: String(i), labels: { v: String(i) } }));
    await waitFor(() => w.syncCount('a') === 2);
    expect(s.log).toEqual(['sync a', 'sync a']);
    expect(s.maxActive).toBe(1);
    await w.stop();
  });

  it('does not sync again for a status-only change, but keeps the newest copy', async () => {
    const s = new RecordingSyncer();
    const w = new PodWorkers(s, { resyncIntervalMs: 60_000 });
    w.updatePod(pod('a'));
    await waitFor(() => w.syncCount('a') === 1);
    w.updatePod({ ...pod('a', { resourceVersion: '9' }), status: { phase: 'Running' } });
    w.poke('a');
    await waitFor(() => w.syncCount('a') === 2);
    expect(s.log).toEqual(['sync a', 'sync a']);
    await w.stop();
  });

  it('runs different pods in parallel but one pod at a time', async () => {
    const s = new RecordingSyncer();
    s.delayMs = 200;
    const w = new PodWorkers(s, { resyncIntervalMs: 60_000 });
    w.updatePod(pod('a'));
    w.updatePod(pod('b'));
    await waitFor(() => s.maxActive === 2, { intervalMs: 5 });
    await waitFor(() => w.syncCount('a') === 1 && w.syncCount('b') === 1);
    await w.stop();
  });

  it('moves a deleted pod through terminating (with its grace period) and terminated', async () => {
    const s = new RecordingSyncer();
    const w = new PodWorkers(s, { resyncIntervalMs: 60_000 });
    w.updatePod(pod('a'));
    await waitFor(() => w.syncCount('a') === 1);
    w.updatePod(pod('a', { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 7 }));
    await waitFor(() => w.phaseOf('a') === 'terminated');
    w.removePod(pod('a'));
    await waitFor(() => !w.has('a'));
    expect(s.log).toEqual(['sync a', 'terminating a 7', 'terminated a true', 'terminated a true']);
    await w.stop();
  });

  it('terminates a pod that finished, keeping it until it is deleted', async () => {
    const s = new RecordingSyncer();
    s.terminal.add('a');
    const w = new PodWorkers(s, { resyncIntervalMs: 60_000 });
    w.updatePod(pod('a', {}, { terminationGracePeriodSeconds: 3 }));
    await waitFor(() => w.phaseOf('a') === 'terminated' && w.syncCount('a') === 1);
    expect(s.log).toEqual(['sync a', 'terminating a 3', 'terminated a false']);
    w.updatePod(pod('a'));
    await waitFor(() => w.syncCount('a') === 2);
    expect(s.log.at(-1)).toBe('terminated a false');
    await w.stop();
  });

  it('retries a failed sync after a back-off', async () => {
    const s = new RecordingSyncer();
    s.failures = 2;
    const w = new PodWorkers(s, { resyncIntervalMs: 60_000, errorBackoffMs: 10 });
    w.updatePod(pod('a'));
    await waitFor(() => w.syncCount('a') === 1);
    expect(s.log).toEqual(['sync a', 'sync a', 'sync a']);
    await w.stop();
  });

  it('resyncs periodically', async () => {
    const s = new RecordingSyncer();
    const w = new PodWorkers(s, { resyncIntervalMs: 20 });
    w.updatePod(pod('a'));
    await waitFor(() => w.syncCount('a') >= 3);
    await w.stop();
  });

  it('terminates a pod removed before it was ever synced', async () => {
    const s = new RecordingSyncer();
    const w = new PodWorkers(s);
    w.removePod(pod('x', {}, { terminationGracePeriodSeconds: 1 }));
    await waitFor(() => !w.has('x'));
    expect(s.log).toEqual(['terminating x 1', 'terminated x true']);
    await w.stop();
  });
});

describe('gracePeriodOf', () => {
  it('prefers the deletion grace period, then the spec, then 30s', () => {
    expect(gracePeriodOf(pod('a', { deletionTimestamp: 't', deletionGracePeriodSeconds: 0 }, { terminationGracePeriodSeconds: 10 }))).toBe(0);
    expect(gracePeriodOf(pod('a', {}, { terminationGracePeriodSeconds: 10 }))).toBe(10);
    expect(gracePeriodOf(pod('a'))).toBe(30);
  });
});
