import { describe, expect, it } from 'vitest';
import { KeyedHeap } from './heap';

interface Item {
  key: string;
  v: number;
}

function heap(): KeyedHeap<Item> {
  return new KeyedHeap<Item>((i) => i.key, (a, b) => a.v < b.v);
}

describe('KeyedHeap', () => {
  it('pops in order', () => {
    const h = heap();
    for (const v of [5, 3, 9, 1, 7, 2, 8]) h.push({ key: `k${v}`, v });
    const out: number[] = [];
    for (let i = h.pop(); i; i = h.pop()) out.push(i.v);
    expect(out).toEqual([1, 2, 3, 5, 7, 8, 9]);
  });

  it('updates and deletes by key', () => {
    const h = heap();
    for (const v of [5, 3, 9, 1]) h.push({ key: `k${v}`, v });
    h.push({ key: 'k9', v: 0 });
    expect(h.delete('k3')?.v).toBe(3);
    expect(h.has('k3')).toBe(false);
    const out: string[] = [];
    for (let i = h.pop(); i; i = h.pop()) out.push(i.key);
    expect(out).toEqual(['k9', 'k1', 'k5']);
  });

  it('stays ordered under random operations', () => {
    const h = heap();
    const model = new Map<string, number>();
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 2000; step++) {
      const key = `k${Math.floor(rand() * 50)}`;
      const op = rand();
      if (op < 0.6) {
        const v = Math.floor(rand() * 1000);
        h.push({ key, v });
        model.set(key, v);
      } else if (op < 0.8) {
        h.delete(key);
        model.delete(key);
      } else {
        const top = h.pop();
        if (top) {
          expect(top.v).toBe(Math.min(...model.values()));
          model.delete(top.key);
        } else expect(model.size).toBe(0);
      }
      expect(h.length).toBe(model.size);
    }
  });
});
