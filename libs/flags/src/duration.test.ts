import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseDurationFlag } from './duration';
import { FlagError } from './flags';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['+0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['5s', 5000],
    ['+5s', 5000],
    ['40s', 40_000],
    ['1.5s', 1500],
    ['1.1s', 1100],
    ['5.s', 5000],
    ['.5s', 500],
    ['100.00100s', 100_001],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['10.5s4m', 250_500],
    ['2h', 7_200_000],
    ['250us', 0.25],
    ['12µs', 0.012],
    ['12μs', 0.012],
    ['10ns', 0.00001],
    ['1h2m3s4ms5us6ns', 3_723_004.005006],
    ['0.3333333333333333333h', 1_200_000],
  ])('%s = %sms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    ['', 'time: invalid duration ""'],
    ['soon', 'time: invalid duration "soon"'],
    ['forty', 'time: invalid duration "forty"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+', 'time: invalid duration "+"'],
    // Go takes a negative duration; nothing here does.
    ['-1s', 'time: invalid duration "-1s"'],
    // Go does not trim.
    [' 5s', 'time: invalid duration " 5s"'],
    ['5', 'time: missing unit in duration "5"'],
    ['15', 'time: missing unit in duration "15"'],
    ['1s2', 'time: missing unit in duration "1s2"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['5sec', 'time: unknown unit "sec" in duration "5sec"'],
    ['5 s', 'time: unknown unit " s" in duration "5 s"'],
    ['5s ', 'time: unknown unit "s " in duration "5s "'],
    // More than Go's int64 of nanoseconds holds (about 292 years).
    ['3000000h', 'time: invalid duration "3000000h"'],
    ['9223372036854775810ns', 'time: invalid duration "9223372036854775810ns"'],
  ])('rejects %j: %s', (text, message) => expect(() => parseDuration(text)).toThrow(new Error(message)));
});

describe('parseDurationFlag', () => {
  it('returns milliseconds', () => expect(parseDurationFlag('1m30s', 'timeout')).toBe(90_000));

  it('names the flag as pflag does, with or without its dashes', () => {
    const message = 'invalid argument "forty" for "--node-monitor-grace-period" flag: time: invalid duration "forty"';
    for (const flag of ['node-monitor-grace-period', '--node-monitor-grace-period']) {
      expect(() => parseDurationFlag('forty', flag)).toThrow(new FlagError(message));
    }
  });

  it("gives Go's reason", () => {
    expect(() => parseDurationFlag('15', 'leader-elect-lease-duration')).toThrow(
      'invalid argument "15" for "--leader-elect-lease-duration" flag: time: missing unit in duration "15"',
    );
  });

  it('throws a FlagError', () => expect(() => parseDurationFlag('soon', 'since')).toThrow(FlagError));
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.000001, '1ns'],
    [0.0011, '1.1µs'],
    [0.25, '250µs'],
    [2.2, '2.2ms'],
    [300, '300ms'],
    [500, '500ms'],
    [1500, '1.5s'],
    [1000.5, '1.0005s'],
    [2000, '2s'],
    [3300, '3.3s'],
    [10_000, '10s'],
    [90_000, '1m30s'],
    [120_000, '2m0s'],
    [160_000, '2m40s'],
    [245_001, '4m5.001s'],
    [300_000, '5m0s'],
    [480_000.000001, '8m0.000000001s'],
    [3_600_000, '1h0m0s'],
    [18_367_001, '5h6m7.001s'],
    [-1500, '-1.5s'],
    [-0.25, '-250µs'],
    [Infinity, '2562047h47m16.854775807s'],
    [-Infinity, '-2562047h47m16.854775808s'],
  ])('%sms = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it.each(['1h0m0s', '2m40s', '1.5s', '500ms', '250µs', '1ns', '1h2m3.004005006s'])('prints back what it parses: %s', (text) => {
    expect(formatDuration(parseDuration(text))).toBe(text);
  });
});
