import { describe, expect, it } from 'vitest';
import {
  addQuantities,
  compareQuantity,
  formatQuantity,
  isValidQuantity,
  isZeroQuantity,
  mustParseQuantity,
  negateQuantity,
  newMilliQuantity,
  newQuantity,
  parseQuantity,
  type Quantity,
  type QuantityErrorCode,
  QuantityParseError,
  type QuantityFormat,
  subtractQuantities,
  toMilli,
  toScaledValue,
  toValue,
} from './quantity';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

describe('parseQuantity → formatQuantity (canonical form)', () => {
  it.each<[string, string, QuantityFormat]>([
    // zeros, in every spelling
    ['0', '0', 'DecimalSI'],
    ['00', '0', 'DecimalSI'],
    ['-0', '0', 'DecimalSI'],
    ['0n', '0', 'DecimalSI'],
    ['0m', '0', 'DecimalSI'],
    ['0Ki', '0', 'BinarySI'],
    ['0Gi', '0', 'BinarySI'],
    ['0T', '0', 'DecimalSI'],
    // plain and decimal SI
    ['1', '1', 'DecimalSI'],
    ['9', '9', 'DecimalSI'],
    ['1000', '1k', 'DecimalSI'],
    ['1000m', '1', 'DecimalSI'],
    ['1000M', '1G', 'DecimalSI'],
    ['50k', '50k', 'DecimalSI'],
    ['8.1k', '8100', 'DecimalSI'],
    ['100.035k', '100035', 'DecimalSI'],
    ['10.035M', '10035k', 'DecimalSI'],
    ['7.123456M', '7123456', 'DecimalSI'],
    ['6.987654321G', '6987654321', 'DecimalSI'],
    ['2.5P', '2500T', 'DecimalSI'],
    ['1E', '1E', 'DecimalSI'],
    ['12E', '12E', 'DecimalSI'],
    ['1.01E', '1010P', 'DecimalSI'],
    ['1000E', '1e21', 'DecimalSI'],
    // fractions and signs
    ['0.5', '500m', 'DecimalSI'],
    ['.5', '500m', 'DecimalSI'],
    ['+.5', '500m', 'DecimalSI'],
    ['-.5', '-500m', 'DecimalSI'],
    ['1.5', '1500m', 'DecimalSI'],
    ['-1.5', '-1500m', 'DecimalSI'],
    ['1.08', '1080m', 'DecimalSI'],
    ['9.01', '9010m', 'DecimalSI'],
    ['0.001', '1m', 'DecimalSI'],
    ['.001', '1m', 'DecimalSI'],
    ['0.00050k', '500m', 'DecimalSI'],
    ['.0001k', '100m', 'DecimalSI'],
    ['100m', '100m', 'DecimalSI'],
    ['80m', '80m', 'DecimalSI'],
    ['0.1m', '100u', 'DecimalSI'],
    ['1u', '1u', 'DecimalSI'],
    ['1080u', '1080u', 'DecimalSI'],
    ['1n', '1n', 'DecimalSI'],
    ['1080n', '1080n', 'DecimalSI'],
    // sub-nano values round up, away from zero
    ['0.1n', '1n', 'DecimalSI'],
    ['0.9n', '1n', 'DecimalSI'],
    ['3.001n', '4n', 'DecimalSI'],
    ['-0.1n', '-1n', 'DecimalSI'],
    ['0.0000000001', '1n', 'DecimalSI'],
    ['0.00000012345', '124n', 'DecimalSI'],
    ['.484785E-7466', '1e-9', 'DecimalExponent'],
    // binary SI
    ['1Ki', '1Ki', 'BinarySI'],
    ['8Ki', '8Ki', 'BinarySI'],
    ['2000Ki', '2000Ki', 'BinarySI'],
    ['1024Ki', '1Mi', 'BinarySI'],
    ['1024Mi', '1Gi', 'BinarySI'],
    ['300Mi', '300Mi', 'BinarySI'],
    ['1001Gi', '1001Gi', 'BinarySI'],
    ['1024Gi', '1Ti', 'BinarySI'],
    ['3Ei', '3Ei', 'BinarySI'],
    ['1.5Gi', '1536Mi', 'BinarySI'],
    ['0.5Gi', '512Mi', 'BinarySI'],
    ['0.5Mi', '512Ki', 'BinarySI'],
    ['-1.5Gi', '-1536Mi', 'BinarySI'],
    // binary values that cannot print in binary fall back to decimal; below one they become decimal
    ['0.5Ki', '512', 'BinarySI'],
    ['1.1Ki', '1126400m', 'BinarySI'],
    ['100.035Ki', '102435840m', 'BinarySI'],
    ['.001Ki', '1024m', 'BinarySI'],
    ['.000001Ki', '1024u', 'DecimalSI'],
    ['.000000001Ki', '1024n', 'DecimalSI'],
    ['.000000000001Ki', '2n', 'DecimalSI'],
    // binary values are capped at int64
    ['8Ei', '9223372036854775807', 'BinarySI'],
    ['9223372036854775807Ki', '9223372036854775807', 'BinarySI'],
    // decimal exponents keep their notation
    ['1e3', '1e3', 'DecimalExponent'],
    ['1E3', '1e3', 'DecimalExponent'],
    ['1E6', '1e6', 'DecimalExponent'],
    ['1e14', '100e12', 'DecimalExponent'],
    ['12e6', '12e6', 'DecimalExponent'],
    ['1E-3', '1e-3', 'DecimalExponent'],
    ['1e-9', '1e-9', 'DecimalExponent'],
    ['1.1E-9', '2e-9', 'DecimalExponent'],
    ['0.5e0', '500e-3', 'DecimalExponent'],
    ['0.5e-1', '50e-3', 'DecimalExponent'],
    ['1.2e3', '1200', 'DecimalExponent'],
    ['1.3E+6', '1300e3', 'DecimalExponent'],
    ['1000e-3', '1', 'DecimalExponent'],
    ['1e0010', '10e9', 'DecimalExponent'],
    ['1e2147483647', '10e2147483646', 'DecimalExponent'],
    // forms apimachinery's scanner accepts, odd as they are
    ['1.', '1', 'DecimalSI'],
    ['1.G', '1G', 'DecimalSI'],
    ['.', '0', 'DecimalSI'],
    ['-', '0', 'DecimalSI'],
    ['Ki', '0', 'BinarySI'],
  ])('%s → %s (%s)', (input, canonical, format) => {
    const q = parseQuantity(input);
    expect(formatQuantity(q)).toBe(canonical);
    expect(q.format).toBe(format);
    // The canonical form reads back as the same value.
    expect(compareQuantity(parseQuantity(canonical), q)).toBe(0);
  });
});

describe('parseQuantity rejects what Kubernetes rejects', () => {
  it.each<[string, QuantityErrorCode]>([
    ['', 'FormatWrong'],
    [' 1', 'FormatWrong'],
    ['1 ', 'FormatWrong'],
    ['1.1.M', 'FormatWrong'],
    ['1+1.0M', 'FormatWrong'],
    ['0.1am', 'FormatWrong'],
    ['aoeu', 'FormatWrong'],
    ['1KiB', 'FormatWrong'],
    ['1Gb', 'FormatWrong'],
    ['1e3k', 'FormatWrong'],
    ['--1', 'Suffix'],
    ['0.1mi', 'Suffix'],
    ['.5i', 'Suffix'],
    ['1i', 'Suffix'],
    ['-3.01i', 'Suffix'],
    ['-3.01e-', 'Suffix'],
    ['1e', 'Suffix'],
    ['1ki', 'Suffix'],
    ['1kM', 'Suffix'],
    ['1Ee3', 'Suffix'],
    ['1e2147483648', 'Suffix'],
    ['1e-2147483648', 'Suffix'],
    ['1e4294967297', 'Suffix'],
    ['1e99999999999999999999', 'Suffix'],
  ])('%j → %s', (input, code) => {
    let caught: unknown;
    try {
      parseQuantity(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(QuantityParseError);
    const err = caught as QuantityParseError;
    expect(err.code).toBe(code);
    expect(err.input).toBe(input);
    expect(isValidQuantity(input)).toBe(false);
  });

  it('uses apimachinery messages', () => {
    expect(() => parseQuantity('abc')).toThrow(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    expect(() => parseQuantity('1ki')).toThrow("unable to parse quantity's suffix");
  });

  it('mustParseQuantity throws the same error', () => {
    expect(() => mustParseQuantity('1ki')).toThrow(QuantityParseError);
    expect(formatQuantity(mustParseQuantity('250m'))).toBe('250m');
  });
});

describe('isValidQuantity', () => {
  it.each([
    ['500m', true],
    ['128Mi', true],
    ['1e3', true],
    ['-1', true],
    ['1.5Gi', true],
    ['1Mb', false],
    ['1 Gi', false],
    ['', false],
  ])('%j → %s', (input, valid) => {
    expect(isValidQuantity(input)).toBe(valid);
  });
});

describe('parseQuantity memo', () => {
  it('gives equal, immutable values for a string parsed again', () => {
    const first = parseQuantity('250m');
    expect(parseQuantity('250m')).toEqual(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('rejects a bad string every time', () => {
    expect(() => parseQuantity('1.5.5')).toThrow(QuantityParseError);
    expect(() => parseQuantity('1.5.5')).toThrow(QuantityParseError);
  });
});

describe('compareQuantity', () => {
  it.each<[string, string, -1 | 0 | 1]>([
    ['0', '0', 0],
    ['0', '0Ki', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['1', '1000m', 0],
    ['1Gi', '1073741824', 0],
    ['1G', '1Gi', -1],
    ['10000T', '100Gi', 1],
    ['-1', '1', -1],
    ['-1', '-2', 1],
    ['-5m', '-3m', -1],
    ['512Mi', '256Mi', 1],
    ['-1', '0', -1],
    ['1n', '1e-9', 0],
    ['999m', '1', -1],
    ['1e2147483647', '1E', 1],
    ['-1e2147483647', '-1E', -1],
    ['1e2147483647', '1e2147483646', 1],
    ['9223372036854775808', '9223372036854775807', 1],
  ])('%s vs %s → %d', (a, b, expected) => {
    expect(compareQuantity(parseQuantity(a), parseQuantity(b))).toBe(expected);
    expect(compareQuantity(parseQuantity(b), parseQuantity(a))).toBe(-expected || 0);
  });
});

describe('addQuantities / subtractQuantities', () => {
  it.each<[string, string, string]>([
    ['100m', '200m', '300m'],
    ['0.1', '0.2', '300m'],
    ['1', '500m', '1500m'],
    ['1Gi', '512Mi', '1536Mi'],
    ['1Gi', '1Gi', '2Gi'],
    ['1Gi', '1', '1073741825'],
    ['1', '1Gi', '1073741825'],
    // a zero operand hands over its notation
    ['0', '1Gi', '1Gi'],
    ['1Gi', '0', '1Gi'],
    ['0', '100m', '100m'],
    ['9223372036854775807', '1', '9223372036854775808'],
    ['1E', '1000E', '1001E'],
  ])('%s + %s = %s', (a, b, sum) => {
    expect(formatQuantity(addQuantities(parseQuantity(a), parseQuantity(b)))).toBe(sum);
  });

  it.each<[string, string, string]>([
    ['1', '1500m', '-500m'],
    ['0', '100m', '-100m'],
    ['0', '1Gi', '-1Gi'],
    ['1Gi', '0', '1Gi'],
    ['1Gi', '1Gi', '0'],
    ['2Gi', '512Mi', '1536Mi'],
    ['10', '1Ki', '-1014'],
    ['-9223372036854775808', '1', '-9223372036854775809'],
  ])('%s - %s = %s', (a, b, difference) => {
    expect(formatQuantity(subtractQuantities(parseQuantity(a), parseQuantity(b)))).toBe(difference);
  });

  it('keeps the left operand notation when it is non-zero', () => {
    expect(subtractQuantities(parseQuantity('10'), parseQuantity('1Ki')).format).toBe('DecimalSI');
    expect(subtractQuantities(parseQuantity('10Ki'), parseQuantity('1')).format).toBe('BinarySI');
    expect(addQuantities(parseQuantity('0'), parseQuantity('1Ki')).format).toBe('BinarySI');
  });

  it('does not change its arguments', () => {
    const a = parseQuantity('1');
    const b = parseQuantity('2');
    addQuantities(a, b);
    expect(formatQuantity(a)).toBe('1');
    expect(formatQuantity(b)).toBe('2');
  });
});

describe('toMilli / toValue round away from zero', () => {
  it.each<[string, bigint, bigint]>([
    ['0', 0n, 0n],
    ['1', 1000n, 1n],
    ['-1', -1000n, -1n],
    ['250m', 250n, 1n],
    ['1500m', 1500n, 2n],
    ['-1500m', -1500n, -2n],
    ['0.0005', 1n, 1n],
    ['-0.0005', -1n, -1n],
    ['1n', 1n, 1n],
    ['-.484785E-1', -49n, -1n],
    ['.484785E-1', 49n, 1n],
    ['-.484785E-7466', -1n, -1n],
    ['1Ki', 1024000n, 1024n],
    ['1Gi', 1073741824000n, 1073741824n],
    ['1.5Gi', 1610612736000n, 1610612736n],
    ['9.5000000001Gi', 10200547328108n, 10200547329n],
    ['-9.5000000001Gi', -10200547328108n, -10200547329n],
    ['1Ei', INT64_MAX, 1152921504606846976n],
    ['9223372036854775807', INT64_MAX, INT64_MAX],
    ['1e30', INT64_MAX, INT64_MAX],
    ['-1e30', INT64_MIN, INT64_MIN],
    ['1e2147483647', INT64_MAX, INT64_MAX],
  ])('%s → %s milli, %s units', (input, milli, value) => {
    const q = parseQuantity(input);
    expect(toMilli(q)).toBe(milli);
    expect(toValue(q)).toBe(value);
  });

  it.each<[string, number, bigint]>([
    ['1', -9, 1_000_000_000n],
    ['1n', -6, 1n],
    ['1u', -9, 1000n],
    ['1k', 3, 1n],
    ['1500', 3, 2n],
    ['100', 2, 1n],
    ['1', 2, 1n],
  ])('toScaledValue(%s, %d) = %s', (input, scale, expected) => {
    expect(toScaledValue(parseQuantity(input), scale)).toBe(expected);
  });
});

describe('constructors', () => {
  it.each<[Quantity, string]>([
    [newQuantity(1, 'DecimalSI'), '1'],
    [newQuantity(1000, 'DecimalSI'), '1k'],
    [newQuantity(1234000, 'DecimalSI'), '1234k'],
    [newQuantity(1024, 'BinarySI'), '1Ki'],
    [newQuantity(1024 * 1024, 'BinarySI'), '1Mi'],
    [newQuantity(2000, 'BinarySI'), '2000'],
    [newQuantity(-2000, 'BinarySI'), '-2000'],
    [newQuantity(1000000, 'DecimalExponent'), '1e6'],
    [newQuantity(2n ** 64n, 'DecimalSI'), '18446744073709551616'],
    [newMilliQuantity(1, 'DecimalSI'), '1m'],
    [newMilliQuantity(1000, 'DecimalSI'), '1'],
    [newMilliQuantity(1234000, 'DecimalSI'), '1234'],
    [newMilliQuantity(1024, 'BinarySI'), '1024m'],
    [newMilliQuantity(1024 * 1024, 'BinarySI'), '1048576m'],
    [newMilliQuantity(1000000, 'DecimalExponent'), '1e3'],
  ])('%o → %s', (q, expected) => {
    expect(formatQuantity(q)).toBe(expected);
  });

  it('refuses non-integers', () => {
    expect(() => newQuantity(1.5, 'DecimalSI')).toThrow(RangeError);
    expect(() => newMilliQuantity(Number.MAX_SAFE_INTEGER + 1, 'DecimalSI')).toThrow(RangeError);
  });

  it('negates and detects zero', () => {
    expect(formatQuantity(negateQuantity(parseQuantity('1536Mi')))).toBe('-1536Mi');
    expect(isZeroQuantity(parseQuantity('0Gi'))).toBe(true);
    expect(isZeroQuantity(parseQuantity('1n'))).toBe(false);
  });
});

describe('formatQuantity on values no suffix can name', () => {
  it.each<[Quantity, string]>([
    // beyond E and Ei, and below n, exponent notation keeps the magnitude
    [{ unscaled: 1n, scale: 21, format: 'DecimalSI' }, '1e21'],
    [{ unscaled: 5n, scale: 21, format: 'DecimalSI' }, '5e21'],
    [{ unscaled: 1n, scale: 24, format: 'DecimalSI' }, '1e24'],
    [{ unscaled: 1n, scale: 70, format: 'BinarySI' }, '10e69'],
    [{ unscaled: 2n, scale: 70, format: 'BinarySI' }, '20e69'],
    [{ unscaled: 1n, scale: 72, format: 'BinarySI' }, '1e72'],
    [{ unscaled: 2n ** 70n, scale: 0, format: 'BinarySI' }, '1180591620717411303424'],
    [{ unscaled: 3n, scale: 2_000_000_000, format: 'BinarySI' }, '300e1999999998'],
    [{ unscaled: 1n, scale: -12, format: 'DecimalSI' }, '1e-12'],
    [{ unscaled: 1n, scale: -10, format: 'DecimalSI' }, '100e-12'],
    // values that were never normalized print the same as normalized ones
    [{ unscaled: 1024000n, scale: -3, format: 'BinarySI' }, '1Ki'],
    [{ unscaled: 1080n, scale: -3, format: 'DecimalSI' }, '1080m'],
    [{ unscaled: 108n, scale: -2, format: 'DecimalSI' }, '1080m'],
    [{ unscaled: 10800n, scale: -4, format: 'DecimalSI' }, '1080m'],
    [{ unscaled: 1000n, scale: 6, format: 'DecimalSI' }, '1G'],
    [{ unscaled: 80n, scale: -3, format: 'DecimalExponent' }, '80e-3'],
    [{ unscaled: 300n, scale: 6, format: 'DecimalExponent' }, '300e6'],
    [{ unscaled: 0n, scale: 5, format: 'DecimalExponent' }, '0'],
  ])('%o → %s', (q, expected) => {
    expect(formatQuantity(q)).toBe(expected);
  });
});
