import type { CommandResult, CommandRunner } from '@minik8s/exec';

export interface RecordedCommand {
  command: string;
  args: string[];
  stdin?: string;
}

/**
 * A CommandRunner that records every command and answers from a script: `iptables -C` says
 * "missing" until the same rule was inserted, `iptables-save` prints `saved[table]`, and
 * `fail`/`missing` make chosen programs fail or be absent.
 */
export class FakeRunner {
  readonly calls: RecordedCommand[] = [];
  readonly saved: Record<string, string> = { filter: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n', nat: '*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n' };
  readonly inserted = new Set<string>();
  fail = new Set<string>();
  missing = new Set<string>();

  readonly run: CommandRunner = async (command, args, stdin): Promise<CommandResult> => {
    this.calls.push({ command, args: [...args], stdin });
    if (this.missing.has(command)) throw Object.assign(new Error(`${command}: not found`), { code: 'ENOENT' });
    if (this.fail.has(command)) return { code: 2, stdout: '', stderr: `${command}: scripted failure` };
    if (command === 'iptables-save') return { code: 0, stdout: this.saved[args[args.indexOf('-t') + 1]] ?? '', stderr: '' };
    if (command === 'iptables') {
      const op = args.findIndex((a) => a === '-C' || a === '-I');
      const table = args[args.indexOf('-t') + 1];
      const key = `${table} ${args[op + 1]} ${args.slice(op + (args[op] === '-I' ? 3 : 2)).join(' ')}`;
      if (args[op] === '-C') return { code: this.inserted.has(key) ? 0 : 1, stdout: '', stderr: '' };
      this.inserted.add(key);
    }
    return { code: 0, stdout: '', stderr: '' };
  };

  named(command: string): RecordedCommand[] {
    return this.calls.filter((c) => c.command === command);
  }

  clear(): void {
    this.calls.length = 0;
  }
}
