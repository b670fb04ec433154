/** One command-line flag, described the way `--help` prints it. */
export interface FlagSpec {
  type: 'string' | 'number' | 'boolean' | 'list';
  description: string;
  default?: string | number | boolean | readonly string[];
}

export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K]['type'] extends 'number'
    ? number
    : S[K]['type'] extends 'boolean'
      ? boolean
      : S[K]['type'] extends 'list'
        ? string[]
        : string;
};

/** A bad flag: the message names it, as Kubernetes' components do. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Parses `--flag=value` and `--flag value` (Kubernetes' style; `--flag` alone for booleans).
 * Returns null when --help was asked for, after printing the help.
 */
export function parseFlags<S extends Record<string, FlagSpec>>(
  command: string,
  summary: string,
  specs: S,
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
): FlagValues<S> | null {
  const values: Record<string, string | number | boolean | string[]> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const fallback = spec.type === 'boolean' ? false : spec.type === 'list' ? [] : spec.type === 'number' ? 0 : '';
    const value = spec.default ?? fallback;
    values[name] = Array.isArray(value) ? [...(value as readonly string[])] : (value as string | number | boolean);
  }
  const byFlag = new Map(Object.keys(specs).map((name) => [kebab(name), name]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      out(helpText(command, summary, specs));
      return null;
    }
    if (!arg.startsWith('--')) throw new FlagError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq > 0 ? eq : undefined);
    const name = byFlag.get(flag) ?? (specs[camel(flag)] ? camel(flag) : undefined);
    if (!name) throw new FlagError(`unknown flag: --${flag}`);
    const spec = specs[name];
    let raw: string;
    if (eq > 0) raw = arg.slice(eq + 1);
    else if (spec.type === 'boolean') raw = 'true';
    else if (i + 1 < argv.length) raw = argv[++i];
    else throw new FlagError(`flag needs an argument: --${flag}`);
    switch (spec.type) {
      case 'number': {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n)) throw new FlagError(`invalid argument "${raw}" for "--${flag}" flag: not a number`);
        values[name] = n;
        break;
      }
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') throw new FlagError(`invalid argument "${raw}" for "--${flag}" flag: must be true or false`);
        values[name] = raw === 'true';
        break;
      case 'list':
        values[name] = raw.split(',').map((s) => s.trim()).filter(Boolean);
        break;
      default:
        values[name] = raw;
    }
  }
  return values as FlagValues<S>;
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function helpText(command: string, summary: string, specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const arg = spec.type === 'boolean' ? '' : spec.type === 'list' ? ' strings' : spec.type === 'number' ? ' int' : ' string';
    const def = spec.default === undefined || spec.default === '' || (Array.isArray(spec.default) && spec.default.length === 0)
      ? ''
      : ` (default ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})`;
    return [`      --${kebab(name)}${arg}`, `${spec.description}${def}`];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 3;
  return `${summary}\n\nUsage:\n  ${command} [flags]\n\nFlags:\n${rows.map(([flag, text]) => flag.padEnd(width) + text).join('\n')}\n`;
}
