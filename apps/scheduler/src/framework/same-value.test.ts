import { describe, expect, it } from 'vitest';
import { sameFields, sameValue } from './same-value';

describe('sameValue', () => {
  it.each([
    ['equal scalars', 1, 1, true],
    ['different scalars', 'a', 'b', false],
    ['null and an object', null, {}, false],
    ['nested equal objects', { a: { b: [1, { c: 'x' }] } }, { a: { b: [1, { c: 'x' }] } }, true],
    ['a nested difference', { a: { b: [1, { c: 'x' }] } }, { a: { b: [1, { c: 'y' }] } }, false],
    ['arrays of different length', [1, 2], [1, 2, 3], false],
    ['an array and an object', [], {}, false],
    ['an extra key', { a: 1 }, { a: 1, b: 2 }, false],
    ['a missing key', { a: 1, b: 2 }, { a: 1 }, false],
    ['an undefined key counts as absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['key order does not matter', { a: 1, b: 2 }, { b: 2, a: 1 }, true],
  ])('%s', (_name, a, b, want) => {
    expect(sameValue(a, b)).toBe(want);
    expect(sameValue(b, a)).toBe(want);
  });

  it('sameFields leaves one field out', () => {
    expect(sameFields({ nodeName: 'a', x: 1 }, { nodeName: 'b', x: 1 }, 'nodeName')).toBe(true);
    expect(sameFields({ nodeName: 'a', x: 1 }, { x: 1 }, 'nodeName')).toBe(true);
    expect(sameFields({ nodeName: 'a', x: 1 }, { nodeName: 'a', x: 2 }, 'nodeName')).toBe(false);
  });
});
