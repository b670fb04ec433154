import { describe, expect, it } from 'vitest';
import { Iptables, JUMP_RULES, parseSavedChains, splitRule } from './iptables';
import { FakeRunner } from './test/fake-runner';

describe('splitRule', () => {
  it.each([
    ['-A KUBE-X -j RETURN', ['-A', 'KUBE-X', '-j', 'RETURN']],
    ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', ['-A', 'PREROUTING', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']],
    ['-A X -m comment --comment "say \\"hi\\"" -j Y', ['-A', 'X', '-m', 'comment', '--comment', 'say "hi"', '-j', 'Y']],
    ['-A X -m comment --comment "" -j Y', ['-A', 'X', '-m', 'comment', '--comment', '', '-j', 'Y']],
  ])('%s', (line, want) => expect(splitRule(line)).toEqual(want));
});

describe('parseSavedChains', () => {
  it('reads the chains of each table', () => {
    const save = '*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FORWARD - [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [1:2]\n:KUBE-SVC-AAA - [0:0]\n-A KUBE-SVC-AAA -j RETURN\nCOMMIT\n*mangle\n:KUBE-OTHER - [0:0]\nCOMMIT\n';
    expect(parseSavedChains(save)).toEqual({ filter: ['INPUT', 'KUBE-FORWARD'], nat: ['PREROUTING', 'KUBE-SVC-AAA'] });
  });
});

describe('Iptables', () => {
  it('restores with --noflush and fails loudly', async () => {
    const fake = new FakeRunner();
    const ipt = new Iptables(fake.run);
    await ipt.restore('*nat\nCOMMIT\n');
    expect(fake.calls[0]).toEqual({ command: 'iptables-restore', args: ['-w', '5', '--noflush'], stdin: '*nat\nCOMMIT\n' });
    fake.fail.add('iptables-restore');
    await expect(ipt.restore('x')).rejects.toThrow(/iptables-restore failed \(exit 2\): iptables-restore: scripted failure/);
  });

  it('inserts a jump only when it is missing', async () => {
    const fake = new FakeRunner();
    const ipt = new Iptables(fake.run);
    expect(await ipt.ensureJump(JUMP_RULES[5])).toBe(true);
    expect(await ipt.ensureJump(JUMP_RULES[5])).toBe(false);
    expect(fake.named('iptables').map((c) => c.args.slice(2, 6).join(' '))).toEqual(['-t nat -C PREROUTING', '-t nat -I PREROUTING', '-t nat -C PREROUTING']);
  });

  it('cleanup deletes the jumps and every proxy chain, leaving others alone', async () => {
    const fake = new FakeRunner();
    fake.saved.nat = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-SVC-ABC - [0:0]',
      ':DOCKER - [0:0]',
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A PREROUTING -j DOCKER',
      '-A KUBE-SERVICES -j KUBE-SVC-ABC',
      'COMMIT',
      '',
    ].join('\n');
    fake.saved.filter = '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
    const removed = await new Iptables(fake.run).cleanup();
    expect(removed).toEqual(['nat/KUBE-SERVICES', 'nat/KUBE-SVC-ABC']);
    const restores = fake.named('iptables-restore');
    expect(restores).toHaveLength(1);
    expect(restores[0].stdin).toBe(
      [
        '*nat',
        '-D PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        ':KUBE-SERVICES - [0:0]',
        ':KUBE-SVC-ABC - [0:0]',
        '-X KUBE-SERVICES',
        '-X KUBE-SVC-ABC',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });
});
