import { describe, expect, it } from 'vitest';
import { findUntoleratedTaint, toleratesTaint } from './taints';

const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('toleratesTaint', () => {
  it.each([
    [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', value: 'gpu' }, true],
    [{ key: 'dedicated', value: 'cpu' }, false],
    [{ key: 'dedicated', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true],
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ key: 'dedicated', operator: 'Gt', value: 'gpu' }, false],
  ])('%o → %s', (toleration, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});

describe('findUntoleratedTaint', () => {
  it('returns the first taint in scope that nothing tolerates', () => {
    const taints = [taint, { key: 'soft', effect: 'PreferNoSchedule' }, { key: 'hard', effect: 'NoExecute' }];
    const noScheduleOrExecute = (t: { effect?: string }): boolean => t.effect !== 'PreferNoSchedule';
    expect(findUntoleratedTaint(taints, [{ key: 'dedicated', operator: 'Exists' }], noScheduleOrExecute)).toEqual(taints[2]);
    expect(findUntoleratedTaint(taints, [{ operator: 'Exists' }], noScheduleOrExecute)).toBeUndefined();
  });
});
