import { describe, expect, it } from 'vitest';
import { AggregateCliError, formatError } from '../errors';
import { applyTaints, checkConflicts, parseTaint, parseTaints, splitTaintArgs, taintString } from './taint';

describe('parseTaint', () => {
  it('reads key=value:Effect, key:Effect and key', () => {
    expect(parseTaint('dedicated=special-user:NoSchedule')).toEqual({ key: 'dedicated', value: 'special-user', effect: 'NoSchedule' });
    expect(parseTaint('example.com/gpu:NoExecute')).toEqual({ key: 'example.com/gpu', value: '', effect: 'NoExecute' });
    expect(parseTaint('dedicated')).toEqual({ key: 'dedicated', value: '', effect: '' });
  });

  it('validates the effect, the key and the value', () => {
    expect(() => parseTaint('a=b:Never')).toThrow('invalid taint effect: Never, unsupported taint effect');
    expect(() => parseTaint('a=b=c:NoSchedule')).toThrow('invalid taint spec: a=b=c:NoSchedule');
    expect(() => parseTaint('a:b:c')).toThrow('invalid taint spec: a:b:c');
    expect(() => parseTaint('bad key:NoSchedule')).toThrow(/^invalid taint spec: bad key:NoSchedule, name part must consist of alphanumeric characters/);
    expect(() => parseTaint('a=-x:NoSchedule')).toThrow(/^invalid taint spec: a=-x:NoSchedule, a valid label must be/);
  });
});

describe('parseTaints and arguments', () => {
  it('splits additions from removals, which may omit the effect', () => {
    expect(parseTaints(['a=1:NoSchedule', 'b:NoExecute-', 'c-'])).toEqual({
      add: [{ key: 'a', value: '1', effect: 'NoSchedule' }],
      remove: [{ key: 'b', value: '', effect: 'NoExecute' }, { key: 'c', value: '', effect: '' }],
    });
  });

  it('needs an effect to add, and each key and effect once', () => {
    expect(() => parseTaints(['a=1'])).toThrow('invalid taint spec: a=1');
    expect(() => parseTaints(['a=1:NoSchedule', 'a=2:NoSchedule'])).toThrow('duplicated taints with the same key and effect: {a 2 NoSchedule <nil>}');
  });

  it('takes resources first, then taints', () => {
    expect(splitTaintArgs(['nodes', 'n1', 'n2', 'a=b:NoSchedule', 'c-'])).toEqual({ resources: ['nodes', 'n1', 'n2'], taints: ['a=b:NoSchedule', 'c-'] });
    expect(() => splitTaintArgs(['nodes', 'a=b:NoSchedule', 'n1'])).toThrow('all resources must be specified before taint changes: n1');
  });

  it('refuses changing and removing the same taint', () => {
    const { add, remove } = parseTaints(['a=1:NoSchedule', 'a-']);
    expect(() => checkConflicts(add, remove)).toThrow('can not both modify and remove the following taint(s) in the same command: {"a":""}');
    expect(() => checkConflicts(add, parseTaints(['a:NoExecute-']).remove)).not.toThrow();
  });
});

describe('applyTaints', () => {
  const existing = [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }];

  it('adds new taints in front and says tainted', () => {
    expect(applyTaints('n1', existing, [{ key: 'gpu', value: '', effect: 'NoExecute' }], [], false)).toEqual({
      taints: [{ key: 'gpu', value: undefined, effect: 'NoExecute' }, ...existing],
      operation: 'tainted',
    });
  });

  it('needs --overwrite to change a taint, and then says modified', () => {
    const change = [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }];
    expect(() => applyTaints('n1', existing, change, [], false)).toThrow('node n1 already has dedicated taint(s) with same effect(s) and --overwrite is false');
    expect(applyTaints('n1', existing, change, [], true)).toEqual({ taints: change, operation: 'modified' });
  });

  it('removes by key and effect or by key alone, and says untainted; missing ones are errors', () => {
    const two = [...existing, { key: 'dedicated', value: 'x', effect: 'NoExecute' }];
    expect(applyTaints('n1', two, [], [{ key: 'dedicated', value: '', effect: 'NoExecute' }], false)).toEqual({ taints: existing, operation: 'untainted' });
    expect(applyTaints('n1', two, [], [{ key: 'dedicated', value: '', effect: '' }], false)).toEqual({ taints: [], operation: 'untainted' });
    expect(() => applyTaints('n1', existing, [], [{ key: 'gpu', value: '', effect: 'NoSchedule' }], false)).toThrow('taint "gpu:NoSchedule" not found');
    try {
      applyTaints('n1', existing, [], [{ key: 'a', value: '', effect: '' }, { key: 'b', value: '', effect: 'NoSchedule' }], false);
    } catch (err) {
      expect(err).toBeInstanceOf(AggregateCliError);
      expect(formatError(err)).toBe('taint "a" not found\ntaint "b:NoSchedule" not found\n');
    }
  });

  it('writes taints as kubectl does', () => {
    expect(taintString({ key: 'a', value: 'b', effect: 'NoSchedule' })).toBe('a=b:NoSchedule');
    expect(taintString({ key: 'a', value: '', effect: '' })).toBe('a');
  });
});

describe('aggregated errors', () => {
  it('prints one with the error prefix, unless nested as drain\'s are', () => {
    expect(formatError(new AggregateCliError(['taint "a" not found']))).toBe('error: taint "a" not found\n');
    expect(formatError(new AggregateCliError(['cannot delete x: ns/p'], true))).toBe('cannot delete x: ns/p\n');
    expect(new AggregateCliError(['a', 'b']).message).toBe('[a, b]');
  });
});
