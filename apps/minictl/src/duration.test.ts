import { describe, expect, it } from 'vitest';
import { parseDurationArg } from './duration';
import { CliError } from './errors';

describe('parseDurationArg', () => {
  it('reads Go durations', () => {
    expect(parseDurationArg('0', 'timeout')).toBe(0);
    expect(parseDurationArg('1m30s', 'timeout')).toBe(90_000);
    expect(parseDurationArg('500ms', 'since')).toBe(500);
  });

  it("fails as kubectl does, naming the flag and giving Go's reason", () => {
    expect(() => parseDurationArg('soon', 'pod-running-timeout')).toThrow(
      new CliError('invalid argument "soon" for "--pod-running-timeout" flag: time: invalid duration "soon"'),
    );
    expect(() => parseDurationArg('5', 'timeout')).toThrow(new CliError('invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"'));
    expect(() => parseDurationArg('5x', 'since')).toThrow(CliError);
  });
});
