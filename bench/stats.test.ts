import { describe, expect, it } from 'vitest';
import { percentile, percentileOfSorted, summarize } from './stats';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
  });

  it('sorts numerically, not as strings', () => {
    expect(percentile([10, 9, 100, 2], 50)).toBe(9);
    expect(percentile([10, 9, 100, 2], 99)).toBe(100);
  });

  it('handles one value and no values', () => {
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentileOfSorted([], 50))).toBe(true);
  });

  it('p99 of 1,000 values is the 990th', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1000..1
    expect(percentile(values, 99)).toBe(990);
    expect(percentile(values, 50)).toBe(500);
  });
});

describe('summarize', () => {
  it('computes throughput from the wall time', () => {
    const s = summarize([1, 2, 3, 4], 2000);
    expect(s.count).toBe(4);
    expect(s.opsPerSec).toBe(2);
    expect(s.mean).toBe(2.5);
    expect(s.max).toBe(4);
    expect(s.p50).toBe(2);
  });
});
