import { describe, expect, it } from 'vitest';
import { formatLabels, humanDuration, listWithMore, timestampAge } from './format';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration', () => {
  it.each([
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [45 * s, '45s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 12 * s, '3m12s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [5 * h + 20 * m, '5h20m'],
    [8 * h + 20 * m, '8h'],
    [47 * h, '47h'],
    [2 * d + 3 * h, '2d3h'],
    [7 * d, '7d'],
    [12 * d + 5 * h, '12d'],
    [729 * d, '729d'],
    [2 * 365 * d + 10 * d, '2y10d'],
    [9 * 365 * d, '9y'],
  ])('%i ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('timestampAge', () => {
  it('measures from the timestamp to now', () => {
    expect(timestampAge('2024-01-01T00:00:00Z', new Date('2024-01-01T00:03:12Z'))).toBe('3m12s');
  });
  it('is <unknown> without a timestamp', () => {
    expect(timestampAge(undefined, new Date())).toBe('<unknown>');
    expect(timestampAge('garbage', new Date())).toBe('<unknown>');
  });
});

describe('formatLabels', () => {
  it('sorts keys and joins k=v', () => {
    expect(formatLabels({ tier: 'web', app: 'kubia' })).toBe('app=kubia,tier=web');
  });
  it('is <none> when empty', () => {
    expect(formatLabels(undefined)).toBe('<none>');
    expect(formatLabels({})).toBe('<none>');
  });
});

describe('listWithMore', () => {
  it('abbreviates after three', () => {
    expect(listWithMore(['a', 'b', 'c', 'd', 'e'])).toBe('a,b,c + 2 more...');
    expect(listWithMore(['a'])).toBe('a');
    expect(listWithMore([])).toBe('<unset>');
  });
});
