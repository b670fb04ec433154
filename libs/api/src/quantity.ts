/**
 * Kubernetes' resource.Quantity: a fixed-point decimal with a remembered
 * notation, parsed and printed the way apimachinery does it.
 *
 * Values are exact: `unscaled × 10^scale` with a bigint mantissa, never a float,
 * so `0.1 + 0.2` is `300m` and memory sizes past 2^53 stay right.
 */

/** The notation a quantity came in, kept so it prints back in the same family. */
export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The value is `unscaled * 10^scale`. */
  readonly unscaled: bigint;
  readonly scale: number;
  readonly format: QuantityFormat;
}

export type QuantityErrorCode = 'FormatWrong' | 'Numeric' | 'Suffix';

const SPLIT_RE_STRING = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const MESSAGES: Readonly<Record<QuantityErrorCode, string>> = {
  FormatWrong: `quantities must match the regular expression '${SPLIT_RE_STRING}'`,
  Numeric: 'unable to parse numeric part of quantity',
  Suffix: "unable to parse quantity's suffix",
};

/** Why a string is not a quantity; `message` is apimachinery's text for the same failure. */
export class QuantityParseError extends Error {
  override readonly name = 'QuantityParseError';

  constructor(
    readonly code: QuantityErrorCode,
    readonly input: string,
  ) {
    super(MESSAGES[code]);
  }
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT32_MAX = 2 ** 31 - 1;
/** Parsing rounds every value up to a whole number of nano-units. */
const NANO_SCALE = -9;

const DECIMAL_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
];
const BINARY_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
];
const DECIMAL_EXPONENT_BY_SUFFIX = new Map(DECIMAL_SUFFIXES);
const DECIMAL_SUFFIX_BY_EXPONENT = new Map(DECIMAL_SUFFIXES.map(([s, e]) => [e, s]));
const BINARY_EXPONENT_BY_SUFFIX = new Map(BINARY_SUFFIXES);
/** Keyed by the power of 1024, not of 2. */
const BINARY_SUFFIX_BY_POWER = new Map(BINARY_SUFFIXES.map(([s, e]) => [e / 10, s]));

const SUFFIX_CHARS = 'eEinumkKMGTP';

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

interface Scanned {
  negative: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/**
 * Splits sign, integer digits, fraction digits and suffix the way
 * apimachinery's scanner does, including its leniencies: "1." and "." are
 * numbers, and a bare suffix such as "Ki" reads as zero.
 */
function scan(s: string): Scanned {
  let pos = 0;
  let negative = false;
  if (s[0] === '-') {
    negative = true;
    pos++;
  } else if (s[0] === '+') {
    pos++;
  }
  while (s[pos] === '0') pos++;
  if (pos >= s.length) return { negative, num: '0', denom: '', suffix: '' };

  const numStart = pos;
  while (isDigit(s[pos])) pos++;
  const num = pos > numStart ? s.slice(numStart, pos) : '0';

  let denom = '';
  if (s[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (isDigit(s[pos])) pos++;
    denom = s.slice(denomStart, pos);
  }

  const suffixStart = pos;
  while (pos < s.length && SUFFIX_CHARS.includes(s[pos])) pos++;
  if (s[pos] === '-' || s[pos] === '+') pos++;
  while (isDigit(s[pos])) pos++;
  if (pos < s.length) throw new QuantityParseError('FormatWrong', s);
  return { negative, num, denom, suffix: s.slice(suffixStart) };
}

interface Interpreted {
  base: 10 | 2;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string, input: string): Interpreted {
  const decimal = DECIMAL_EXPONENT_BY_SUFFIX.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = BINARY_EXPONENT_BY_SUFFIX.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const text = suffix.slice(1);
    // Go's ParseInt: an optional sign and decimal digits; the scale is an int32
    // that gets negated, so MinInt32 is out too.
    if (/^[+-]?[0-9]+$/.test(text)) {
      const exponent = BigInt(text);
      if (exponent >= BigInt(-INT32_MAX) && exponent <= BigInt(INT32_MAX)) {
        return { base: 10, exponent: Number(exponent), format: 'DecimalExponent' };
      }
    }
  }
  throw new QuantityParseError('Suffix', input);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function digitCount(n: bigint): number {
  return n === 0n ? 0 : abs(n).toString().length;
}

/** `n / 10^shift`, rounded away from zero; `exact` tells whether nothing was lost. */
function divPow10AwayFromZero(n: bigint, shift: number): { value: bigint; exact: boolean } {
  if (shift <= 0) return { value: n * pow10(-shift), exact: true };
  if (n === 0n) return { value: 0n, exact: true };
  // Everything is below the rounding unit: skip building a huge power of ten.
  if (digitCount(n) <= shift) return { value: n < 0n ? -1n : 1n, exact: false };
  const d = pow10(shift);
  const q = n / d;
  const exact = q * d === n;
  if (exact) return { value: q, exact };
  return { value: n < 0n ? q - 1n : q + 1n, exact };
}

/** Moves trailing zeros of the mantissa into the scale, so equal values look alike. */
function normalize(unscaled: bigint, scale: number, format: QuantityFormat): Quantity {
  if (unscaled === 0n) return { unscaled: 0n, scale: 0, format };
  let u = unscaled;
  let s = scale;
  while (u % 10n === 0n) {
    u /= 10n;
    s++;
  }
  return { unscaled: u, scale: s, format };
}

/**
 * Parses a quantity (`500m`, `1.5Gi`, `1e3`, `-0.5`). Throws QuantityParseError
 * with apimachinery's message for anything ParseQuantity rejects; surrounding
 * whitespace is rejected too.
 */
export function parseQuantity(s: string): Quantity {
  // Pods repeat a handful of strings (`250m`, `512Mi`), and one create parses each several times
  // (defaults, validation, QoS); a Quantity is immutable, so the parsed value is shared.
  const known = parsed.get(s);
  if (known !== undefined) return known;
  const q = Object.freeze(parseUncached(s));
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(s, q);
  return q;
}

/** Enough for every distinct quantity a cluster's specs use; past it the memo starts over. */
const PARSED_MAX = 4096;
const parsed = new Map<string, Quantity>();

function parseUncached(s: string): Quantity {
  if (s.length === 0) throw new QuantityParseError('FormatWrong', s);
  const { negative, num, denom, suffix } = scan(s);
  const { base, exponent, format: parsedFormat } = interpretSuffix(suffix, s);
  let format = parsedFormat;

  let unscaled = BigInt(num + denom);
  let scale = -denom.length;
  if (base === 10) scale += exponent;
  else unscaled <<= BigInt(exponent);

  // "If you want some resources, you should get some": round up to 1n, never down to 0.
  if (scale < NANO_SCALE) {
    unscaled = divPow10AwayFromZero(unscaled, NANO_SCALE - scale).value;
    scale = NANO_SCALE;
  }
  if (format === 'BinarySI') {
    // Binary values are capped at int64; scale is never positive here.
    if (unscaled > INT64_MAX * pow10(-scale)) {
      unscaled = INT64_MAX;
      scale = 0;
    }
    // A binary value below one would have to round; show it in decimal instead.
    if (unscaled !== 0n && unscaled < pow10(-scale)) format = 'DecimalSI';
  }
  return normalize(negative ? -unscaled : unscaled, scale, format);
}

/** Like parseQuantity, for constants known to be valid. */
export function mustParseQuantity(s: string): Quantity {
  return parseQuantity(s);
}

/** True when Kubernetes would accept `s` as a quantity. */
export function isValidQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch (e) {
    if (e instanceof QuantityParseError) return false;
    throw e;
  }
}

function toBigInt(value: bigint | number, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
  return BigInt(value);
}

/** A whole number of units, like resource.NewQuantity. */
export function newQuantity(value: bigint | number, format: QuantityFormat): Quantity {
  return normalize(toBigInt(value, 'value'), 0, format);
}

/** A number of thousandths, like resource.NewMilliQuantity. */
export function newMilliQuantity(milliValue: bigint | number, format: QuantityFormat): Quantity {
  return normalize(toBigInt(milliValue, 'milliValue'), -3, format);
}

export function isZeroQuantity(q: Quantity): boolean {
  return q.unscaled === 0n;
}

export function negateQuantity(q: Quantity): Quantity {
  return { unscaled: -q.unscaled, scale: q.scale, format: q.format };
}

function sign(n: bigint): -1 | 0 | 1 {
  return n < 0n ? -1 : n > 0n ? 1 : 0;
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`; the notation does not matter. */
export function compareQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const sa = sign(a.unscaled);
  const sb = sign(b.unscaled);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  // Same scale (most pairs a pod compares, e.g. two `Mi` values): the mantissas decide.
  if (a.scale === b.scale) return a.unscaled < b.unscaled ? -1 : a.unscaled > b.unscaled ? 1 : 0;
  // Compare orders of magnitude first, so a huge exponent never gets expanded.
  const ma = digitCount(a.unscaled) + a.scale;
  const mb = digitCount(b.unscaled) + b.scale;
  if (ma !== mb) return ma > mb ? sa : sa === 1 ? -1 : 1;
  const s = Math.min(a.scale, b.scale);
  const x = a.unscaled * pow10(a.scale - s);
  const y = b.unscaled * pow10(b.scale - s);
  return x < y ? -1 : x > y ? 1 : 0;
}

function addScaled(a: Quantity, bUnscaled: bigint, bScale: number, format: QuantityFormat): Quantity {
  const s = Math.min(a.scale, bScale);
  const sum = a.unscaled * pow10(a.scale - s) + bUnscaled * pow10(bScale - s);
  return normalize(sum, s, format);
}

/** `a + b` exactly. The result keeps a's notation, or b's when a is zero, as Quantity.Add does. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return addScaled(a, b.unscaled, b.scale, a.unscaled === 0n ? b.format : a.format);
}

/** `a - b` exactly, with addQuantities' rule for the notation. */
export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return addScaled(a, -b.unscaled, b.scale, a.unscaled === 0n ? b.format : a.format);
}

/**
 * `q / 10^scale`, rounded away from zero and held to int64 like
 * Quantity.ScaledValue: the accessors below feed int64 fields.
 */
export function toScaledValue(q: Quantity, scale: number): bigint {
  if (q.unscaled === 0n) return 0n;
  const shift = scale - q.scale;
  // |value| < 10^magnitude; past 10^20 it cannot fit an int64 anyway.
  const magnitude = digitCount(q.unscaled) - shift;
  if (magnitude > 20) return q.unscaled < 0n ? INT64_MIN : INT64_MAX;
  const { value } = divPow10AwayFromZero(q.unscaled, shift);
  if (value > INT64_MAX) return INT64_MAX;
  if (value < INT64_MIN) return INT64_MIN;
  return value;
}

/** Thousandths of a unit, rounded away from zero (Quantity.MilliValue): `250m` → 250n. */
export function toMilli(q: Quantity): bigint {
  return toScaledValue(q, -3);
}

/** Whole units, rounded away from zero (Quantity.Value): `1500m` → 2n, `1Gi` → 1073741824n. */
export function toValue(q: Quantity): bigint {
  return toScaledValue(q, 0);
}

/** Mantissa and a power-of-ten exponent that is a multiple of three: 1.1e5 → ["110", 3]. */
function canonicalDecimal(q: Quantity): { mantissa: bigint; exponent: number } {
  let mantissa = q.unscaled;
  let exponent = q.scale;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const r = ((exponent % 3) + 3) % 3;
  return { mantissa: mantissa * pow10(r), exponent: exponent - r };
}

function formatDecimal(q: Quantity, format: 'DecimalSI' | 'DecimalExponent'): string {
  const { mantissa, exponent } = canonicalDecimal(q);
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
    // Past E or below n there is no SI suffix; exponent notation keeps the value.
    if (suffix !== undefined) return `${mantissa}${suffix}`;
  }
  return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
}

/**
 * Kubernetes' canonical string: the largest suffix of the quantity's own
 * family that keeps it an integer (`1000m` → `1`, `1024Mi` → `1Gi`, `1.5Gi` →
 * `1536Mi`, `0.5` → `500m`). A binary value that is small or fractional prints
 * in decimal, since a binary suffix could not show it exactly.
 */
export function formatQuantity(quantity: Quantity): string {
  if (quantity.unscaled === 0n) return '0';
  const q = normalize(quantity.unscaled, quantity.scale, quantity.format);
  if (q.format !== 'BinarySI') return formatDecimal(q, q.format === 'DecimalSI' ? 'DecimalSI' : 'DecimalExponent');

  // After normalize, a negative scale means a fraction, which no binary suffix can show.
  const belowOneKi = compareQuantity({ ...q, unscaled: abs(q.unscaled) }, newQuantity(1024, 'DecimalSI')) < 0;
  if (belowOneKi || q.scale < 0) return formatDecimal(q, 'DecimalSI');
  // 10^70 holds 1024^7, past Ei: the answer is known without expanding a huge scale.
  if (q.scale >= 70) return formatDecimal(q, 'DecimalExponent');
  let value = q.unscaled * pow10(q.scale);
  let power = 0;
  while (value % 1024n === 0n) {
    value /= 1024n;
    power++;
  }
  if (power === 0) return `${value}`;
  const suffix = BINARY_SUFFIX_BY_POWER.get(power);
  if (suffix !== undefined) return `${value}${suffix}`;
  // Beyond Ei there is no binary suffix.
  return formatDecimal(q, 'DecimalExponent');
}
