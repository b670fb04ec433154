import { describe, expect, it } from 'vitest';
import { formatDuration, formatMicroTime, formatTime, parseDuration } from './time';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['5s', 5000],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['250us', 0.25],
  ])('%s = %ims', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', '-1s', 's', '5x', '1s2'])('rejects %j', (text) => expect(() => parseDuration(text)).toThrow(/time: /));
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [10_000, '10s'],
    [160_000, '2m40s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
  ])('%ims = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('timestamps', () => {
  const ms = Date.parse('2026-01-02T03:04:05.123Z');
  it('writes metav1.Time in whole seconds', () => expect(formatTime(ms)).toBe('2026-01-02T03:04:05Z'));
  it('writes metav1.MicroTime with microseconds', () => expect(formatMicroTime(ms)).toBe('2026-01-02T03:04:05.123000Z'));
});
