import { describe, expect, it } from 'vitest';
import type { PriorityClass } from '../generated/scheduling/v1';
import { formatFieldError } from '../validation/field-path';
import { applyPriorityClassDefaults, priorityClassStrategy } from './other-groups-scheduling';

function priorityClass(name: string, fields: Omit<PriorityClass, 'metadata'>): PriorityClass {
  const pc: PriorityClass = { metadata: { name }, ...fields };
  applyPriorityClassDefaults(pc);
  return pc;
}

const errorsOf = (pc: PriorityClass): string[] => (priorityClassStrategy.validate?.(pc) ?? []).map(formatFieldError);

describe('PriorityClass', () => {
  it('defaults preemptionPolicy and globalDefault', () => {
    const pc = priorityClass('high', { value: 1000 });
    expect(pc.preemptionPolicy).toBe('PreemptLowerPriority');
    expect(pc.globalDefault).toBe(false);
    const never = priorityClass('batch', { value: 10, preemptionPolicy: 'Never', globalDefault: true });
    expect([never.preemptionPolicy, never.globalDefault]).toEqual(['Never', true]);
  });

  it.each<[string, PriorityClass, string[]]>([
    ['a user class', priorityClass('high', { value: 1_000_000_000 }), []],
    ['a negative value', priorityClass('low', { value: -10 }), []],
    ['no value', priorityClass('none', {}), ['value: Required value']],
    [
      'a user class above the ceiling',
      priorityClass('too-high', { value: 1_000_000_001 }),
      ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'],
    ],
    ['system-node-critical', priorityClass('system-node-critical', { value: 2_000_001_000 }), []],
    ['system-cluster-critical', priorityClass('system-cluster-critical', { value: 2_000_000_000 }), []],
    [
      'a made-up system class',
      priorityClass('system-mine', { value: 5 }),
      ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"],
    ],
    [
      'a system class with the wrong value',
      priorityClass('system-node-critical', { value: 5 }),
      ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000"],
    ],
    [
      'a system class as global default',
      priorityClass('system-cluster-critical', { value: 2_000_000_000, globalDefault: true }),
      ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false"],
    ],
    [
      'an unknown preemption policy',
      priorityClass('odd', { value: 1, preemptionPolicy: 'Sometimes' }),
      ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"'],
    ],
  ])('%s', (_name, pc, errors) => {
    expect(errorsOf(pc)).toEqual(errors);
  });

  it('keeps value and preemptionPolicy on update', () => {
    const old = priorityClass('high', { value: 1000 });
    const ok = priorityClass('high', { value: 1000, description: 'new words', globalDefault: true });
    expect((priorityClassStrategy.validateUpdate?.(ok, old) ?? []).map(formatFieldError)).toEqual([]);
    const changed = priorityClass('high', { value: 2000, preemptionPolicy: 'Never' });
    expect((priorityClassStrategy.validateUpdate?.(changed, old) ?? []).map(formatFieldError)).toEqual([
      'value: Forbidden: may not be changed in an update.',
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
  });
});
