import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '@minik8s/exec';
import { silentLogger } from '@minik8s/logging';
import { BridgeHairpin } from './bridge-hairpin';
import type { HairpinMode } from './hairpin';

/** A fake `ip` over a set of links: which exist, their bridge, hairpin and promisc flags. */
class FakeLinks {
  readonly calls: string[] = [];
  readonly links = new Map<string, { master?: string; hairpin?: boolean; promisc?: boolean }>();
  run: CommandRunner = async (cmd, args) => {
    const line = `${cmd} ${args.join(' ')}`;
    this.calls.push(line);
    const ok = (stdout = ''): { code: number; stdout: string; stderr: string } => ({ code: 0, stdout, stderr: '' });
    let m: RegExpExecArray | null;
    if ((m = /^ip -d -o link show master (\S+)$/.exec(line))) {
      if (!this.links.has(m[1])) return { code: 1, stdout: '', stderr: `Device "${m[1]}" does not exist.` };
      const rows = [...this.links].filter(([, l]) => l.master === m![1]);
      return ok(rows.map(([n, l], i) => `${i + 10}: ${n}@if${i}: <UP> mtu 1500 master ${m![1]} \\    bridge_slave hairpin ${l.hairpin ? 'on' : 'off'} guard off`).join('\n'));
    }
    if ((m = /^ip -o link show dev (\S+)$/.exec(line))) {
      const l = this.links.get(m[1]);
      return l ? ok(`5: ${m[1]}: <BROADCAST,${l.promisc ? 'PROMISC,' : ''}UP> mtu 1500`) : { code: 1, stdout: '', stderr: `Device "${m[1]}" does not exist.` };
    }
    if ((m = /^ip link set dev (\S+) type bridge_slave hairpin on$/.exec(line))) {
      const l = this.links.get(m[1]);
      if (!l) return { code: 1, stdout: '', stderr: 'Cannot find device' };
      l.hairpin = true;
      return ok();
    }
    if ((m = /^ip link set dev (\S+) promisc on$/.exec(line))) {
      this.links.get(m[1])!.promisc = true;
      return ok();
    }
    throw new Error(`unexpected command: ${line}`);
  };
}

function hairpin(links: FakeLinks, mode: HairpinMode, bridge: () => string | undefined): BridgeHairpin {
  return new BridgeHairpin({ mode, resolveBridge: async () => bridge(), run: links.run, logger: silentLogger(), resyncMs: 0 });
}

describe('BridgeHairpin', () => {
  it('hairpin-veth turns hairpin on for every port of the pod bridge, and only those', async () => {
    const links = new FakeLinks();
    links.links.set('br-pods', {});
    links.links.set('veth1', { master: 'br-pods' });
    links.links.set('veth2', { master: 'br-pods', hairpin: true });
    links.links.set('vethother', { master: 'docker0' });
    const h = hairpin(links, 'hairpin-veth', () => 'br-pods');
    h.start();
    await h.idle();
    expect(links.links.get('veth1')?.hairpin).toBe(true);
    expect(links.links.get('vethother')?.hairpin).toBeUndefined();
    expect(h.stats.portsChanged).toBe(1);
    // A new pod's port: the next sync (a link event) takes it, and leaves the others alone.
    links.links.set('veth3', { master: 'br-pods' });
    links.calls.length = 0;
    h.requestSync();
    await h.idle();
    expect(links.links.get('veth3')?.hairpin).toBe(true);
    expect(links.calls.filter((c) => c.includes('hairpin on'))).toEqual(['ip link set dev veth3 type bridge_slave hairpin on']);
    await h.stop();
  });

  it('waits for the bridge to exist, and finds it again when it is recreated', async () => {
    const links = new FakeLinks();
    let bridge: string | undefined;
    let lookups = 0;
    const h = new BridgeHairpin({ mode: 'hairpin-veth', resolveBridge: async () => (lookups++, bridge), run: links.run, logger: silentLogger(), resyncMs: 0 });
    h.start();
    await h.idle();
    expect(links.calls).toEqual([]);
    bridge = 'br-one';
    links.links.set('br-one', {});
    links.links.set('veth1', { master: 'br-one' });
    h.requestSync();
    await h.idle();
    expect(links.links.get('veth1')?.hairpin).toBe(true);
    h.requestSync();
    await h.idle();
    expect(lookups).toBe(2);
    links.links.clear();
    bridge = 'br-two';
    links.links.set('br-two', {});
    links.links.set('veth2', { master: 'br-two' });
    h.requestSync();
    await h.idle();
    expect(lookups).toBe(3);
    expect(links.links.get('veth2')?.hairpin).toBe(true);
    expect(h.stats.failures).toBe(0);
    await h.stop();
  });

  it('ignores a port that went away between listing and setting it', async () => {
    const links = new FakeLinks();
    links.links.set('br-pods', {});
    links.links.set('gone', { master: 'br-pods' });
    const run = links.run;
    links.run = async (cmd, args, stdin) => {
      if (args.includes('gone') && args.includes('hairpin')) links.links.delete('gone');
      return run(cmd, args, stdin);
    };
    const h = hairpin(links, 'hairpin-veth', () => 'br-pods');
    h.start();
    await h.idle();
    expect(h.stats.failures).toBe(0);
    await h.stop();
  });

  it('promiscuous-bridge sets the bridge promiscuous once; none does nothing', async () => {
    const links = new FakeLinks();
    links.links.set('br-pods', {});
    links.links.set('veth1', { master: 'br-pods' });
    const p = hairpin(links, 'promiscuous-bridge', () => 'br-pods');
    p.start();
    await p.idle();
    p.requestSync();
    await p.idle();
    expect(links.links.get('br-pods')?.promisc).toBe(true);
    expect(links.links.get('veth1')?.hairpin).toBeUndefined();
    expect(links.calls.filter((c) => c.includes('promisc on'))).toHaveLength(1);
    await p.stop();
    links.calls.length = 0;
    const n = hairpin(links, 'none', () => 'br-pods');
    n.start();
    n.requestSync();
    await n.idle();
    expect(links.calls).toEqual([]);
    await n.stop();
  });
});
