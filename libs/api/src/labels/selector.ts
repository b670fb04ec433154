/**
 * Label selectors, after apimachinery's `pkg/labels`: the string syntax
 * (`app=web,tier in (a,b),!canary`), matching, the canonical string form, and
 * the conversion from a metav1.LabelSelector object.
 *
 * Parse errors read like Kubernetes' (`unable to parse requirement: ...`),
 * since users see them verbatim from `minictl get -l`.
 */
import {
  type FieldError,
  FieldPath,
  type FieldPathLike,
  formatFieldErrorList,
  goQuote,
  invalid,
  notSupported,
} from '../validation/field-path';
import { type LabelSelectorLike, labelValueMessages, qualifiedNameMessages } from '../validation/primitives';

/** Kubernetes' selection.Operator values. */
export type SelectionOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

const BINARY_OPERATORS: readonly SelectionOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const UNARY_OPERATORS: readonly SelectionOperator[] = ['exists', '!'];
const ALL_OPERATORS: readonly string[] = [...BINARY_OPERATORS, ...UNARY_OPERATORS];

export type Labels = Readonly<Record<string, string>>;

/** One clause of a selector; all clauses of a selector must hold. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectionOperator;
  readonly values: readonly string[];
}

/** A selector string or object that does not describe a valid selector. */
export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';

  constructor(
    message: string,
    /** The field errors behind the message, when it came from requirement validation. */
    readonly fieldErrors: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

export interface Selector {
  matches(labels: Labels | undefined): boolean;
  /** True when the selector does not restrict anything (it matches every object). */
  isEmpty(): boolean;
  /** True only for the selector that matches no object (a nil metav1.LabelSelector). */
  matchesNothing(): boolean;
  /** Canonical form: requirements sorted by key, set values sorted; "" for everything or nothing. */
  toString(): string;
  requirements(): readonly LabelRequirement[];
  /** The value a selector pins `key` to with `=`, `==` or a one-value `in`, if it does. */
  requiresExactMatch(key: string): string | undefined;
  /** A new selector with more requirements (this one is unchanged). */
  add(...requirements: LabelRequirement[]): Selector;
}

function lookup(labels: Labels | undefined, key: string): string | undefined {
  // Own properties only: a label named "constructor" must not find Object's.
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Go's strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

export function requirementMatches(r: LabelRequirement, labels: Labels | undefined): boolean {
  const value = lookup(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return value !== undefined;
    case '!':
      return value === undefined;
    case 'gt':
    case 'lt': {
      if (value === undefined || r.values.length !== 1) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(r.values[0]);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

function sortedCopy(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const OPERATOR_TEXT: Readonly<Record<SelectionOperator, string>> = {
  in: ' in ',
  notin: ' notin ',
  '=': '=',
  '==': '==',
  '!=': '!=',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

export function requirementToString(r: LabelRequirement): string {
  if (r.operator === 'exists') return r.key;
  if (r.operator === '!') return `!${r.key}`;
  const values = sortedCopy(r.values).join(',');
  const set = r.operator === 'in' || r.operator === 'notin';
  return `${r.key}${OPERATOR_TEXT[r.operator]}${set ? `(${values})` : values}`;
}

function byKey(a: LabelRequirement, b: LabelRequirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

class RequirementsSelector implements Selector {
  private readonly reqs: readonly LabelRequirement[];

  constructor(reqs: readonly LabelRequirement[]) {
    this.reqs = [...reqs].sort(byKey);
  }

  matches(labels: Labels | undefined): boolean {
    return this.reqs.every((r) => requirementMatches(r, labels));
  }

  isEmpty(): boolean {
    return this.reqs.length === 0;
  }

  matchesNothing(): boolean {
    return false;
  }

  toString(): string {
    return this.reqs.map(requirementToString).join(',');
  }

  requirements(): readonly LabelRequirement[] {
    return this.reqs;
  }

  requiresExactMatch(key: string): string | undefined {
    const r = this.reqs.find((req) => req.key === key);
    if (r === undefined) return undefined;
    const pins = r.operator === '=' || r.operator === '==' || r.operator === 'in';
    return pins && r.values.length === 1 ? r.values[0] : undefined;
  }

  add(...requirements: LabelRequirement[]): Selector {
    return new RequirementsSelector([...this.reqs, ...requirements]);
  }
}

class NothingSelector implements Selector {
  matches(): boolean {
    return false;
  }

  isEmpty(): boolean {
    return false;
  }

  matchesNothing(): boolean {
    return true;
  }

  toString(): string {
    return '';
  }

  requirements(): readonly LabelRequirement[] {
    return [];
  }

  requiresExactMatch(): string | undefined {
    return undefined;
  }

  add(): Selector {
    return this;
  }
}

const EVERYTHING: Selector = new RequirementsSelector([]);
const NOTHING: Selector = new NothingSelector();

/** Matches every object; what an empty selector string or an empty LabelSelector means. */
export function everythingSelector(): Selector {
  return EVERYTHING;
}

/** Matches no object; what a nil LabelSelector means. */
export function nothingSelector(): Selector {
  return NOTHING;
}

function pathChild(path: FieldPathLike, name: string): FieldPath {
  // A child of Go's nil path starts a fresh root, so it prints as just the name.
  return path === null ? FieldPath.root(name) : path.child(name);
}

function keyError(key: string, path: FieldPathLike): FieldError | undefined {
  const msgs = qualifiedNameMessages(key);
  return msgs.length > 0 ? invalid(path, key, msgs.join('; ')) : undefined;
}

/**
 * Validates and builds one requirement, as labels.NewRequirement does:
 * `in`/`notin` need values, `=`/`==`/`!=` exactly one, `exists`/`!` none,
 * `gt`/`lt` one integer; the key and every value must be valid label parts.
 */
export function newRequirement(
  key: string,
  operator: string,
  values: readonly string[],
  path: FieldPathLike = null,
): LabelRequirement {
  const errs: FieldError[] = [];
  const ke = keyError(key, pathChild(path, 'key'));
  if (ke !== undefined) errs.push(ke);

  const valuesPath = pathChild(path, 'values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errs.push(invalid(valuesPath, [...values], "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errs.push(invalid(valuesPath, [...values], 'exact-match compatibility requires one single value'));
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errs.push(invalid(valuesPath, [...values], 'values set must be empty for exists and does not exist'));
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errs.push(invalid(valuesPath, [...values], "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            invalid(valuesPath.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"),
          );
        }
      });
      break;
    default:
      errs.push(notSupported(pathChild(path, 'operator'), operator, ALL_OPERATORS));
  }

  values.forEach((v, i) => {
    const msgs = labelValueMessages(v);
    if (msgs.length > 0) errs.push(invalid(valuesPath.index(i).key(key), v, msgs.join('; ')));
  });

  if (errs.length > 0) throw new LabelSelectorError(formatFieldErrorList(errs), errs);
  return { key, operator: operator as SelectionOperator, values: [...values] };
}

// ---------------------------------------------------------------------------
// The string syntax
//
//   selector    ::= requirement ( "," requirement )*
//   requirement ::= [ "!" ] KEY [ ( "in" | "notin" ) "(" VALUES ")" | ( "=" | "==" | "!=" | ">" | "<" ) VALUE ]

type TokenKind =
  | 'error'
  | 'eos'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

interface Token {
  kind: TokenKind;
  literal: string;
}

const KEYWORDS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  [')', 'closedPar'],
  [',', 'comma'],
  ['!', 'doesNotExist'],
  ['==', 'doubleEquals'],
  ['=', 'equals'],
  ['>', 'greaterThan'],
  ['in', 'in'],
  ['<', 'lessThan'],
  ['!=', 'notEquals'],
  ['notin', 'notIn'],
  ['(', 'openPar'],
]);

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return '=!(),><'.includes(ch);
}

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      tokens.push({ kind: 'eos', literal: '' });
      return tokens;
    }
    if (isSpecialSymbol(s[pos])) {
      // Longest match: only "==" and "!=" are two characters long.
      const two = s.slice(pos, pos + 2);
      const literal = two === '==' || two === '!=' ? two : s[pos];
      tokens.push({ kind: KEYWORDS.get(literal) ?? 'error', literal });
      pos += literal.length;
      continue;
    }
    const start = pos;
    while (pos < s.length && !isSpecialSymbol(s[pos]) && !isWhitespace(s[pos])) pos++;
    const literal = s.slice(start, pos);
    tokens.push({ kind: KEYWORDS.get(literal) ?? 'identifier', literal });
  }
}

/** Inside values, `in` and `notin` are plain words: `x in (in,notin)` is legal. */
type Context = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private lookahead(context: Context): Token {
    return this.asContext(this.tokens[this.position], context);
  }

  private consume(context: Context): Token {
    const token = this.tokens[this.position];
    // The trailing eos token is never passed; reading past it keeps returning it.
    if (this.position < this.tokens.length - 1) this.position++;
    return this.asContext(token, context);
  }

  private asContext(token: Token, context: Context): Token {
    if (context === 'values' && (token.kind === 'in' || token.kind === 'notIn')) {
      return { kind: 'identifier', literal: token.literal };
    }
    return token;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const next = this.lookahead('values');
      if (next.kind === 'eos') return requirements;
      if (next.kind !== 'identifier' && next.kind !== 'doesNotExist') {
        throw new LabelSelectorError(`found '${next.literal}', expected: !, identifier, or 'end of string'`);
      }
      requirements.push(this.parseRequirementWrapped());
      const after = this.consume('values');
      if (after.kind === 'eos') return requirements;
      if (after.kind !== 'comma') {
        throw new LabelSelectorError(`found '${after.literal}', expected: ',' or 'end of string'`);
      }
      const following = this.lookahead('values');
      if (following.kind !== 'identifier' && following.kind !== 'doesNotExist') {
        throw new LabelSelectorError(`found '${following.literal}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirementWrapped(): LabelRequirement {
    try {
      return this.parseRequirement();
    } catch (e) {
      if (e instanceof LabelSelectorError) {
        throw new LabelSelectorError(`unable to parse requirement: ${e.message}`, e.fieldErrors);
      }
      throw e;
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred !== undefined) return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, sortedCopy([...new Set(values)]));
  }

  /** A bare key means `exists`; `!key` means does-not-exist. */
  private parseKeyAndInferOperator(): { key: string; operator: SelectionOperator | undefined } {
    let operator: SelectionOperator | undefined;
    let token = this.consume('values');
    if (token.kind === 'doesNotExist') {
      operator = '!';
      token = this.consume('values');
    }
    if (token.kind !== 'identifier') throw new LabelSelectorError(`found '${token.literal}', expected: identifier`);
    const ke = keyError(token.literal, null);
    if (ke !== undefined) throw new LabelSelectorError(formatFieldErrorList([ke]), [ke]);
    const next = this.lookahead('values');
    if ((next.kind === 'eos' || next.kind === 'comma') && operator === undefined) operator = 'exists';
    return { key: token.literal, operator };
  }

  private parseOperator(): SelectionOperator {
    const token = this.consume('keyAndOperator');
    switch (token.kind) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new LabelSelectorError(`found '${token.literal}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private parseValues(): string[] {
    const open = this.consume('values');
    if (open.kind !== 'openPar') throw new LabelSelectorError(`found '${open.literal}' expected: '('`);
    const first = this.lookahead('values');
    switch (first.kind) {
      case 'identifier':
      case 'comma': {
        const values = this.parseIdentifiersList();
        this.consume('values'); // the ')' parseIdentifiersList stopped at
        return values;
      }
      case 'closedPar':
        // "()" is the set holding only the empty value.
        this.consume('values');
        return [''];
      default:
        throw new LabelSelectorError(`found '${first.literal}', expected: ',', ')' or identifier`);
    }
  }

  /** Comma-separated, possibly empty identifiers: `(a,,b)` holds "a", "" and "b". */
  private parseIdentifiersList(): string[] {
    const values: string[] = [];
    for (;;) {
      const token = this.consume('values');
      if (token.kind === 'identifier') {
        values.push(token.literal);
        const next = this.lookahead('values');
        if (next.kind === 'comma') continue;
        if (next.kind === 'closedPar') return values;
        throw new LabelSelectorError(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (token.kind === 'comma') {
        if (values.length === 0) values.push('');
        const next = this.lookahead('values');
        if (next.kind === 'closedPar') {
          values.push('');
          return values;
        }
        if (next.kind === 'comma') values.push('');
        continue;
      }
      throw new LabelSelectorError(`found '${token.literal}', expected: ',', or identifier`);
    }
  }

  /** `key=` with nothing after it selects the empty value. */
  private parseExactValue(): string[] {
    const next = this.lookahead('values');
    if (next.kind === 'eos' || next.kind === 'comma') return [''];
    const token = this.consume('values');
    if (token.kind === 'identifier') return [token.literal];
    throw new LabelSelectorError(`found '${token.literal}', expected: identifier`);
  }
}

/**
 * Parses a selector string (`labels.Parse`). Whitespace is ignored; "" and
 * whitespace-only strings select everything. Throws LabelSelectorError.
 */
export function parseSelector(s: string): Selector {
  return new RequirementsSelector(new Parser(lex(s)).parse());
}

/** The requirements of a selector string, in key order. */
export function parseToRequirements(s: string): LabelRequirement[] {
  return [...parseSelector(s).requirements()];
}

/** Matches exactly the given labels; an empty or absent set selects everything. No validation. */
export function selectorFromSet(set: Labels | undefined): Selector {
  const entries = Object.entries(set ?? {});
  if (entries.length === 0) return EVERYTHING;
  return new RequirementsSelector(entries.map(([key, value]) => ({ key, operator: '=', values: [value] })));
}

/** Like selectorFromSet, but rejects invalid keys and values with LabelSelectorError. */
export function validatedSelectorFromSet(set: Labels | undefined): Selector {
  const entries = Object.entries(set ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new RequirementsSelector(entries.map(([key, value]) => newRequirement(key, '=', [value])));
}

const LABEL_SELECTOR_OPERATORS: Readonly<Record<string, SelectionOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector. The two empty cases differ on purpose: an
 * absent selector (null/undefined) matches nothing, a present but empty one
 * (`{}`) matches everything. Throws LabelSelectorError on bad operators,
 * keys or values.
 */
export function selectorFromLabelSelector(ls: LabelSelectorLike | null | undefined): Selector {
  if (ls === null || ls === undefined) return NOTHING;
  const matchLabels = Object.entries(ls.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const expressions = ls.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return EVERYTHING;
  const reqs: LabelRequirement[] = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of expressions) {
    const operatorName = expr.operator ?? '';
    const op = Object.hasOwn(LABEL_SELECTOR_OPERATORS, operatorName) ? LABEL_SELECTOR_OPERATORS[operatorName] : undefined;
    if (op === undefined) throw new LabelSelectorError(`${goQuote(operatorName)} is not a valid pod selector operator`);
    reqs.push(newRequirement(expr.key ?? '', op, expr.values ?? []));
  }
  return new RequirementsSelector(reqs);
}

/** How kubectl shows a LabelSelector: its canonical string, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(ls: LabelSelectorLike | null | undefined): string {
  let s: string;
  try {
    s = selectorFromLabelSelector(ls).toString();
  } catch (e) {
    if (e instanceof LabelSelectorError) return '<error>';
    throw e;
  }
  return s.length === 0 ? '<none>' : s;
}
