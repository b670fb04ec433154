import { describe, expect, it } from 'vitest';
import type * as corev1 from '../generated/core/v1';
import type * as batchv1 from '../generated/batch/v1';
import { defaultScheme } from '../registry/default-scheme';
import type { ApiObject } from '../scheme/kind-info';
import { jobCompletions, jobStatus } from './apps-batch-columns';
import { accessModes, formatEndpoints, nodeRoles, nodeStatus, serviceExternalIP, servicePorts } from './core-v1-columns';

const now = new Date('2024-05-01T12:00:00Z');

function row(resource: string, obj: ApiObject, wide = false): Record<string, string> {
  const info = defaultScheme().resolve(resource);
  if (!info?.columns) throw new Error(`${resource} has no columns`);
  return Object.fromEntries(info.columns.filter((c) => wide || !c.wide).map((c) => [c.name, c.value(obj, now)]));
}

describe('registry columns', () => {
  it('gives every listable kind NAME-first columns (events lead with LAST SEEN, as kubectl)', () => {
    for (const info of defaultScheme().all()) {
      if (['Binding', 'Scale'].includes(info.kind)) continue;
      expect(info.columns, info.kind).toBeDefined();
      expect(info.columns?.[0].name, info.kind).toBe(info.kind === 'Event' ? 'LAST SEEN' : 'NAME');
    }
  });

  it('prints a pod row', () => {
    const pod: corev1.Pod = {
      metadata: { name: 'kubia', creationTimestamp: '2024-05-01T11:55:00Z' },
      spec: { containers: [{ name: 'app' }], nodeName: 'node1' },
      status: { phase: 'Running', podIP: '10.244.1.5', containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }] },
    };
    expect(row('po', pod, true)).toEqual({
      NAME: 'kubia', READY: '1/1', STATUS: 'Running', RESTARTS: '0', AGE: '5m',
      IP: '10.244.1.5', NODE: 'node1', 'NOMINATED NODE': '<none>', 'READINESS GATES': '<none>',
    });
  });

  it('prints deployment, replicaset and configmap rows', () => {
    const deploy = { metadata: { name: 'web', creationTimestamp: '2024-05-01T09:00:00Z' }, spec: { replicas: 3 }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    expect(row('deploy', deploy)).toEqual({ NAME: 'web', READY: '2/3', 'UP-TO-DATE': '3', AVAILABLE: '2', AGE: '3h' });
    const rs = { metadata: { name: 'web-1', creationTimestamp: '2024-05-01T09:00:00Z' }, spec: { replicas: 3 }, status: { replicas: 3, readyReplicas: 1 } };
    expect(row('rs', rs)).toEqual({ NAME: 'web-1', DESIRED: '3', CURRENT: '3', READY: '1', AGE: '3h' });
    const cm = { metadata: { name: 'c', creationTimestamp: '2024-04-28T09:00:00Z' }, data: { a: '1', b: '2' } };
    expect(row('cm', cm)).toEqual({ NAME: 'c', DATA: '2', AGE: '3d3h' });
  });

  it('prints an event row', () => {
    const ev: corev1.Event = {
      metadata: { name: 'kubia.1' },
      involvedObject: { kind: 'Pod', name: 'kubia' },
      type: 'Normal', reason: 'Scheduled', message: 'assigned', lastTimestamp: '2024-05-01T11:59:30Z',
    };
    expect(row('ev', ev)).toEqual({ 'LAST SEEN': '30s', TYPE: 'Normal', REASON: 'Scheduled', OBJECT: 'pod/kubia', MESSAGE: 'assigned' });
  });
});

describe('service cells', () => {
  it('prints ports with node ports and protocols', () => {
    const svc: corev1.Service = { spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } };
    expect(servicePorts(svc)).toBe('80:30080/TCP,53/UDP');
    expect(servicePorts({ spec: {} })).toBe('<none>');
  });
  it('prints external IPs by service type', () => {
    expect(serviceExternalIP({ spec: { type: 'ClusterIP' } })).toBe('<none>');
    expect(serviceExternalIP({ spec: { type: 'LoadBalancer' } })).toBe('<pending>');
    expect(serviceExternalIP({ spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } })).toBe('1.2.3.4');
    expect(serviceExternalIP({ spec: { type: 'ExternalName', externalName: 'example.com' } })).toBe('example.com');
  });
});

describe('node cells', () => {
  it('prints status and roles', () => {
    const node: corev1.Node = {
      metadata: { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'master' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    expect(nodeStatus(node)).toBe('Ready,SchedulingDisabled');
    expect(nodeRoles(node)).toBe('control-plane,master');
    expect(nodeStatus({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })).toBe('NotReady');
    expect(nodeStatus({})).toBe('Unknown');
    expect(nodeRoles({})).toBe('<none>');
  });
});

describe('other cells', () => {
  it('abbreviates endpoints', () => {
    const ep: corev1.Endpoints = {
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 8080 }] }],
    };
    expect(formatEndpoints(ep)).toBe('10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...');
    expect(formatEndpoints({})).toBe('<none>');
  });
  it('abbreviates access modes', () => {
    expect(accessModes(['ReadWriteMany', 'ReadWriteOnce'])).toBe('RWO,RWX');
  });
  it('summarizes jobs', () => {
    const job: batchv1.Job = { spec: { completions: 3 }, status: { succeeded: 1 } };
    expect(jobCompletions(job)).toBe('1/3');
    expect(jobStatus(job)).toBe('Running');
    expect(jobStatus({ status: { conditions: [{ type: 'Complete', status: 'True' }] } })).toBe('Complete');
    expect(jobCompletions({ spec: { parallelism: 2 } })).toBe('0/1 of 2');
  });
});
