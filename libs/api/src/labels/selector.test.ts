import { describe, expect, it } from 'vitest';
import { FieldPath } from '../validation/field-path';
import {
  everythingSelector,
  formatLabelSelector,
  type Labels,
  LabelSelectorError,
  newRequirement,
  nothingSelector,
  parseSelector,
  parseToRequirements,
  selectorFromLabelSelector,
  selectorFromSet,
  validatedSelectorFromSet,
} from './selector';

const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function errorOf(fn: () => unknown): LabelSelectorError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LabelSelectorError) return e;
    throw e;
  }
  throw new Error('expected a LabelSelectorError');
}

describe('parseSelector → canonical string', () => {
  it.each([
    ['', ''],
    ['   ', ''],
    ['x=a', 'x=a'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x', 'x'],
    ['!x', '!x'],
    [' ! x ', '!x'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x in (a,a,b)', 'x in (a,b)'],
    ['x notin (a)', 'x notin (a)'],
    ['x in ()', 'x in ()'],
    ['x in (,)', 'x in ()'],
    ['x in (a,,b)', 'x in (,a,b)'],
    ['x in (a,)', 'x in (,a)'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (in,notin)', 'x in (in,notin)'],
    ['in=notin', 'in=notin'],
    ['z=1,a=2', 'a=2,z=1'],
    ['x=', 'x='],
    ['x=,y=b', 'x=,y=b'],
    ['x>1', 'x>1'],
    ['x<10', 'x<10'],
    ['x in (a),y', 'x in (a),y'],
    ['  x  =  a  ,  y  in  ( b , c )  ', 'x=a,y in (b,c)'],
    ['\tx=a,\ny!=b\r', 'x=a,y!=b'],
    ['!example.com/canary,example.com/app=web', 'example.com/app=web,!example.com/canary'],
    ['a.b-c_d=A.b-C_9', 'a.b-c_d=A.b-C_9'],
  ])('%j → %j', (input, canonical) => {
    const selector = parseSelector(input);
    expect(selector.toString()).toBe(canonical);
    expect(parseSelector(canonical).toString()).toBe(canonical);
    expect(selector.isEmpty()).toBe(canonical === '');
    expect(selector.matchesNothing()).toBe(false);
  });
});

describe('parseSelector errors', () => {
  it.each([
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['x=a=b', "found '=', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x=a,', "found '', expected: identifier after ','"],
    ['x=a,,y', "found ',', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['(x)', "found '(', expected: !, identifier, or 'end of string'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in', "unable to parse requirement: found '' expected: '('"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x y', "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"],
    ['x (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['x=(a)', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!!x', "unable to parse requirement: found '!', expected: identifier"],
    ['-x=a', `unable to parse requirement: <nil>: Invalid value: "-x": name part ${QNAME_MSG}`],
    [
      `${'k'.repeat(64)}=a`,
      `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
    ],
    ['/x', 'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty'],
    ['x=a@b', `unable to parse requirement: values[0][x]: Invalid value: "a@b": ${LABEL_VALUE_MSG}`],
    [
      `x=${'v'.repeat(64)}`,
      `unable to parse requirement: values[0][x]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    ],
    [
      'x in (b@,a@)',
      `unable to parse requirement: [values[0][x]: Invalid value: "a@": ${LABEL_VALUE_MSG}, values[1][x]: Invalid value: "b@": ${LABEL_VALUE_MSG}]`,
    ],
    ['x>a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    // gt/lt values are label values too, so negative bounds cannot be written
    ['x<-10', `unable to parse requirement: values[0][x]: Invalid value: "-10": ${LABEL_VALUE_MSG}`],
    ['x<99999999999999999999', "unable to parse requirement: values[0]: Invalid value: \"99999999999999999999\": for 'Gt', 'Lt' operators, the value must be an integer"],
  ])('%j → %s', (input, message) => {
    const err = errorOf(() => parseSelector(input));
    expect(err.message).toBe(message);
    expect(err.name).toBe('LabelSelectorError');
  });

  it('carries the field errors behind a validation failure', () => {
    const err = errorOf(() => parseSelector('x=a@b'));
    expect(err.fieldErrors).toHaveLength(1);
    expect(err.fieldErrors[0]).toMatchObject({ type: 'Invalid', field: 'values[0][x]', badValue: 'a@b' });
  });
});

describe('Selector.matches', () => {
  it.each<[string, Labels | undefined, boolean]>([
    ['', undefined, true],
    ['', { a: 'b' }, true],
    ['x=a', { x: 'a' }, true],
    ['x==a', { x: 'a', y: 'b' }, true],
    ['x=a', { x: 'b' }, false],
    ['x=a', {}, false],
    ['x=a', undefined, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x!=a', {}, true],
    ['x!=a', undefined, true],
    ['x!=a', { x: 'a' }, false],
    ['x!=a', { x: 'b' }, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in (a,b)', {}, false],
    ['x in ()', { x: '' }, true],
    ['x notin (a,b)', {}, true],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x notin (a,b)', { x: 'c' }, true],
    ['x', { x: '' }, true],
    ['x', {}, false],
    ['!x', {}, true],
    ['!x', { x: '' }, false],
    ['x>1', { x: '2' }, true],
    ['x>1', { x: '1' }, false],
    ['x>1', { x: 'two' }, false],
    ['x>1', {}, false],
    ['x<1', { x: '-5' }, true],
    ['x<1', { x: '5' }, false],
    ['x=a,y', { x: 'a', y: 'b' }, true],
    ['x=a,y', { x: 'a' }, false],
    ['x=a,!y', { x: 'a', y: '' }, false],
    // inherited properties are not labels
    ['constructor', {}, false],
    ['toString=x', {}, false],
    ['!hasOwnProperty', {}, true],
  ])('%j on %o → %s', (input, labels, expected) => {
    expect(parseSelector(input).matches(labels)).toBe(expected);
  });
});

describe('Selector.requiresExactMatch', () => {
  it.each<[string, string, string | undefined]>([
    ['x=a', 'x', 'a'],
    ['x==a', 'x', 'a'],
    ['x in (a)', 'x', 'a'],
    ['x in (a,b)', 'x', undefined],
    ['x!=a', 'x', undefined],
    ['x', 'x', undefined],
    ['y=a', 'x', undefined],
  ])('%j, %s → %s', (input, key, value) => {
    expect(parseSelector(input).requiresExactMatch(key)).toBe(value);
  });
});

describe('parseToRequirements and add', () => {
  it('returns requirements in key order with sorted, unique values', () => {
    expect(parseToRequirements('b=1,a in (y,x,y)')).toEqual([
      { key: 'a', operator: 'in', values: ['x', 'y'] },
      { key: 'b', operator: '=', values: ['1'] },
    ]);
  });

  it('adds requirements without changing the original', () => {
    const base = parseSelector('b=1');
    const more = base.add(newRequirement('a', '=', ['2']));
    expect(more.toString()).toBe('a=2,b=1');
    expect(base.toString()).toBe('b=1');
  });
});

describe('newRequirement', () => {
  it.each<[string, string, string[], string]>([
    [
      'x',
      'foo',
      [],
      'operator: Unsupported value: "foo": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
    ],
    ['x', '=', ['a', 'b'], 'values: Invalid value: []string{"a", "b"}: exact-match compatibility requires one single value'],
    ['x', '!=', [], 'values: Invalid value: []string{}: exact-match compatibility requires one single value'],
    ['x', 'in', [], "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
    ['x', 'exists', ['a'], 'values: Invalid value: []string{"a"}: values set must be empty for exists and does not exist'],
    ['x', 'gt', ['1', '2'], "values: Invalid value: []string{\"1\", \"2\"}: for 'Gt', 'Lt' operators, exactly one value is required"],
    ['', '=', ['a'], `key: Invalid value: "": name part must be non-empty; name part ${QNAME_MSG}`],
  ])('(%j, %j, %o) → %s', (key, op, values, message) => {
    expect(errorOf(() => newRequirement(key, op, values)).message).toBe(message);
  });

  it('prefixes paths when given one', () => {
    const path = FieldPath.root('spec', 'selector');
    expect(errorOf(() => newRequirement('x', 'in', ['a@'], path)).message).toBe(
      `spec.selector.values[0][x]: Invalid value: "a@": ${LABEL_VALUE_MSG}`,
    );
  });

  it('accepts valid requirements and keeps their values', () => {
    expect(newRequirement('x', 'notin', ['b', 'a'])).toEqual({ key: 'x', operator: 'notin', values: ['b', 'a'] });
    expect(newRequirement('x', '!', [])).toEqual({ key: 'x', operator: '!', values: [] });
  });
});

describe('selectorFromSet', () => {
  it('matches exactly the set, in key order', () => {
    const s = selectorFromSet({ b: '2', a: '1' });
    expect(s.toString()).toBe('a=1,b=2');
    expect(s.matches({ a: '1', b: '2', c: '3' })).toBe(true);
    expect(s.matches({ a: '1' })).toBe(false);
  });

  it.each([[{}], [undefined]])('selects everything for %o', (set) => {
    const s = selectorFromSet(set);
    expect(s.isEmpty()).toBe(true);
    expect(s.matches({ any: 'thing' })).toBe(true);
  });

  it('does not validate, but validatedSelectorFromSet does', () => {
    expect(selectorFromSet({ 'a b': 'c' }).toString()).toBe('a b=c');
    expect(errorOf(() => validatedSelectorFromSet({ 'a b': 'c' })).message).toBe(
      `key: Invalid value: "a b": name part ${QNAME_MSG}`,
    );
    expect(validatedSelectorFromSet({ z: '1', a: '2' }).toString()).toBe('a=2,z=1');
  });
});

describe('selectorFromLabelSelector (LabelSelectorAsSelector)', () => {
  it.each([[null], [undefined]])('an absent selector (%s) matches nothing', (ls) => {
    const s = selectorFromLabelSelector(ls);
    expect(s.matches({})).toBe(false);
    expect(s.matches({ a: 'b' })).toBe(false);
    expect(s.matchesNothing()).toBe(true);
    expect(s.isEmpty()).toBe(false);
    expect(s.toString()).toBe('');
    expect(s.requirements()).toEqual([]);
    expect(s.add(newRequirement('a', 'exists', []))).toBe(s);
  });

  it.each([[{}], [{ matchLabels: {}, matchExpressions: [] }]])('an empty selector %o matches everything', (ls) => {
    const s = selectorFromLabelSelector(ls);
    expect(s.matches({})).toBe(true);
    expect(s.matches(undefined)).toBe(true);
    expect(s.isEmpty()).toBe(true);
    expect(s.matchesNothing()).toBe(false);
  });

  it('converts matchLabels and every operator', () => {
    const s = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'x', operator: 'Exists' },
        { key: 'y', operator: 'DoesNotExist', values: [] },
      ],
    });
    expect(s.toString()).toBe('app=web,env notin (prod),tier in (a,b),x,!y');
    expect(s.matches({ app: 'web', tier: 'a', x: '1' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'a', x: '1', env: 'prod' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'a', x: '1', y: '' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'c', x: '1' })).toBe(false);
  });

  it.each([
    [{ matchExpressions: [{ key: 'x', operator: 'in', values: ['a'] }] }, '"in" is not a valid pod selector operator'],
    [{ matchExpressions: [{ key: 'x' }] }, '"" is not a valid pod selector operator'],
    [
      { matchExpressions: [{ key: 'x', operator: 'In' }] },
      "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'x', operator: 'Exists', values: ['a'] }] },
      'values: Invalid value: []string{"a"}: values set must be empty for exists and does not exist',
    ],
    [{ matchExpressions: [{ key: '-x', operator: 'Exists' }] }, `key: Invalid value: "-x": name part ${QNAME_MSG}`],
    [{ matchLabels: { a: '-' } }, `values[0][a]: Invalid value: "-": ${LABEL_VALUE_MSG}`],
  ])('%o → %s', (ls, message) => {
    expect(errorOf(() => selectorFromLabelSelector(ls)).message).toBe(message);
  });
});

describe('formatLabelSelector', () => {
  it.each([
    [null, '<none>'],
    [{}, '<none>'],
    [{ matchLabels: { app: 'web' } }, 'app=web'],
    [{ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, '<error>'],
  ])('%o → %s', (ls, text) => {
    expect(formatLabelSelector(ls)).toBe(text);
  });
});

describe('everythingSelector / nothingSelector', () => {
  it('behave as their names say', () => {
    expect(everythingSelector().matches({ a: 'b' })).toBe(true);
    expect(everythingSelector().isEmpty()).toBe(true);
    expect(nothingSelector().matches({})).toBe(false);
    expect(nothingSelector().matchesNothing()).toBe(true);
  });
});
