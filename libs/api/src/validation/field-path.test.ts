import { describe, expect, it } from 'vitest';
import {
  duplicate,
  type FieldError,
  fieldErrorCauseType,
  type FieldErrorType,
  fieldErrorTypeText,
  FieldPath,
  forbidden,
  formatFieldError,
  formatFieldErrorBody,
  formatFieldErrorList,
  goQuote,
  internalError,
  invalid,
  notFound,
  notSupported,
  required,
  root,
  tooLong,
  tooMany,
} from './field-path';

describe('FieldPath', () => {
  it.each<[FieldPath, string]>([
    [root('spec'), 'spec'],
    [root('spec').child('containers').index(0).child('image'), 'spec.containers[0].image'],
    [root('metadata').child('labels').key('foo'), 'metadata.labels[foo]'],
    [root('metadata', 'annotations').key('example.com/x'), 'metadata.annotations[example.com/x]'],
    [root('a', 'b', 'c'), 'a.b.c'],
    [root('a').child('b', 'c'), 'a.b.c'],
    [root('a').index(0).index(1), 'a[0][1]'],
    [root('a').key(''), 'a[]'],
    [FieldPath.root('spec').child('ports').index(2).child('port'), 'spec.ports[2].port'],
  ])('%s', (path, text) => {
    expect(path.toString()).toBe(text);
    expect(`${path}`).toBe(text);
  });

  it('is immutable', () => {
    const spec = root('spec');
    const a = spec.child('a');
    const b = spec.child('b');
    expect([spec.toString(), a.toString(), b.toString()]).toEqual(['spec', 'spec.a', 'spec.b']);
  });
});

const image = root('spec').child('containers').index(0).child('image');
const p = root('f');

describe('formatFieldError', () => {
  it.each<[FieldError, string]>([
    [required(image), 'spec.containers[0].image: Required value'],
    [required(image, 'must be set'), 'spec.containers[0].image: Required value: must be set'],
    [
      invalid(
        root('metadata', 'name'),
        'Foo',
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
      "metadata.name: Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    [
      notSupported(root('spec', 'restartPolicy'), 'Sometimes', ['Always', 'Never', 'OnFailure']),
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
    ],
    [notSupported(p, 'x', []), 'f: Unsupported value: "x"'],
    [duplicate(p, 'a'), 'f: Duplicate value: "a"'],
    [duplicate(p, 80), 'f: Duplicate value: 80'],
    [forbidden(p, 'not allowed'), 'f: Forbidden: not allowed'],
    [tooLong(p, 'x'.repeat(20), 10), 'f: Too long: must have at most 10 bytes'],
    [tooLong(p, 'x', -1), 'f: Too long: value is too long'],
    [tooMany(p, 5, 3), 'f: Too many: 5: must have at most 3 items'],
    [tooMany(p, -1, 3), 'f: Too many: must have at most 3 items'],
    [tooMany(p, 5, -1), 'f: Too many: 5: has too many items'],
    [notFound(p, 'x'), 'f: Not found: "x"'],
    [internalError(p, new Error('boom')), 'f: Internal error: boom'],
    [internalError(p, 'boom'), 'f: Internal error: boom'],
    [invalid(null, 'x', 'bad'), '<nil>: Invalid value: "x": bad'],
    [{ type: 'Invalid', field: 'f' }, 'f: Invalid value'],
    [{ type: 'Invalid', field: 'f', badValue: 'v', detail: '' }, 'f: Invalid value: "v"'],
  ])('%o', (error, text) => {
    expect(formatFieldError(error)).toBe(text);
  });

  it('prints values the way Go does', () => {
    const cases: Array<[unknown, string]> = [
      [true, 'true'],
      [false, 'false'],
      [null, 'null'],
      [0, '0'],
      [-1, '-1'],
      [12345678, '12345678'],
      [1.5, '1.5'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1e21, '1e+21'],
      [1.5e300, '1.5e+300'],
      [Number.NaN, 'NaN'],
      [Infinity, '+Inf'],
      [10n, '10'],
      [['a', 'b'], '[]string{"a", "b"}'],
      [[], '[]string{}'],
      [{ a: 1 }, '{"a":1}'],
      ['a"b\n', '"a\\"b\\n"'],
    ];
    for (const [value, text] of cases) {
      expect(formatFieldErrorBody(invalid(p, value, 'd'))).toBe(`Invalid value: ${text}: d`);
    }
  });
});

describe('goQuote', () => {
  it.each([
    ['', '""'],
    ['plain', '"plain"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['é ü', '"é ü"'],
    ['😀', '"😀"'],
    ['\u200b', '"\\u200b"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['\ud800', '"\ufffd"'],
  ])('%j → %s', (input, quoted) => {
    expect(goQuote(input)).toBe(quoted);
  });
});

describe('formatFieldErrorList', () => {
  const a = required(root('a'));
  const b = forbidden(root('b'), 'no');
  it.each<[FieldError[], string]>([
    [[], ''],
    [[a], 'a: Required value'],
    [[a, b], '[a: Required value, b: Forbidden: no]'],
    [[a, a], 'a: Required value'],
    [[a, b, a], '[a: Required value, b: Forbidden: no]'],
  ])('%o → %s', (errors, text) => {
    expect(formatFieldErrorList(errors)).toBe(text);
  });
});

describe('type names', () => {
  it.each<[FieldErrorType, string, string]>([
    ['Required', 'Required value', 'FieldValueRequired'],
    ['Invalid', 'Invalid value', 'FieldValueInvalid'],
    ['NotSupported', 'Unsupported value', 'FieldValueNotSupported'],
    ['Duplicate', 'Duplicate value', 'FieldValueDuplicate'],
    ['Forbidden', 'Forbidden', 'FieldValueForbidden'],
    ['TooLong', 'Too long', 'FieldValueTooLong'],
    ['TooMany', 'Too many', 'FieldValueTooMany'],
    ['NotFound', 'Not found', 'FieldValueNotFound'],
    ['Internal', 'Internal error', 'InternalError'],
  ])('%s', (type, text, cause) => {
    expect(fieldErrorTypeText(type)).toBe(text);
    expect(fieldErrorCauseType(type)).toBe(cause);
  });
});
