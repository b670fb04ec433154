import { createHash } from 'node:crypto';
import { isAlreadyExists, type ApiObject, type corev1 } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import type { ApiClient } from './api-client';
import { realClock, type Clock } from './clock';
import { Events } from './kinds';

export type EventType = 'Normal' | 'Warning';

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Records core/v1 Events about objects, as client-go's recorder does: a repeat of the same
 * reason and message for the same object bumps `count` and `lastTimestamp` instead of adding one.
 * Recording never fails the caller.
 */
export class EventRecorder {
  private readonly clock: Clock;

  constructor(
    private readonly client: ApiClient,
    private readonly source: { component: string; host?: string },
    private readonly options: { logger?: Logger; clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? realClock;
  }

  /**
   * `fieldPath` names the part of the object the event is about, as Kubernetes' kubelet says
   * `spec.containers{NAME}` for a container's events.
   */
  async event(obj: ApiObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const info = this.client.scheme.forKind(obj.apiVersion ?? '', obj.kind ?? '');
    const involved: corev1.ObjectReference = {
      apiVersion: obj.apiVersion,
      kind: obj.kind ?? info?.kind,
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      ...(fieldPath ? { fieldPath } : {}),
    };
    // One event object per object (and part of it), reason and message, so repeats aggregate.
    const key = fieldPath ? `${meta.uid}/${fieldPath}/${type}/${reason}/${message}` : `${meta.uid}/${type}/${reason}/${message}`;
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
    const name = `${meta.name ?? 'unknown'}.${digest}`;
    const events = this.client.resource(Events).namespace(namespace);
    const now = this.clock.now();
    try {
      // A repeat is the rare case: create first, and only on AlreadyExists read and count.
      try {
        await events.create({
          metadata: { name, namespace },
          involvedObject: involved,
          reason,
          message,
          type,
          count: 1,
          firstTimestamp: time(now),
          lastTimestamp: time(now),
          eventTime: microTime(now),
          source: { component: this.source.component, host: this.source.host },
          reportingComponent: this.source.component,
          reportingInstance: this.source.host ?? this.source.component,
          action: reason,
        });
        return;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const existing = await events.get(name);
      await events.update({ ...existing, count: (existing.count ?? 1) + 1, lastTimestamp: time(now) });
    } catch (err) {
      this.options.logger?.warn({ err: (err as Error).message, reason }, 'could not record event');
    }
  }
}
