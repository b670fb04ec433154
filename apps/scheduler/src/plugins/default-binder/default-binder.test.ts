import { describe, expect, it } from 'vitest';
import type { ApiClient } from '@minik8s/client';
import { CycleState } from '../../framework/cycle-state';
import { PodInfo } from '../../framework/pod-info';
import { Code } from '../../framework/status';
import { newTestHandle } from '../../testing/fake-handle';
import { makePod } from '../../testing/wrappers';
import { DefaultBinder } from './default-binder';

function handleWith(bind: (ns: string, name: string, node: string, uid?: string) => Promise<void>) {
  const handle = newTestHandle();
  return { ...handle, client: { bind } as unknown as ApiClient };
}

describe('DefaultBinder', () => {
  const cases = [
    { name: 'binds with the pod uid', fail: undefined, want: null },
    { name: 'a failed bind is an error status', fail: new Error('pod p is already assigned to node "x"'), want: 'pod p is already assigned to node "x"' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const calls: string[] = [];
      const binder = new DefaultBinder(
        handleWith(async (ns, name, node, uid) => {
          calls.push(`${ns}/${name}->${node} (${uid})`);
          if (c.fail) throw c.fail;
        }),
      );
      const s = await binder.bind(new CycleState(), new PodInfo(makePod('p').obj()), 'n1');
      expect(calls).toEqual(['default/p->n1 (uid-p)']);
      expect(s ? s.message() : null).toBe(c.want);
      if (s) expect(s.code).toBe(Code.Error);
    });
  }

  it('without a client it fails', async () => {
    const s = await new DefaultBinder(newTestHandle()).bind(new CycleState(), new PodInfo(makePod('p').obj()), 'n1');
    expect(s?.code).toBe(Code.Error);
  });
});
