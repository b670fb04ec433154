import type { corev1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { EventTable, eventInterval, eventList, eventObject, parseEventTypes, sortEvents, typeSelected } from './events-printer';

const NOW = new Date('2024-05-06T12:00:00Z');
const ago = (minutes: number): string => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function event(name: string, e: Partial<corev1.Event>): corev1.Event {
  return { metadata: { name, namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web-1' }, type: 'Normal', reason: 'Pulled', message: 'pulled', ...e };
}

describe('eventInterval', () => {
  it('shows a single event by its first sighting and a repeated one as "last (xN over first)"', () => {
    expect(eventInterval(event('a', { firstTimestamp: ago(5), lastTimestamp: ago(5), count: 1 }), NOW)).toBe('5m');
    expect(eventInterval(event('b', { firstTimestamp: ago(30), lastTimestamp: ago(15), count: 3 }), NOW)).toBe('15m (x3 over 30m)');
  });

  it('prefers eventTime and a series when the event has them, and says <unknown> without times', () => {
    expect(eventInterval(event('c', { eventTime: ago(20), series: { count: 4, lastObservedTime: ago(11) } }), NOW)).toBe('11m (x4 over 20m)');
    expect(eventInterval(event('d', { eventTime: ago(45), firstTimestamp: ago(90) }), NOW)).toBe('45m');
    expect(eventInterval(event('e', {}), NOW)).toBe('<unknown>');
    expect(eventInterval(event('f', { count: 2, firstTimestamp: ago(3) }), NOW)).toBe('<unknown> (x2 over 3m)');
  });
});

describe('sortEvents', () => {
  it('orders by the last sighting (series, lastTimestamp, eventTime), oldest first, untimed first', () => {
    const events = [
      event('late', { firstTimestamp: ago(60), lastTimestamp: ago(1), count: 9 }),
      event('series', { eventTime: ago(50), series: { count: 2, lastObservedTime: ago(30) } }),
      event('new-style', { eventTime: ago(40) }),
      event('untimed', {}),
      event('early', { firstTimestamp: ago(50), lastTimestamp: ago(50) }),
    ];
    expect(sortEvents(events).map((e) => e.metadata?.name)).toEqual(['untimed', 'early', 'new-style', 'series', 'late']);
    // The input is left alone.
    expect(events[0].metadata?.name).toBe('late');
  });
});

describe('--types', () => {
  it('accepts Normal and Warning in any case, comma separated or repeated, once each', () => {
    expect(parseEventTypes([])).toEqual([]);
    expect(parseEventTypes(['warning,Normal', 'Warning', 'warning'])).toEqual(['Normal', 'Warning', 'warning']);
    expect(typeSelected(['warning'], 'Warning')).toBe(true);
    expect(typeSelected(['Normal'], 'Warning')).toBe(false);
    expect(typeSelected([], undefined)).toBe(true);
  });

  it('refuses any other type with kubectl\'s message', () => {
    expect(() => parseEventTypes(['Normal,Error'])).toThrow(/^valid --types are Normal or Warning$/);
  });
});

describe('EventTable', () => {
  const backoff = event('b', { type: 'Warning', reason: 'BackOff', message: ' Back-off restarting failed container \n', firstTimestamp: ago(30), lastTimestamp: ago(15), count: 3 });
  const scaled = event('s', { involvedObject: { kind: 'Deployment', name: 'web' }, reason: 'ScalingReplicaSet', message: 'Scaled up', firstTimestamp: ago(12), lastTimestamp: ago(12), count: 1 });

  it('aligns the columns with three spaces and prints the object as Kind/name', () => {
    expect(new EventTable({ noHeaders: false, allNamespaces: false }).format([backoff, scaled], NOW)).toBe(
      [
        'LAST SEEN           TYPE      REASON              OBJECT           MESSAGE',
        '15m (x3 over 30m)   Warning   BackOff             Pod/web-1        Back-off restarting failed container',
        '12m                 Normal    ScalingReplicaSet   Deployment/web   Scaled up',
        '',
      ].join('\n'),
    );
    expect(eventObject(scaled)).toBe('Deployment/web');
  });

  it('leads with NAMESPACE for -A, drops the header for --no-headers, and prints the header once across calls', () => {
    const all = new EventTable({ noHeaders: false, allNamespaces: true });
    expect(all.format([scaled], NOW)).toBe('NAMESPACE   LAST SEEN   TYPE     REASON              OBJECT           MESSAGE\ndefault     12m         Normal   ScalingReplicaSet   Deployment/web   Scaled up\n');
    // A later row keeps the widths already printed, so a watch stays aligned.
    expect(all.format([event('p', { firstTimestamp: ago(1) })], NOW)).toBe('default     60s         Normal   Pulled              Pod/web-1        pulled\n');
    expect(new EventTable({ noHeaders: true, allNamespaces: false }).format([scaled], NOW)).toBe('12m   Normal   ScalingReplicaSet   Deployment/web   Scaled up\n');
  });

  it('wraps -o json/yaml output in an EventList as kubectl does', () => {
    expect(eventList([{ kind: 'Event' }])).toEqual({ apiVersion: 'v1', items: [{ kind: 'Event' }], kind: 'EventList', metadata: {} });
  });
});
