import { describe, expect, it } from 'vitest';
import { selectControllers } from './controller-selection';

const known = ['replicaset', 'deployment', 'garbage-collector'];

describe('selectControllers', () => {
  it.each([
    [['*'], known],
    [['*', '-deployment'], ['replicaset', 'garbage-collector']],
    [['-deployment', '*'], ['replicaset', 'garbage-collector']],
    [['replicaset'], ['replicaset']],
    [[], []],
  ])('%o → %o', (flag, expected) => {
    expect(selectControllers(flag, known)).toEqual(expected);
  });

  it('names an unknown controller', () => {
    expect(() => selectControllers(['*', '-nope'], known)).toThrow('--controllers: unknown controller(s) "nope"');
  });
});
