import { describe, expect, it } from 'vitest';
import { formatGoDuration } from './duration';

describe('formatGoDuration', () => {
  it('prints durations as Go does', () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(300)).toBe('300ms');
    expect(formatGoDuration(2000)).toBe('2s');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(120_000)).toBe('2m0s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
  });
});
