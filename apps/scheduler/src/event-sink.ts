import type { corev1 } from '@minik8s/api';
import type { EventRecorder } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { EventType } from './framework/interfaces';

interface PendingEvent {
  pod: corev1.Pod;
  type: EventType;
  reason: string;
  message: string;
}

/**
 * Records Events off the scheduling path: a bounded queue drained by a few concurrent writers,
 * throttled to one while bindings are in flight so the apiserver serves bindings first. Like
 * client-go's broadcaster, it drops events rather than slow the scheduler when it falls behind.
 */
export class EventSink {
  private readonly queue: PendingEvent[] = [];
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  dropped = 0;

  constructor(
    private readonly recorder: EventRecorder | undefined,
    private readonly options: {
      maxQueue?: number;
      concurrency?: number;
      /** While this says the scheduler is busy binding, events go out one at a time. */
      busy?: () => boolean;
      logger?: Logger;
    } = {},
  ) {}

  record(pod: corev1.Pod, type: EventType, reason: string, message: string): void {
    if (!this.recorder) return;
    if (this.queue.length >= (this.options.maxQueue ?? 10_000)) {
      this.dropped++;
      if (this.dropped % 100 === 1) this.options.logger?.warn({ dropped: this.dropped }, 'event queue full; dropping events');
      return;
    }
    this.queue.push({ pod, type, reason, message });
    this.pump();
  }

  private pump(): void {
    const recorder = this.recorder;
    if (!recorder) return;
    const limit = this.options.busy?.() ? 1 : (this.options.concurrency ?? 4);
    while (this.active < limit && this.queue.length > 0) {
      const e = this.queue.shift() as PendingEvent;
      this.active++;
      const meta = e.pod.metadata ?? {};
      const ref = { apiVersion: 'v1', kind: 'Pod', metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion } };
      recorder
        .event(ref, e.type, e.reason, e.message)
        .catch((err: unknown) => this.options.logger?.debug({ err }, 'could not record event'))
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  /** Resolves when every queued event has been written (or failed). */
  flush(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
