import { defaultScheme, type corev1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { writeEvents } from './events';
import { smartLabel } from './describers';
import { describePod, qosClass } from './pod';
import { ageOf, DescribeWriter, writeMap } from './writer';

const scheme = defaultScheme();
const now = new Date('2024-05-01T12:00:00Z');

describe('DescribeWriter', () => {
  it('aligns values of consecutive lines and continues maps on following lines', () => {
    const w = new DescribeWriter();
    w.line(0, 'Name:', 'kubia');
    writeMap(w, 0, 'Labels', { tier: 'web', app: 'kubia' });
    writeMap(w, 0, 'Node-Selectors', {});
    expect(w.toString()).toBe('Name:            kubia\nLabels:          app=kubia\n                 tier=web\nNode-Selectors:  <none>\n');
  });
});

describe('events', () => {
  it('lists events with ages and repeat counts', () => {
    const w = new DescribeWriter();
    const events: corev1.Event[] = [
      { type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/kubia to node1', firstTimestamp: '2024-05-01T11:59:50Z', lastTimestamp: '2024-05-01T11:59:50Z', source: { component: 'default-scheduler' } },
      { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', firstTimestamp: '2024-05-01T11:55:00Z', lastTimestamp: '2024-05-01T11:59:00Z', count: 4, source: { component: 'kubelet' } },
    ];
    writeEvents(w, scheme, events, now);
    expect(w.toString()).toBe(
      'Events:\n' +
      '  Type     Reason     Age               From               Message\n' +
      '  ----     ------     ----              ----               -------\n' +
      '  Normal   Scheduled  10s               default-scheduler  Successfully assigned default/kubia to node1\n' +
      '  Warning  BackOff    60s (x4 over 5m)  kubelet            Back-off restarting failed container\n',
    );
  });

  it('says <none> without events', () => {
    const w = new DescribeWriter();
    writeEvents(w, scheme, [], now);
    expect(w.toString()).toBe('Events:  <none>\n');
  });
});

describe('describePod', () => {
  it('prints the fields kubectl prints for a pending pod', () => {
    const w = new DescribeWriter();
    const pod: corev1.Pod = {
      metadata: { name: 'kubia', namespace: 'default', labels: { app: 'kubia' } },
      spec: { serviceAccountName: 'default', containers: [{ name: 'kubia', image: 'luksa/kubia', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] },
    };
    describePod(w, pod, () => '30s');
    expect(w.toString()).toBe(
      [
        'Name:             kubia',
        'Namespace:        default',
        'Service Account:  default',
        'Node:             <none>',
        'Labels:           app=kubia',
        'Annotations:      <none>',
        'Status:           Pending',
        'IP:               ',
        'IPs:              <none>',
        'Containers:',
        '  kubia:',
        '    Image:        luksa/kubia',
        '    Port:         8080/TCP',
        '    Host Port:    0/TCP',
        '    Environment:  <none>',
        '    Mounts:       <none>',
        'Conditions:',
        '  Type           Status',
        '  PodScheduled   False ',
        'Volumes:         <none>',
        'QoS Class:       BestEffort',
        'Node-Selectors:  <none>',
        'Tolerations:     <none>',
        '',
      ].join('\n'),
    );
  });

  it('computes the QoS class', () => {
    const c = (requests?: Record<string, string>, limits?: Record<string, string>): corev1.Pod => ({ spec: { containers: [{ name: 'a', resources: { requests, limits } }] } });
    expect(qosClass(c())).toBe('BestEffort');
    expect(qosClass(c(undefined, { cpu: '1', memory: '1Gi' }))).toBe('Guaranteed');
    expect(qosClass(c({ cpu: '500m' }))).toBe('Burstable');
  });
});

describe('helpers', () => {
  it('labels fields like kubectl', () => {
    expect(smartLabel('creationTimestamp')).toBe('Creation Timestamp');
    expect(smartLabel('apiVersion')).toBe('API Version');
    expect(smartLabel('podIP')).toBe('Pod IP');
    expect(smartLabel('uid')).toBe('UID');
    expect(smartLabel('app.kubernetes.io/name')).toBe('app.kubernetes.io/name');
  });

  it('formats ages through the registry', () => {
    expect(ageOf(scheme, '2024-05-01T11:56:48Z', now)).toBe('3m12s');
  });
});
