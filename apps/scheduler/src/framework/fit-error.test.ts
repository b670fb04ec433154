import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/wrappers';
import { FitError, newDiagnosis, reasonHistogram } from './fit-error';
import { NodeToStatus } from './interfaces';
import { PodInfo } from './pod-info';
import { unresolvable, unschedulable } from './status';

describe('FitError message', () => {
  const pod = new PodInfo(makePod('p').obj());

  it('counts reasons over nodes, sorted', () => {
    const d = newDiagnosis();
    d.nodeToStatus.set('n1', unschedulable('Insufficient cpu'));
    d.nodeToStatus.set('n2', unschedulable('Insufficient cpu'));
    d.nodeToStatus.set('n3', unresolvable('node(s) had untolerated taint {dedicated: gpu}'));
    expect(new FitError(pod, 3, d).message).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu.');
  });

  it('a node with several reasons counts each', () => {
    const d = newDiagnosis();
    d.nodeToStatus.set('n1', unschedulable('Insufficient cpu', 'Insufficient memory'));
    d.nodeToStatus.set('n2', unschedulable('Insufficient memory'));
    expect(new FitError(pod, 2, d).message).toBe('0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.');
  });

  it('a PreFilter rejection is reported once', () => {
    const d = newDiagnosis();
    d.preFilterMsg = 'persistentvolumeclaim "data" not found';
    d.nodeToStatus.absent = unresolvable(d.preFilterMsg);
    expect(new FitError(pod, 5, d).message).toBe('0/5 nodes are available: persistentvolumeclaim "data" not found.');
  });

  it('appends what preemption found', () => {
    const d = newDiagnosis();
    d.nodeToStatus.set('n1', unschedulable('Insufficient cpu'));
    d.postFilterMsg = 'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
    expect(new FitError(pod, 1, d).message).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
  });

  it('absent nodes count with the absent status', () => {
    const m = new NodeToStatus(unresolvable('Preemption is not helpful for scheduling'));
    m.set('n1', unresolvable('No preemption victims found for incoming pod'));
    expect(reasonHistogram(m, 3)).toBe('1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling');
  });

  it('no nodes at all', () => {
    expect(new FitError(pod, 0, newDiagnosis()).message).toBe('no nodes available to schedule pods');
  });
});
