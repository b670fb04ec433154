import { describe, expect, it } from 'vitest';
import { firstPositional, flagHelp, parseArgs, UsageError, type FlagDef } from './args';

const DEFS: FlagDef[] = [
  { name: 'namespace', short: 'n', type: 'string', description: 'ns' },
  { name: 'output', short: 'o', type: 'string', description: 'out' },
  { name: 'all-namespaces', short: 'A', type: 'bool', description: 'all' },
  { name: 'watch', short: 'w', type: 'bool', description: 'watch' },
  { name: 'grace-period', type: 'int', default: -1, description: 'grace' },
  { name: 'filename', short: 'f', type: 'stringArray', description: 'files' },
];

describe('parseArgs', () => {
  it('takes flags anywhere among positionals', () => {
    const args = parseArgs(['pods', '-n', 'kube-system', 'web', '--output=wide'], DEFS);
    expect(args.positionals).toEqual(['pods', 'web']);
    expect(args.string('namespace')).toBe('kube-system');
    expect(args.string('output')).toBe('wide');
  });

  it('accepts -nvalue, -n=value and --flag value', () => {
    expect(parseArgs(['-nfoo'], DEFS).string('namespace')).toBe('foo');
    expect(parseArgs(['-n=foo'], DEFS).string('namespace')).toBe('foo');
    expect(parseArgs(['--namespace', 'foo'], DEFS).string('namespace')).toBe('foo');
    expect(parseArgs(['-ojsonpath={.metadata.name}'], DEFS).string('output')).toBe('jsonpath={.metadata.name}');
  });

  it('groups boolean shorthands and reads explicit booleans', () => {
    const args = parseArgs(['-Aw'], DEFS);
    expect(args.bool('all-namespaces')).toBe(true);
    expect(args.bool('watch')).toBe(true);
    expect(parseArgs(['--watch=false'], DEFS).bool('watch')).toBe(false);
    expect(parseArgs([], DEFS).bool('watch')).toBe(false);
  });

  it('parses integers, keeps defaults, and knows what was given', () => {
    expect(parseArgs([], DEFS).int('grace-period')).toBe(-1);
    const args = parseArgs(['--grace-period', '0'], DEFS);
    expect(args.int('grace-period')).toBe(0);
    expect(args.has('grace-period')).toBe(true);
    expect(() => parseArgs(['--grace-period=soon'], DEFS)).toThrow(/invalid argument "soon" for "--grace-period" flag/);
  });

  it('repeats string arrays', () => {
    expect(parseArgs(['-f', 'a.yaml', '--filename=b.yaml'], DEFS).strings('filename')).toEqual(['a.yaml', 'b.yaml']);
  });

  it('treats everything after -- and a lone - as positional', () => {
    expect(parseArgs(['--', '-n', 'x'], DEFS).positionals).toEqual(['-n', 'x']);
    expect(parseArgs(['-f', '-'], DEFS).strings('filename')).toEqual(['-']);
  });

  it('refuses unknown flags and missing values the way pflag words it', () => {
    expect(() => parseArgs(['--nope'], DEFS)).toThrow(new UsageError('unknown flag: --nope'));
    expect(() => parseArgs(['-x'], DEFS)).toThrow("unknown shorthand flag: 'x' in -x");
    expect(() => parseArgs(['--namespace'], DEFS)).toThrow('flag needs an argument: --namespace');
    expect(() => parseArgs(['-n'], DEFS)).toThrow("flag needs an argument: 'n' in -n");
  });
});

describe('firstPositional', () => {
  it('skips global flags and their values', () => {
    expect(firstPositional(['-n', 'x', 'get', 'pods'], DEFS)).toBe(2);
    expect(firstPositional(['--namespace=x', '-A', 'get'], DEFS)).toBe(2);
    expect(firstPositional(['--help'], DEFS)).toBe(-1);
  });
});

describe('flagHelp', () => {
  it('lists flags with their defaults', () => {
    const text = flagHelp(DEFS);
    expect(text).toContain("    -n, --namespace='':\n\tns\n");
    expect(text).toContain('    --grace-period=-1:\n\tgrace\n');
    expect(text).toContain('    -A, --all-namespaces=false:\n\tall\n');
  });
});

describe('-- and flags without a value', () => {
  it('records how many positionals came before --', () => {
    const args = parseArgs(['job', 'hello', '--', 'echo', '-n', 'hi'], DEFS);
    expect(args.positionals).toEqual(['job', 'hello', 'echo', '-n', 'hi']);
    expect(args.argsLenAtDash).toBe(2);
    expect(parseArgs(['a'], DEFS).argsLenAtDash).toBe(-1);
  });

  it('uses the no-value default of a string flag given bare, and skips it when finding the first positional', () => {
    const defs: FlagDef[] = [...DEFS, { name: 'dry-run', type: 'string', noOptDefault: 'unchanged', description: 'd' }];
    expect(parseArgs(['--dry-run', 'x'], defs).string('dry-run')).toBe('unchanged');
    expect(parseArgs(['--dry-run', 'x'], defs).positionals).toEqual(['x']);
    expect(firstPositional(['--dry-run', 'x'], defs)).toBe(1);
  });
});
