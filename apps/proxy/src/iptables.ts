import type { CommandRunner } from '@minik8s/exec';
import { isProxyChain } from './rules/chains';
import type { TableName } from './rules/ruleset';

export class IptablesError extends Error {
  override readonly name = 'IptablesError';
}

/** A rule in a built-in chain that sends traffic into this proxy's chains. */
export interface JumpRule {
  table: TableName;
  chain: string;
  args: string[];
}

/** The jumps from the built-in chains into kube-proxy's, with kube-proxy's comments. */
export const JUMP_RULES: readonly JumpRule[] = [
  { table: 'filter', chain: 'INPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', 'KUBE-EXTERNAL-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'comment', '--comment', 'kubernetes forwarding rules', '-j', 'KUBE-FORWARD'] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', 'KUBE-EXTERNAL-SERVICES'] },
  { table: 'filter', chain: 'OUTPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'nat', chain: 'PREROUTING', args: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'nat', chain: 'OUTPUT', args: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'nat', chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'] },
];

const BUILTIN_CHAINS = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);

/** Chains per table, as `iptables-save` lists them. */
export type SavedChains = Record<TableName, string[]>;

/** The chain names declared (`:NAME ...`) in `iptables-save` output, per table. */
export function parseSavedChains(save: string): SavedChains {
  const out: SavedChains = { filter: [], nat: [] };
  let table: string | undefined;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(':') && (table === 'filter' || table === 'nat')) out[table].push(line.slice(1).split(/\s+/)[0]);
  }
  return out;
}

/**
 * Splits an `iptables-save` rule line into arguments, honouring double quotes (comments).
 * Only what iptables-save prints needs handling: `"..."` with `\"` and `\\` escapes.
 */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** iptables, iptables-save and iptables-restore through a runner (so optionally in a netns). */
export class Iptables {
  constructor(private readonly run: CommandRunner) {}

  /** Applies `input` in one transaction, leaving chains it does not mention alone. */
  async restore(input: string): Promise<void> {
    const res = await this.run('iptables-restore', ['-w', '5', '--noflush'], input);
    if (res.code !== 0) throw new IptablesError(`iptables-restore failed (exit ${res.code}): ${res.stderr.trim()}`);
  }

  async save(table: TableName): Promise<string> {
    const res = await this.run('iptables-save', ['-t', table]);
    if (res.code !== 0) throw new IptablesError(`iptables-save -t ${table} failed (exit ${res.code}): ${res.stderr.trim()}`);
    return res.stdout;
  }

  /** Every chain in the filter and nat tables. */
  async chains(): Promise<SavedChains> {
    const [filter, nat] = await Promise.all([this.save('filter'), this.save('nat')]);
    return { filter: parseSavedChains(filter).filter, nat: parseSavedChains(nat).nat };
  }

  /** Whether `chain` exists in `table` (a cheap read of one chain, not of the whole table). */
  async hasChain(table: TableName, chain: string): Promise<boolean> {
    const res = await this.run('iptables', ['-w', '5', '-t', table, '-S', chain]);
    return res.code === 0;
  }

  /** Adds `rule` at the top of its chain unless it is already there. Returns true if added. */
  async ensureJump(rule: JumpRule): Promise<boolean> {
    const check = await this.run('iptables', ['-w', '5', '-t', rule.table, '-C', rule.chain, ...rule.args]);
    if (check.code === 0) return false;
    const add = await this.run('iptables', ['-w', '5', '-t', rule.table, '-I', rule.chain, '1', ...rule.args]);
    if (add.code !== 0) throw new IptablesError(`iptables -t ${rule.table} -I ${rule.chain} failed (exit ${add.code}): ${add.stderr.trim()}`);
    return true;
  }

  /**
   * Removes everything this proxy owns: each rule of a built-in chain that jumps into one of its
   * chains, then all of its chains, in one transaction per table. Returns the chains removed.
   */
  async cleanup(): Promise<string[]> {
    const removed: string[] = [];
    for (const table of ['filter', 'nat'] as const) {
      const save = await this.save(table);
      const chains = parseSavedChains(save)[table].filter(isProxyChain);
      const deletes: string[] = [];
      for (const line of save.split('\n')) {
        if (!line.startsWith('-A ')) continue;
        const args = splitRule(line);
        const chain = args[1];
        const target = args[args.indexOf('-j') + 1];
        if (BUILTIN_CHAINS.has(chain) && args.includes('-j') && isProxyChain(target)) {
          deletes.push(line.replace(/^-A /, '-D '));
        }
      }
      if (chains.length === 0 && deletes.length === 0) continue;
      const input = [`*${table}`, ...deletes, ...chains.map((c) => `:${c} - [0:0]`), ...chains.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
      await this.restore(input);
      removed.push(...chains.map((c) => `${table}/${c}`));
    }
    return removed;
  }
}
