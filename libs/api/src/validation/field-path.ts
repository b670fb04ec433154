/**
 * Field paths and field errors, after apimachinery's `util/validation/field`.
 *
 * The text `formatFieldError` produces is what Kubernetes prints for the same
 * error (`spec.containers[0].image: Required value`), because clients, tests
 * and people match on it.
 */

/** A path from an object's root to one of its fields. Immutable; every step returns a new path. */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    /** A field name, or undefined when this step is a subscript. */
    private readonly name: string | undefined,
    /** The subscript (index or map key) when `name` is undefined. */
    private readonly subscript: string | undefined,
  ) {}

  /** A root path, optionally followed by more field names: `FieldPath.root('metadata', 'name')`. */
  static root(name: string, ...moreNames: string[]): FieldPath {
    let path = new FieldPath(undefined, name, undefined);
    for (const more of moreNames) path = new FieldPath(path, more, undefined);
    return path;
  }

  /** A child field: `.child('spec', 'containers')` appends both names. */
  child(name: string, ...moreNames: string[]): FieldPath {
    let path = new FieldPath(this, name, undefined);
    for (const more of moreNames) path = new FieldPath(path, more, undefined);
    return path;
  }

  /** A list element: `containers[0]`. */
  index(i: number): FieldPath {
    return new FieldPath(this, undefined, String(i));
  }

  /** A map entry: `labels[app]`. */
  key(k: string): FieldPath {
    return new FieldPath(this, undefined, k);
  }

  toString(): string {
    const steps: FieldPath[] = [this];
    for (let p = this.parent; p !== undefined; p = p.parent) steps.push(p);
    let out = '';
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i];
      // An empty name is treated as a subscript, exactly as Go's field.Path does.
      if (step.name !== undefined && step.name.length > 0) {
        if (step.parent !== undefined) out += '.';
        out += step.name;
      } else {
        out += `[${step.subscript ?? ''}]`;
      }
    }
    return out;
  }
}

/** Shorthand for `FieldPath.root`. */
export function root(name: string, ...moreNames: string[]): FieldPath {
  return FieldPath.root(name, ...moreNames);
}

/**
 * Where a field error points. `null` stands for Go's nil `*field.Path`, which
 * Kubernetes prints as `<nil>` (label selector parse errors carry it).
 */
export type FieldPathLike = FieldPath | null;

function pathString(path: FieldPathLike): string {
  return path === null ? '<nil>' : path.toString();
}

export type FieldErrorType =
  | 'Required'
  | 'Invalid'
  | 'NotSupported'
  | 'Duplicate'
  | 'Forbidden'
  | 'TooLong'
  | 'TooMany'
  | 'NotFound'
  | 'Internal';

/**
 * One field-level validation failure. `badValue` undefined means "not shown";
 * use `null` to show Go's `null`.
 */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  badValue?: unknown;
  detail?: string;
}

const TYPE_TEXT: Readonly<Record<FieldErrorType, string>> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
  Duplicate: 'Duplicate value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  NotFound: 'Not found',
  Internal: 'Internal error',
};

const CAUSE_TYPE: Readonly<Record<FieldErrorType, string>> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  NotFound: 'FieldValueNotFound',
  Internal: 'InternalError',
};

/** The human text of a type, e.g. `Required value`. */
export function fieldErrorTypeText(type: FieldErrorType): string {
  return TYPE_TEXT[type];
}

/** Kubernetes' machine-readable name, used as a StatusCause reason: `FieldValueRequired`. */
export function fieldErrorCauseType(type: FieldErrorType): string {
  return CAUSE_TYPE[type];
}

export function required(path: FieldPathLike, detail = ''): FieldError {
  return { type: 'Required', field: pathString(path), badValue: '', detail };
}

export function invalid(path: FieldPathLike, value: unknown, detail: string): FieldError {
  return { type: 'Invalid', field: pathString(path), badValue: value, detail };
}

export function notSupported(path: FieldPathLike, value: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(', ')}` : '';
  return { type: 'NotSupported', field: pathString(path), badValue: value, detail };
}

export function duplicate(path: FieldPathLike, value: unknown): FieldError {
  return { type: 'Duplicate', field: pathString(path), badValue: value, detail: '' };
}

export function forbidden(path: FieldPathLike, detail: string): FieldError {
  return { type: 'Forbidden', field: pathString(path), badValue: '', detail };
}

/** `maxLength` below zero leaves the limit out of the message. */
export function tooLong(path: FieldPathLike, value: unknown, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `must have at most ${maxLength} bytes` : 'value is too long';
  return { type: 'TooLong', field: pathString(path), badValue: value, detail };
}

/** Either count below zero is left out of the message, as in Kubernetes. */
export function tooMany(path: FieldPathLike, actualQuantity: number, maxQuantity: number): FieldError {
  const detail = maxQuantity >= 0 ? `must have at most ${maxQuantity} items` : 'has too many items';
  const error: FieldError = { type: 'TooMany', field: pathString(path), detail };
  if (actualQuantity >= 0) error.badValue = actualQuantity;
  return error;
}

export function notFound(path: FieldPathLike, value: unknown): FieldError {
  return { type: 'NotFound', field: pathString(path), badValue: value, detail: '' };
}

export function internalError(path: FieldPathLike, err: Error | string): FieldError {
  return {
    type: 'Internal',
    field: pathString(path),
    badValue: null,
    detail: typeof err === 'string' ? err : err.message,
  };
}

/** The error without its field: `Invalid value: "Foo": <detail>`. */
export function formatFieldErrorBody(e: FieldError): string {
  let s = TYPE_TEXT[e.type];
  // These types never echo the value: it may be huge (TooLong) or meaningless.
  const hidesValue = e.type === 'Required' || e.type === 'Forbidden' || e.type === 'TooLong' || e.type === 'Internal';
  if (!hidesValue && e.badValue !== undefined) s += `: ${formatGoValue(e.badValue)}`;
  if (e.detail !== undefined && e.detail.length > 0) s += `: ${e.detail}`;
  return s;
}

/** `spec.containers[0].image: Required value`, exactly as Kubernetes prints it. */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${formatFieldErrorBody(e)}`;
}

/**
 * A list of errors as one message, the way Kubernetes' aggregate error prints:
 * duplicates dropped, a single error bare, several as `[a, b]`.
 */
export function formatFieldErrorList(errors: readonly FieldError[]): string {
  const seen = new Set<string>();
  for (const e of errors) seen.add(formatFieldError(e));
  const messages = [...seen];
  if (messages.length === 0) return '';
  if (messages.length === 1) return messages[0];
  return `[${messages.join(', ')}]`;
}

/** Go's `%v`/`%q` rendering of a bad value, so messages match Kubernetes byte for byte. */
function formatGoValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return goQuote(value);
    case 'number':
      return goFormatFloat(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      break;
  }
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) {
    return `[]string{${value.map(goQuote).join(', ')}}`;
  }
  // Go would print its own struct syntax here; JSON is the closest readable equivalent.
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Go's `%v` for a float64: shortest digits, exponent form below 1e-4 or from 1e21. */
function goFormatFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 21) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(x);
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `strconv.Quote`: a double-quoted string with Go escapes for what is not printable. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate is not valid UTF-8; Go would have decoded it as U+FFFD.
      out += '\ufffd';
      continue;
    }
    if (PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
        else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
        else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}
