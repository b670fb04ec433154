// The Events section that ends every description: the events whose involvedObject is the object.

import type { ApiObject, corev1, KindInfo, Scheme } from '@minik8s/api';
import type { ApiClient } from '@minik8s/client';
import { ageOf, type DescribeWriter } from './writer';

/** The object's events, oldest first, found by involvedObject name, namespace and uid. */
export async function eventsFor(client: ApiClient, scheme: Scheme, info: KindInfo, obj: ApiObject): Promise<corev1.Event[]> {
  const events = scheme.forKind('v1', 'Event');
  if (!events) return [];
  const meta = obj.metadata ?? {};
  const terms = [`involvedObject.name=${meta.name ?? ''}`];
  if (info.namespaced) terms.push(`involvedObject.namespace=${meta.namespace ?? ''}`);
  if (meta.uid) terms.push(`involvedObject.uid=${meta.uid}`);
  const list = await client.list(events, info.namespaced ? meta.namespace : undefined, { fieldSelector: terms.join(',') });
  const when = (e: corev1.Event): number => Date.parse(e.lastTimestamp || e.eventTime || e.firstTimestamp || '') || 0;
  return (list.items as corev1.Event[]).sort((a, b) => when(a) - when(b));
}

export function writeEvents(w: DescribeWriter, scheme: Scheme, events: readonly corev1.Event[], now: Date): void {
  if (events.length === 0) {
    w.line(0, 'Events:', '<none>');
    return;
  }
  w.raw('Events:\n');
  w.line(1, 'Type', 'Reason', 'Age', 'From', 'Message');
  w.line(1, '----', '------', '----', '----', '-------');
  for (const e of events) {
    const count = e.series?.count ?? e.count ?? 1;
    const first = ageOf(scheme, e.firstTimestamp || e.eventTime, now);
    const interval = count > 1 ? `${ageOf(scheme, e.series?.lastObservedTime || e.lastTimestamp, now)} (x${count} over ${first})` : first;
    const from = e.source?.component || e.reportingComponent || '';
    w.line(1, e.type ?? '', e.reason ?? '', interval, from, (e.message ?? '').trim());
  }
}
