// Command-line parsing in kubectl's (pflag's) style: flags anywhere among the arguments,
// `--flag=value`, `--flag value`, `-n value`, `-nvalue`, `-n=value`, grouped booleans (`-Aw`),
// repeatable flags, and `--` to end flag parsing.

export type FlagType = 'bool' | 'string' | 'int' | 'stringArray';

export type FlagValue = boolean | string | number | string[];

export interface FlagDef {
  /** Long name, without dashes. */
  name: string;
  short?: string;
  type: FlagType;
  default?: FlagValue;
  /**
   * The value of a non-boolean flag given without `=value` (pflag's NoOptDefVal, as `--dry-run`
   * means `--dry-run=client`); such a flag never takes the next argument as its value.
   */
  noOptDefault?: string;
  description: string;
}

/** A mistake in how the command was called; printed with a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class ParsedArgs {
  constructor(
    readonly positionals: string[],
    private readonly values: Map<string, FlagValue>,
    private readonly given: Set<string>,
    private readonly defs: Map<string, FlagDef>,
    /** How many positionals came before `--` (cobra's ArgsLenAtDash); -1 without `--`. */
    readonly argsLenAtDash = -1,
  ) {}

  private def(name: string, type: FlagType): FlagDef {
    const def = this.defs.get(name);
    if (!def) throw new Error(`flag --${name} is not defined for this command`);
    if (def.type !== type) throw new Error(`flag --${name} is a ${def.type}, not a ${type}`);
    return def;
  }

  bool(name: string): boolean {
    const def = this.def(name, 'bool');
    return (this.values.get(name) ?? def.default ?? false) as boolean;
  }

  string(name: string): string {
    const def = this.def(name, 'string');
    return (this.values.get(name) ?? def.default ?? '') as string;
  }

  int(name: string): number {
    const def = this.def(name, 'int');
    return (this.values.get(name) ?? def.default ?? 0) as number;
  }

  strings(name: string): string[] {
    const def = this.def(name, 'stringArray');
    return [...((this.values.get(name) ?? def.default ?? []) as string[])];
  }

  /** Whether the command has the flag (shared helpers read optional flags only when it does). */
  defined(name: string): boolean {
    return this.defs.has(name);
  }

  /** Whether the user gave the flag at all (to tell `--grace-period=-1` from the default). */
  has(name: string): boolean {
    return this.given.has(name);
  }
}

function convert(def: FlagDef, raw: string, shown: string, previous: FlagValue | undefined): FlagValue {
  switch (def.type) {
    case 'bool':
      if (raw === 'true' || raw === '1' || raw === 't' || raw === 'T' || raw === 'TRUE' || raw === 'True') return true;
      if (raw === 'false' || raw === '0' || raw === 'f' || raw === 'F' || raw === 'FALSE' || raw === 'False') return false;
      throw new UsageError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
    case 'int': {
      if (!/^[-+]?\d+$/.test(raw)) {
        throw new UsageError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`);
      }
      return Number.parseInt(raw, 10);
    }
    case 'stringArray':
      return [...((previous as string[] | undefined) ?? []), raw];
    default:
      return raw;
  }
}

/** Parses argv against the given flag definitions; everything that is not a flag is positional. */
export function parseArgs(argv: readonly string[], flagDefs: readonly FlagDef[]): ParsedArgs {
  const byName = new Map(flagDefs.map((d) => [d.name, d]));
  const byShort = new Map(flagDefs.filter((d) => d.short).map((d) => [d.short as string, d]));
  const values = new Map<string, FlagValue>();
  const given = new Set<string>();
  const positionals: string[] = [];
  let argsLenAtDash = -1;

  const set = (def: FlagDef, raw: string, shown: string): void => {
    values.set(def.name, convert(def, raw, shown, values.get(def.name)));
    given.add(def.name);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      argsLenAtDash = positionals.length;
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq > 0 ? eq : undefined);
      const def = byName.get(name);
      if (!def) throw new UsageError(`unknown flag: --${name}`);
      if (eq > 0) set(def, arg.slice(eq + 1), `--${name}`);
      else if (def.type === 'bool') set(def, 'true', `--${name}`);
      else if (def.noOptDefault !== undefined) set(def, def.noOptDefault, `--${name}`);
      else if (i + 1 < argv.length) set(def, argv[++i], `--${name}`);
      else throw new UsageError(`flag needs an argument: --${name}`);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // One or more shorthand flags; a non-boolean one takes the rest of the word or the next argument.
      for (let j = 1; j < arg.length; j++) {
        const short = arg[j];
        const def = byShort.get(short);
        if (!def) throw new UsageError(`unknown shorthand flag: '${short}' in ${arg}`);
        const rest = arg.slice(j + 1);
        if (def.type === 'bool') {
          if (rest.startsWith('=')) {
            set(def, rest.slice(1), `-${short}, --${def.name}`);
            break;
          }
          set(def, 'true', `-${short}, --${def.name}`);
          continue;
        }
        if (rest.length > 0) set(def, rest.startsWith('=') ? rest.slice(1) : rest, `-${short}, --${def.name}`);
        else if (def.noOptDefault !== undefined) set(def, def.noOptDefault, `-${short}, --${def.name}`);
        else if (i + 1 < argv.length) set(def, argv[++i], `-${short}, --${def.name}`);
        else throw new UsageError(`flag needs an argument: '${short}' in -${short}`);
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return new ParsedArgs(positionals, values, given, byName, argsLenAtDash);
}

/** The index of the first positional argument, skipping flags (and their values) defined in `defs`. */
export function firstPositional(argv: readonly string[], flagDefs: readonly FlagDef[]): number {
  const byName = new Map(flagDefs.map((d) => [d.name, d]));
  const byShort = new Map(flagDefs.filter((d) => d.short).map((d) => [d.short as string, d]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (arg.startsWith('--')) {
      const def = byName.get(arg.slice(2).split('=')[0]);
      if (def && def.type !== 'bool' && def.noOptDefault === undefined && !arg.includes('=')) i++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const def = byShort.get(arg[1]);
      if (def && def.type !== 'bool' && def.noOptDefault === undefined && arg.length === 2) i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** The options section of `--help`, in kubectl's layout. */
export function flagHelp(flagDefs: readonly FlagDef[]): string {
  return flagDefs
    .map((d) => {
      const value =
        d.type === 'bool' ? String(d.default ?? false)
        : d.type === 'int' ? String(d.default ?? 0)
        : d.type === 'stringArray' ? `[${((d.default as string[] | undefined) ?? []).join(',')}]`
        : `'${String(d.default ?? '')}'`;
      const names = d.short ? `-${d.short}, --${d.name}` : `--${d.name}`;
      return `    ${names}=${value}:\n\t${d.description}\n`;
    })
    .join('\n');
}
