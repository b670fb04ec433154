import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['40s', 40_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
  ])('%s → %d ms', (input, ms) => expect(parseDuration(input, '--x')).toBe(ms));

  it('names the flag on bad input', () => {
    expect(() => parseDuration('forty', '--node-monitor-grace-period')).toThrow(
      'invalid argument "forty" for "--node-monitor-grace-period" flag: time: invalid duration "forty"',
    );
  });
});
