/**
 * Field selectors, after apimachinery's `pkg/fields`: `metadata.name=x,status.phase!=Running`.
 *
 * Only `=`, `==` and `!=` exist. A value may contain `,`, `=` or `\` when
 * escaped with a backslash; a field name cannot be escaped. Which fields a
 * kind supports is the caller's business (see `requirements()`).
 */

export type FieldSelectorOperator = '=' | '!=';

/** One `field=value` or `field!=value` term; `==` parses to `=`. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldSelectorOperator;
  readonly value: string;
}

export type Fields = Readonly<Record<string, string>>;

export class FieldSelectorParseError extends Error {
  override readonly name = 'FieldSelectorParseError';
}

/** Rewrites one term; return both parts empty to drop the term. */
export type FieldSelectorTransform = (field: string, value: string) => readonly [field: string, value: string];

export interface FieldSelector {
  /** A missing field reads as "", so `a=` matches objects without `a` and `a!=x` matches them too. */
  matches(fields: Fields | undefined): boolean;
  isEmpty(): boolean;
  /** Terms joined by ",", values escaped, in the order they were parsed (sorted by term text). */
  toString(): string;
  requirements(): readonly FieldRequirement[];
  /** The terms that mention `field`. */
  requirementsFor(field: string): readonly FieldRequirement[];
  /** The value an `=` term pins `field` to, if any. */
  requiresExactMatch(field: string): string | undefined;
  transform(fn: FieldSelectorTransform): FieldSelector;
}

function get(fields: Fields | undefined, field: string): string {
  return fields !== undefined && Object.hasOwn(fields, field) ? fields[field] : '';
}

/** Escapes `\`, `,` and `=` so any string can be a selector value. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (ch) => `\\${ch}`);
}

/** Undoes escapeFieldValue; throws FieldSelectorParseError on a bad or missing escape. */
export function unescapeFieldValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const ch of s) {
    if (inSlash) {
      if (ch !== '\\' && ch !== ',' && ch !== '=') {
        throw new FieldSelectorParseError(`invalid field selector: invalid escape sequence: \\${ch}`);
      }
      out += ch;
      inSlash = false;
      continue;
    }
    if (ch === '\\') inSlash = true;
    else if (ch === ',' || ch === '=') {
      // Kubernetes prints the rune's code point here, not the character.
      throw new FieldSelectorParseError(
        `invalid field selector: unescaped character in value: ${ch.codePointAt(0) ?? 0}`,
      );
    } else out += ch;
  }
  if (inSlash) throw new FieldSelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

function termToString(r: FieldRequirement): string {
  return `${r.field}${r.operator}${escapeFieldValue(r.value)}`;
}

class TermsSelector implements FieldSelector {
  constructor(private readonly terms: readonly FieldRequirement[]) {}

  matches(fields: Fields | undefined): boolean {
    return this.terms.every((t) => (get(fields, t.field) === t.value) === (t.operator === '='));
  }

  isEmpty(): boolean {
    return this.terms.length === 0;
  }

  toString(): string {
    return this.terms.map(termToString).join(',');
  }

  requirements(): readonly FieldRequirement[] {
    return this.terms;
  }

  requirementsFor(field: string): readonly FieldRequirement[] {
    return this.terms.filter((t) => t.field === field);
  }

  requiresExactMatch(field: string): string | undefined {
    return this.terms.find((t) => t.field === field && t.operator === '=')?.value;
  }

  transform(fn: FieldSelectorTransform): FieldSelector {
    const next: FieldRequirement[] = [];
    for (const t of this.terms) {
      const [field, value] = fn(t.field, t.value);
      if (field.length === 0 && value.length === 0) continue;
      next.push({ field, operator: t.operator, value });
    }
    return new TermsSelector(next);
  }
}

const EVERYTHING: FieldSelector = new TermsSelector([]);

export function everythingFieldSelector(): FieldSelector {
  return EVERYTHING;
}

/** Splits on commas that are not escaped; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (inSlash) inSlash = false;
    else if (ch === '\\') inSlash = true;
    else if (ch === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

/** The first operator in the term splits it: field names have no escapes. */
function splitTerm(term: string): { field: string; op: (typeof TERM_OPERATORS)[number]; rest: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, rest: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * Parses a field selector (`fields.ParseSelector`). Terms are ordered by their
 * text and empty terms skipped; a term whose field and value are both empty
 * (`=`) selects everything. Throws FieldSelectorParseError.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const terms: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (split === undefined) {
      throw new FieldSelectorParseError(`invalid selector: '${selector}'; can't understand '${part}'`);
    }
    const value = unescapeFieldValue(split.rest);
    if (split.field.length === 0 && value.length === 0) continue;
    terms.push({ field: split.field, operator: split.op === '!=' ? '!=' : '=', value });
  }
  return new TermsSelector(terms);
}

/** Matches objects whose fields equal every entry; an absent set selects everything. */
export function fieldSelectorFromSet(set: Fields | undefined): FieldSelector {
  if (set === undefined) return EVERYTHING;
  const entries = Object.entries(set).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new TermsSelector(entries.map(([field, value]) => ({ field, operator: '=', value })));
}

/** `field=value`, the selector a client uses to watch one object by name. */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return new TermsSelector([{ field, operator: '=', value }]);
}

/** All terms of all the selectors must hold. */
export function andFieldSelectors(...selectors: FieldSelector[]): FieldSelector {
  return new TermsSelector(selectors.flatMap((s) => s.requirements()));
}
