import { describe, expect, it } from 'vitest';
import {
  andFieldSelectors,
  escapeFieldValue,
  everythingFieldSelector,
  type FieldRequirement,
  type Fields,
  fieldSelectorFromSet,
  FieldSelectorParseError,
  oneTermEqualSelector,
  parseFieldSelector,
  unescapeFieldValue,
} from './selector';

describe('parseFieldSelector', () => {
  it.each<[string, FieldRequirement[], string]>([
    ['', [], ''],
    [',', [], ''],
    ['=', [], ''],
    ['a=b', [{ field: 'a', operator: '=', value: 'b' }], 'a=b'],
    ['a==b', [{ field: 'a', operator: '=', value: 'b' }], 'a=b'],
    ['a!=b', [{ field: 'a', operator: '!=', value: 'b' }], 'a!=b'],
    ['a=', [{ field: 'a', operator: '=', value: '' }], 'a='],
    ['=b', [{ field: '', operator: '=', value: 'b' }], '=b'],
    [
      'metadata.name=x,status.phase!=Running',
      [
        { field: 'metadata.name', operator: '=', value: 'x' },
        { field: 'status.phase', operator: '!=', value: 'Running' },
      ],
      'metadata.name=x,status.phase!=Running',
    ],
    // terms are ordered by their text
    [
      'z=1,a=2',
      [
        { field: 'a', operator: '=', value: '2' },
        { field: 'z', operator: '=', value: '1' },
      ],
      'a=2,z=1',
    ],
    ['a=b,,', [{ field: 'a', operator: '=', value: 'b' }], 'a=b'],
    // the first operator splits the term, so an escaped '=' can follow it
    ['a!=\\=b', [{ field: 'a', operator: '!=', value: '=b' }], 'a!=\\=b'],
    ['a==\\=b', [{ field: 'a', operator: '=', value: '=b' }], 'a=\\=b'],
    // escapes
    ['a=b\\,c', [{ field: 'a', operator: '=', value: 'b,c' }], 'a=b\\,c'],
    ['a=b\\=c', [{ field: 'a', operator: '=', value: 'b=c' }], 'a=b\\=c'],
    ['a=b\\\\c', [{ field: 'a', operator: '=', value: 'b\\c' }], 'a=b\\\\c'],
    [
      'a=\\\\,b=c',
      [
        { field: 'a', operator: '=', value: '\\' },
        { field: 'b', operator: '=', value: 'c' },
      ],
      'a=\\\\,b=c',
    ],
    // whitespace is data, not syntax
    [' a = b ', [{ field: ' a ', operator: '=', value: ' b ' }], ' a = b '],
  ])('%j', (input, requirements, text) => {
    const s = parseFieldSelector(input);
    expect(s.requirements()).toEqual(requirements);
    expect(s.toString()).toBe(text);
    expect(s.isEmpty()).toBe(requirements.length === 0);
    // The printed form parses back to the same terms.
    expect(parseFieldSelector(s.toString()).requirements()).toEqual(requirements);
  });

  it.each([
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a<b', "invalid selector: 'a<b'; can't understand 'a<b'"],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a!=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a!==b', 'invalid field selector: unescaped character in value: 61'],
    ['a===b', 'invalid field selector: unescaped character in value: 61'],
  ])('%j → %s', (input, message) => {
    expect(() => parseFieldSelector(input)).toThrow(FieldSelectorParseError);
    expect(() => parseFieldSelector(input)).toThrow(message);
  });
});

describe('FieldSelector.matches', () => {
  it.each<[string, Fields | undefined, boolean]>([
    ['', undefined, true],
    ['', { a: 'b' }, true],
    ['a=b', { a: 'b' }, true],
    ['a=b', { a: 'c' }, false],
    ['a=b', {}, false],
    ['a=', {}, true],
    ['a=', undefined, true],
    ['a!=b', {}, true],
    ['a!=b', { a: 'b' }, false],
    ['a!=b', { a: 'c' }, true],
    ['a=b,c!=d', { a: 'b', c: 'e' }, true],
    ['a=b,c!=d', { a: 'b', c: 'd' }, false],
    ['a=b\\,c', { a: 'b,c' }, true],
    ['constructor=', {}, true],
  ])('%j on %o → %s', (selector, fields, expected) => {
    expect(parseFieldSelector(selector).matches(fields)).toBe(expected);
  });
});

describe('requirementsFor and requiresExactMatch', () => {
  const s = parseFieldSelector('metadata.name=x,spec.nodeName!=n1,spec.nodeName!=n2');

  it('lists the terms for one field', () => {
    expect(s.requirementsFor('spec.nodeName')).toEqual([
      { field: 'spec.nodeName', operator: '!=', value: 'n1' },
      { field: 'spec.nodeName', operator: '!=', value: 'n2' },
    ]);
    expect(s.requirementsFor('status.phase')).toEqual([]);
  });

  it.each([
    ['metadata.name', 'x'],
    ['spec.nodeName', undefined],
    ['status.phase', undefined],
  ])('requiresExactMatch(%s) → %s', (field, value) => {
    expect(s.requiresExactMatch(field)).toBe(value);
  });
});

describe('transform', () => {
  it('rewrites terms and drops those mapped to empty', () => {
    const s = parseFieldSelector('name=x,legacy=y').transform((field, value) => {
      if (field === 'name') return ['metadata.name', value];
      return ['', ''];
    });
    expect(s.requirements()).toEqual([{ field: 'metadata.name', operator: '=', value: 'x' }]);
  });
});

describe('constructors', () => {
  it('fieldSelectorFromSet sorts by field and escapes on print', () => {
    const s = fieldSelectorFromSet({ 'spec.nodeName': 'n,1', 'metadata.namespace': 'default' });
    expect(s.toString()).toBe('metadata.namespace=default,spec.nodeName=n\\,1');
    expect(s.matches({ 'metadata.namespace': 'default', 'spec.nodeName': 'n,1' })).toBe(true);
    expect(fieldSelectorFromSet(undefined).isEmpty()).toBe(true);
  });

  it('oneTermEqualSelector, andFieldSelectors and everythingFieldSelector', () => {
    expect(oneTermEqualSelector('metadata.name', 'a=b').toString()).toBe('metadata.name=a\\=b');
    const both = andFieldSelectors(oneTermEqualSelector('a', '1'), parseFieldSelector('b!=2'));
    expect(both.toString()).toBe('a=1,b!=2');
    expect(both.matches({ a: '1', b: '3' })).toBe(true);
    expect(everythingFieldSelector().isEmpty()).toBe(true);
    expect(everythingFieldSelector().matches({})).toBe(true);
  });
});

describe('escapeFieldValue / unescapeFieldValue', () => {
  it.each([
    ['', ''],
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a=b', 'a\\=b'],
    ['a\\b', 'a\\\\b'],
    ['\\,=', '\\\\\\,\\='],
    ['ünïcode', 'ünïcode'],
  ])('%j ⇄ %j', (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });

  it('names the bad escape', () => {
    expect(() => unescapeFieldValue('\\é')).toThrow('invalid field selector: invalid escape sequence: \\é');
    expect(() => unescapeFieldValue('a,b')).toThrow('invalid field selector: unescaped character in value: 44');
  });
});
