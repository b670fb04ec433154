import type { appsv1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { daemonSetStatus, deploymentStatus, statefulSetStatus } from './status-viewers';

function deployment(status: appsv1.DeploymentStatus, generation = 2, replicas = 3): appsv1.Deployment {
  return { metadata: { name: 'web', generation, annotations: { 'deployment.kubernetes.io/revision': '2' } }, spec: { replicas }, status };
}

describe('deploymentStatus', () => {
  it('waits for the spec to be observed', () => {
    expect(deploymentStatus(deployment({ observedGeneration: 1 }), 0)).toEqual({ message: 'Waiting for deployment spec update to be observed...\n', done: false });
  });

  it('follows updated, old and available replicas until the rollout is done', () => {
    const at = (s: appsv1.DeploymentStatus): string => deploymentStatus(deployment({ observedGeneration: 2, ...s }), 0).message;
    expect(at({ replicas: 3, updatedReplicas: 1 })).toBe('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n');
    expect(at({ replicas: 4, updatedReplicas: 3 })).toBe('Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...\n');
    expect(at({ replicas: 3, updatedReplicas: 3, availableReplicas: 1 })).toBe('Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...\n');
    expect(deploymentStatus(deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), 0)).toEqual({
      message: 'deployment "web" successfully rolled out\n',
      done: true,
    });
  });

  it('fails once the progress deadline is exceeded', () => {
    const d = deployment({ observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
    expect(() => deploymentStatus(d, 0)).toThrow('deployment "web" exceeded its progress deadline');
  });

  it('checks a pinned revision', () => {
    expect(() => deploymentStatus(deployment({ observedGeneration: 2 }), 3)).toThrow('desired revision (3) is different from the running revision (2)');
    expect(deploymentStatus(deployment({ observedGeneration: 2 }), 2).done).toBe(false);
  });
});

describe('daemonSetStatus', () => {
  const ds = (status: appsv1.DaemonSetStatus, type = 'RollingUpdate'): appsv1.DaemonSet => ({
    metadata: { name: 'agent', generation: 1 },
    spec: { updateStrategy: { type } },
    status: { observedGeneration: 1, ...status },
  });

  it('counts updated and available pods', () => {
    expect(daemonSetStatus(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 2 }), 0).message).toBe('Waiting for daemon set "agent" rollout to finish: 2 out of 3 new pods have been updated...\n');
    expect(daemonSetStatus(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1 }), 0).message).toBe('Waiting for daemon set "agent" rollout to finish: 1 of 3 updated pods are available...\n');
    expect(daemonSetStatus(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), 0)).toEqual({ message: 'daemon set "agent" successfully rolled out\n', done: true });
  });

  it('only follows rolling updates', () => {
    expect(() => daemonSetStatus(ds({}, 'OnDelete'), 0)).toThrow('rollout status is only available for RollingUpdate strategy type');
  });
});

describe('statefulSetStatus', () => {
  const sts = (status: appsv1.StatefulSetStatus, partition?: number): appsv1.StatefulSet => ({
    metadata: { name: 'db', generation: 1 },
    spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: partition === undefined ? undefined : { partition } } },
    status: { observedGeneration: 1, ...status },
  });

  it('waits for ready pods, then for the partitioned or full rolling update', () => {
    expect(statefulSetStatus(sts({ observedGeneration: 0 }), 0).message).toBe('Waiting for statefulset spec update to be observed...\n');
    expect(statefulSetStatus(sts({ readyReplicas: 1 }), 0).message).toBe('Waiting for 2 pods to be ready...\n');
    expect(statefulSetStatus(sts({ readyReplicas: 3, updatedReplicas: 1 }, 1), 0).message).toBe('Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...\n');
    expect(statefulSetStatus(sts({ readyReplicas: 3, updatedReplicas: 3 }, 0), 0)).toEqual({ message: 'partitioned roll out complete: 3 new pods have been updated...\n', done: true });
    expect(statefulSetStatus(sts({ readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' }), 0).message).toBe('waiting for statefulset rolling update to complete 1 pods at revision db-2...\n');
    expect(statefulSetStatus(sts({ readyReplicas: 3, currentReplicas: 3, currentRevision: 'db-2', updateRevision: 'db-2' }), 0)).toEqual({
      message: 'statefulset rolling update complete 3 pods at revision db-2...\n',
      done: true,
    });
  });
});
