import { describe, expect, it } from 'vitest';
import { levelFor } from './logger';

describe('levelFor', () => {
  it.each([
    [{}, 'info'],
    [{ verbosity: 1 }, 'info'],
    [{ verbosity: 2 }, 'debug'],
    [{ verbosity: 5 }, 'trace'],
    [{ level: 'warn', verbosity: 5 }, 'warn'],
  ])('%o → %s', (options, level) => {
    expect(levelFor(options)).toBe(level);
  });

  it('rejects an unknown level and names the flag', () => {
    expect(() => levelFor({ level: 'loud' })).toThrow('--log-level: Unsupported value: "loud"');
  });
});
