import { describe, expect, it } from 'vitest';
import { parseFlags } from '@minik8s/flags';
import { FLAGS, leaderElectionTimings, parseDuration } from './options';

describe('parseDuration', () => {
  const cases: [string, number][] = [
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['2h', 7_200_000],
    ['0', 0],
  ];
  for (const [input, ms] of cases) it(input, () => expect(parseDuration(input, 'x')).toBe(ms));
  it('rejects garbage', () => expect(() => parseDuration('15', 'leader-elect-lease-duration')).toThrow('invalid argument "15" for "--leader-elect-lease-duration" flag'));
});

describe('flags', () => {
  it('has kube-scheduler defaults', () => {
    const f = parseFlags('s', 's', FLAGS, [], () => undefined)!;
    expect(f.schedulerName).toBe('default-scheduler');
    expect(f.leaderElect).toBe(false);
    expect(leaderElectionTimings(f)).toEqual({ lease: 15, renew: 10, retry: 2 });
  });

  it('parses the documented command line', () => {
    const f = parseFlags('s', 's', FLAGS, ['--server', '10.0.0.1:6443', '--leader-elect', '--scheduler-name', 'my-scheduler'], () => undefined)!;
    expect(f.server).toBe('10.0.0.1:6443');
    expect(f.leaderElect).toBe(true);
    expect(f.schedulerName).toBe('my-scheduler');
  });

  it('checks leader election timings', () => {
    const f = parseFlags('s', 's', FLAGS, ['--leader-elect', '--leader-elect-lease-duration=5s', '--leader-elect-renew-deadline=10s'], () => undefined)!;
    expect(() => leaderElectionTimings(f)).toThrow('leaseDuration must be greater than renewDeadline');
  });
});
