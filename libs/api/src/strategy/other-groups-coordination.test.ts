import { describe, expect, it } from 'vitest';
import type { LeaseSpec } from '../generated/coordination/v1';
import { formatFieldError } from '../validation/field-path';
import { leaseStrategy } from './other-groups-coordination';

const errorsOf = (spec: LeaseSpec): string[] =>
  (leaseStrategy.validate?.({ metadata: { name: 'node-a', namespace: 'kube-node-lease' }, spec }) ?? []).map(formatFieldError);

describe('Lease validation', () => {
  it.each<[string, LeaseSpec, string[]]>([
    ['a heartbeat', { holderIdentity: 'node-a', leaseDurationSeconds: 40, leaseTransitions: 0 }, []],
    ['an empty spec', {}, []],
    ['zero duration', { leaseDurationSeconds: 0 }, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']],
    ['negative duration', { leaseDurationSeconds: -5 }, ['spec.leaseDurationSeconds: Invalid value: -5: must be greater than 0']],
    ['negative transitions', { leaseTransitions: -1 }, ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0']],
    ['a known strategy with a preferred holder', { strategy: 'OldestEmulationVersion', preferredHolder: 'a' }, []],
    ['a custom strategy', { strategy: 'example.com/Newest' }, []],
    [
      'an unknown strategy',
      { strategy: 'Newest' },
      ['spec.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion"'],
    ],
    [
      'a preferred holder without a strategy',
      { preferredHolder: 'scheduler-0' },
      ['spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined'],
    ],
  ])('%s', (_name, spec, errors) => {
    expect(errorsOf(spec)).toEqual(errors);
  });

  it('checks updates like creates', () => {
    expect(leaseStrategy.validateUpdate).toBeUndefined();
  });
});
