// kubectl's JSONPath templates (`-o jsonpath=...`): literal text with `{...}` actions holding
// paths (`.a.b`, `[0]`, `[*]`, `[1:3]`, `..name`, `['key.with.dots']`, `[?(@.type=="Ready")]`),
// string literals (`{"\n"}`), unions (`{.a,.b}`) and `{range ...}...{end}` loops. Missing keys
// print nothing, as `kubectl get` allows missing template keys by default.

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; indices: number[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'keys'; names: string[] }
  | { kind: 'filter'; left: Operand; op?: string; right?: Operand };

type Operand = { kind: 'literal'; value: unknown } | { kind: 'path'; path: PathExpr };

interface PathExpr {
  kind: 'path';
  fromRoot: boolean;
  steps: Step[];
}

type Expr = PathExpr | { kind: 'literal'; value: string };

type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'exprs'; exprs: Expr[] }
  | { kind: 'range'; expr: Expr; body: TemplateNode[] };

const COMPARISONS = ['==', '!=', '<=', '>=', '<', '>'];

function unquote(s: string): string {
  const body = s.slice(1, -1);
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

/** The index of the bracket closing the one at `open`, skipping quoted text and nested brackets. */
function closing(s: string, open: number): number {
  const pairs: Record<string, string> = { '[': ']', '(': ')', '{': '}' };
  const stack: string[] = [];
  let quote = '';
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (pairs[c]) stack.push(pairs[c]);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  throw new JsonPathError(`unclosed ${s[open]} in ${s}`);
}

/** Splits on `sep` outside quotes and brackets. */
function splitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      parts.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function parseInt10(s: string, whole: string): number {
  if (!/^\s*-?\d+\s*$/.test(s)) throw new JsonPathError(`invalid array index ${s} in ${whole}`);
  return Number.parseInt(s, 10);
}

function parseBracket(content: string, whole: string): Step {
  const c = content.trim();
  if (c === '*') return { kind: 'wildcard' };
  if (c.startsWith('?(') && c.endsWith(')')) return parseFilter(c.slice(2, -1).trim(), whole);
  if (c.startsWith("'") || c.startsWith('"')) return { kind: 'keys', names: splitTop(c, ',').map((k) => unquote(k.trim())) };
  if (c.includes(':')) {
    const [start, end, step] = c.split(':').map((p) => (p.trim() === '' ? undefined : parseInt10(p, whole)));
    return { kind: 'slice', start, end, step };
  }
  return { kind: 'index', indices: c.split(',').map((p) => parseInt10(p, whole)) };
}

function parseOperand(s: string, whole: string): Operand {
  const t = s.trim();
  if (t.startsWith('@') || t.startsWith('$') || t.startsWith('.')) return { kind: 'path', path: parsePath(t, whole) };
  if (t.startsWith('"') || t.startsWith("'")) return { kind: 'literal', value: unquote(t) };
  if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
  if (t === 'null') return { kind: 'literal', value: null };
  const n = Number(t);
  if (t !== '' && !Number.isNaN(n)) return { kind: 'literal', value: n };
  throw new JsonPathError(`unrecognized filter operand ${t} in ${whole}`);
}

function parseFilter(content: string, whole: string): Step {
  for (const op of COMPARISONS) {
    const parts = splitTop(content, op);
    if (parts.length === 2) {
      return { kind: 'filter', left: parseOperand(parts[0], whole), op, right: parseOperand(parts[1], whole) };
    }
  }
  return { kind: 'filter', left: parseOperand(content, whole) };
}

function parsePath(s: string, whole: string): PathExpr {
  let i = 0;
  let fromRoot = false;
  if (s[0] === '$') {
    fromRoot = true;
    i = 1;
  } else if (s[0] === '@') {
    i = 1;
  }
  const steps: Step[] = [];
  // A field name runs to the next `.` or `[`; `\.` keeps a dot in the name (`labels.app\.kubernetes\.io/name`).
  const ident = (): string => {
    let name = '';
    while (i < s.length && s[i] !== '.' && s[i] !== '[') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      name += s[i++];
    }
    return name;
  };
  while (i < s.length) {
    if (s.startsWith('..', i)) {
      i += 2;
      steps.push({ kind: 'recursive' });
      if (s[i] === '*') {
        i++;
        steps.push({ kind: 'wildcard' });
      } else if (s[i] !== '[') {
        const name = ident();
        if (name) steps.push({ kind: 'field', name });
      }
    } else if (s[i] === '.') {
      i++;
      if (s[i] === '*') {
        i++;
        steps.push({ kind: 'wildcard' });
      } else {
        const name = ident();
        if (name) steps.push({ kind: 'field', name });
      }
    } else if (s[i] === '[') {
      const end = closing(s, i);
      steps.push(parseBracket(s.slice(i + 1, end), whole));
      i = end + 1;
    } else {
      throw new JsonPathError(`unrecognized character in action: ${s.slice(i)} (in ${whole})`);
    }
  }
  return { kind: 'path', fromRoot, steps };
}

function parseExpr(s: string, whole: string): Expr {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'") && t.length > 1)) {
    return { kind: 'literal', value: unquote(t) };
  }
  if (t === '' || t === '@' || t === '$') return { kind: 'path', fromRoot: t === '$', steps: [] };
  return parsePath(t, whole);
}

/** Parses a template into nodes; `range` bodies end at the matching `end`. */
export function parseTemplate(template: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: TemplateNode[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const top = stack[stack.length - 1];
    if (open < 0) {
      top.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) top.push({ kind: 'text', text: template.slice(i, open) });
    const close = closing(template, open);
    const action = template.slice(open + 1, close).trim();
    if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError(`not in range, nothing to end`);
      stack.pop();
    } else if (action.startsWith('range ') || action.startsWith('range\t')) {
      const body: TemplateNode[] = [];
      top.push({ kind: 'range', expr: parseExpr(action.slice(6), template), body });
      stack.push(body);
    } else {
      top.push({ kind: 'exprs', exprs: splitTop(action, ',').map((e) => parseExpr(e, template)) });
    }
    i = close + 1;
  }
  if (stack.length > 1) throw new JsonPathError(`unclosed range in ${template}`);
  return root;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function descendants(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) v.forEach((x) => descendants(x, out));
  else if (isObject(v)) Object.values(v).forEach((x) => descendants(x, out));
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (op === '==') return a === b || (typeof a === 'number' && typeof b === 'string' ? String(a) === b : false);
  if (op === '!=') return !compare(a, '==', b);
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  return false;
}

function operandValues(o: Operand, current: unknown, root: unknown): unknown[] {
  return o.kind === 'literal' ? [o.value] : evalPath(o.path, current, root);
}

function applyStep(step: Step, nodes: unknown[], root: unknown): unknown[] {
  const out: unknown[] = [];
  for (const node of nodes) {
    switch (step.kind) {
      case 'field':
        if (isObject(node) && step.name in node) out.push(node[step.name]);
        break;
      case 'wildcard':
        if (Array.isArray(node)) out.push(...node);
        else if (isObject(node)) out.push(...Object.values(node));
        break;
      case 'recursive':
        descendants(node, out);
        break;
      case 'keys':
        if (isObject(node)) for (const k of step.names) if (k in node) out.push(node[k]);
        break;
      case 'index':
        if (Array.isArray(node)) {
          for (const idx of step.indices) {
            const j = idx < 0 ? node.length + idx : idx;
            if (j >= 0 && j < node.length) out.push(node[j]);
          }
        }
        break;
      case 'slice':
        if (Array.isArray(node)) {
          const len = node.length;
          const norm = (v: number | undefined, dflt: number): number => (v === undefined ? dflt : v < 0 ? Math.max(0, len + v) : Math.min(v, len));
          const stepBy = step.step ?? 1;
          if (stepBy <= 0) throw new JsonPathError('step must be positive');
          for (let j = norm(step.start, 0); j < norm(step.end, len); j += stepBy) out.push(node[j]);
        }
        break;
      case 'filter': {
        const candidates = Array.isArray(node) ? node : [];
        for (const item of candidates) {
          const left = operandValues(step.left, item, root);
          if (!step.op) {
            if (left.some((v) => v !== null && v !== undefined && v !== false)) out.push(item);
            continue;
          }
          const right = step.right ? operandValues(step.right, item, root) : [];
          if (left.length > 0 && right.length > 0 && compare(left[0], step.op, right[0])) out.push(item);
        }
        break;
      }
    }
  }
  return out;
}

function evalPath(path: PathExpr, current: unknown, root: unknown): unknown[] {
  let nodes: unknown[] = [path.fromRoot ? root : current];
  for (const step of path.steps) nodes = applyStep(step, nodes, root);
  return nodes;
}

function evalExpr(expr: Expr, current: unknown, root: unknown): unknown[] {
  return expr.kind === 'literal' ? [expr.value] : evalPath(expr, current, root);
}

/** How one result prints: strings as they are, other scalars as JSON, maps and lists as JSON. */
export function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v);
}

function render(nodes: TemplateNode[], current: unknown, root: unknown): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'exprs') {
      out += node.exprs.flatMap((e) => evalExpr(e, current, root)).map(valueText).join(' ');
    } else {
      for (const item of evalExpr(node.expr, current, root)) out += render(node.body, item, root);
    }
  }
  return out;
}

/** A parsed template, applied to any number of objects. */
export class JsonPath {
  private readonly nodes: TemplateNode[];

  constructor(readonly template: string) {
    this.nodes = parseTemplate(template);
  }

  execute(data: unknown): string {
    return render(this.nodes, data, data);
  }

  /** Each result of the template's single expression, for custom columns. */
  values(data: unknown): unknown[] {
    return this.nodes.flatMap((n) => (n.kind === 'exprs' ? n.exprs.flatMap((e) => evalExpr(e, data, data)) : []));
  }
}

/**
 * kubectl's RelaxedJSONPathExpression, which custom columns, --sort-by and `wait --for=jsonpath`
 * share: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all become `{.a.b}`; an empty one stays empty.
 */
export function relaxedJsonPathExpression(expression: string): string {
  if (expression === '') return '';
  const match = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(expression);
  if (!match) throw new JsonPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
  return `{.${match[1] ?? match[2]}}`;
}

/** A JsonPath from a relaxed expression (see relaxedJsonPathExpression). */
export function relaxedJsonPath(expression: string): JsonPath {
  return new JsonPath(relaxedJsonPathExpression(expression));
}
