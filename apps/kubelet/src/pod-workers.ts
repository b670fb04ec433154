import type { corev1 } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';

export interface SyncResult {
  /** The pod has finished (Succeeded or Failed): it moves on to terminating. */
  terminal: boolean;
  /** Sync again after this long at the latest (a back-off ending, a probe due). */
  requeueAfterMs?: number;
}

/**
 * The work the pod workers drive, one call at a time per pod UID (Kubernetes' pod_workers.go):
 * `syncPod` while the pod should run; once it is deleted or has finished, `syncTerminatingPod`
 * stops its containers; then `syncTerminatedPod` cleans up, as often as the pod changes, until
 * the pod is gone from the API.
 */
export interface PodSyncer {
  syncPod(pod: corev1.Pod): Promise<SyncResult>;
  syncTerminatingPod(pod: corev1.Pod, gracePeriodSeconds: number): Promise<void>;
  /** `deleted`: the pod is gone from the API (or being deleted): remove everything it had. */
  syncTerminatedPod(pod: corev1.Pod, deleted: boolean): Promise<void>;
}

export type WorkerPhase = 'syncing' | 'terminating' | 'terminated';

interface Worker {
  uid: string;
  pod: corev1.Pod;
  /** Gone from the API (the informer's delete). */
  removed: boolean;
  phase: WorkerPhase;
  running: boolean;
  /** Work arrived while running: go again right after. */
  pending: boolean;
  timer?: NodeJS.Timeout;
  errorBackoffMs: number;
  /** Completed passes, for tests and debugging. */
  syncs: number;
  idle: Promise<void>;
  resolveIdle: () => void;
}

export interface PodWorkersOptions {
  logger?: Logger;
  /** Every pod is synced at least this often (Kubernetes' --sync-frequency). */
  resyncIntervalMs?: number;
  /** First retry delay after a failed sync; doubles up to maxErrorBackoffMs. */
  errorBackoffMs?: number;
  maxErrorBackoffMs?: number;
}

/** Whether a pod changed in a way the kubelet acts on: spec, labels, annotations, deletion. */
export function needsSync(old: corev1.Pod, pod: corev1.Pod): boolean {
  const a = old.metadata ?? {};
  const b = pod.metadata ?? {};
  return (
    a.deletionTimestamp !== b.deletionTimestamp ||
    a.deletionGracePeriodSeconds !== b.deletionGracePeriodSeconds ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {}) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {}) ||
    JSON.stringify(old.spec ?? {}) !== JSON.stringify(pod.spec ?? {})
  );
}

/** The grace period to stop a pod with: the deletion's, else the pod's own. */
export function gracePeriodOf(pod: corev1.Pod): number {
  const fromDeletion = pod.metadata?.deletionTimestamp ? pod.metadata.deletionGracePeriodSeconds : undefined;
  return Math.max(0, fromDeletion ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
}

/**
 * One serialized worker per pod UID, moving through syncing → terminating → terminated.
 * Updates for a busy worker are merged: it runs once more with the latest pod.
 */
export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;
  private readonly resyncMs: number;
  private readonly errorBackoffMs: number;
  private readonly maxErrorBackoffMs: number;

  constructor(
    private readonly syncer: PodSyncer,
    private readonly options: PodWorkersOptions = {},
  ) {
    this.resyncMs = options.resyncIntervalMs ?? 10_000;
    this.errorBackoffMs = options.errorBackoffMs ?? 1_000;
    this.maxErrorBackoffMs = options.maxErrorBackoffMs ?? 10_000;
  }

  /**
   * The informer saw the pod (added or changed). A change only to its status (often our own
   * write) refreshes the worker's copy without a sync, as the kubelet's pod config does.
   */
  updatePod(pod: corev1.Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || this.stopped) return;
    const existing = this.workers.get(uid);
    const w = existing ?? this.newWorker(uid, pod);
    const old = w.pod;
    w.pod = pod;
    if (!existing || needsSync(old, pod)) this.kick(w);
  }

  /** The pod is gone from the API: stop it (if it still runs) and forget it. */
  removePod(pod: corev1.Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || this.stopped) return;
    const w = this.workers.get(uid) ?? this.newWorker(uid, pod);
    w.removed = true;
    this.kick(w);
  }

  /** Something changed for this pod (a container event): sync it now. */
  poke(uid: string): void {
    const w = this.workers.get(uid);
    if (w) this.kick(w);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  phaseOf(uid: string): WorkerPhase | undefined {
    return this.workers.get(uid)?.phase;
  }

  /** How many passes the pod's worker has completed. */
  syncCount(uid: string): number {
    return this.workers.get(uid)?.syncs ?? 0;
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  /** Stops scheduling work and waits for the syncs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    const busy: Promise<void>[] = [];
    for (const w of this.workers.values()) {
      if (w.timer) clearTimeout(w.timer);
      if (w.running) busy.push(w.idle);
    }
    await Promise.all(busy);
  }

  private newWorker(uid: string, pod: corev1.Pod): Worker {
    let resolveIdle: () => void = () => undefined;
    const idle = new Promise<void>((r) => (resolveIdle = r));
    const w: Worker = { uid, pod, removed: false, phase: 'syncing', running: false, pending: false, errorBackoffMs: 0, syncs: 0, idle, resolveIdle };
    this.workers.set(uid, w);
    return w;
  }

  private kick(w: Worker, delayMs = 0): void {
    if (this.stopped) return;
    if (w.running) {
      if (delayMs === 0) w.pending = true;
      else this.schedule(w, delayMs);
      return;
    }
    this.schedule(w, delayMs);
  }

  private schedule(w: Worker, delayMs: number): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      void this.run(w);
    }, delayMs);
  }

  private async run(w: Worker): Promise<void> {
    if (this.stopped || w.running) return;
    w.running = true;
    let requeueMs: number | undefined;
    try {
      do {
        w.pending = false;
        requeueMs = await this.step(w);
        w.errorBackoffMs = 0;
        w.syncs++;
      } while (w.pending && !this.stopped && this.workers.get(w.uid) === w);
    } catch (err) {
      w.errorBackoffMs = Math.min(w.errorBackoffMs ? w.errorBackoffMs * 2 : this.errorBackoffMs, this.maxErrorBackoffMs);
      requeueMs = w.pending ? 0 : w.errorBackoffMs;
      this.options.logger?.warn(
        { pod: `${w.pod.metadata?.namespace}/${w.pod.metadata?.name}`, uid: w.uid, phase: w.phase, err: (err as Error).message },
        'pod sync failed; retrying',
      );
    } finally {
      w.running = false;
      const idle = w.resolveIdle;
      w.idle = new Promise<void>((r) => (w.resolveIdle = r));
      idle();
    }
    if (this.workers.get(w.uid) !== w || this.stopped) return;
    if (requeueMs !== undefined) this.schedule(w, requeueMs);
  }

  /** One pass of the state machine; returns when to run again (undefined: only on news). */
  private async step(w: Worker): Promise<number | undefined> {
    const pod = w.pod;
    if (w.phase === 'syncing') {
      if (w.removed || pod.metadata?.deletionTimestamp) {
        w.phase = 'terminating';
      } else {
        const result = await this.syncer.syncPod(pod);
        if (!result.terminal) return Math.min(result.requeueAfterMs ?? this.resyncMs, this.resyncMs);
        w.phase = 'terminating';
      }
    }
    if (w.phase === 'terminating') {
      await this.syncer.syncTerminatingPod(pod, gracePeriodOf(pod));
      w.phase = 'terminated';
    }
    const deleted = w.removed || !!pod.metadata?.deletionTimestamp;
    await this.syncer.syncTerminatedPod(pod, deleted);
    if (w.removed) {
      this.workers.delete(w.uid);
      return undefined;
    }
    // Deleted but still in the API: try again until the informer reports it gone.
    return deleted ? this.resyncMs : undefined;
  }
}
