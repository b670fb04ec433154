import { describe, expect, it } from 'vitest';
import { parseFlags } from '@minik8s/flags';
import { FLAGS, leaderElectionTimings } from './options';

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

  it('reads the leader election durations in Go syntax', () => {
    const f = parseFlags('s', 's', FLAGS, ['--leader-elect-lease-duration=1m30s', '--leader-elect-renew-deadline=1.5s', '--leader-elect-retry-period=500ms'], () => undefined)!;
    expect(leaderElectionTimings(f)).toEqual({ lease: 90, renew: 1.5, retry: 0.5 });
  });

  it('rejects a duration without its unit, naming the flag', () => {
    const f = parseFlags('s', 's', FLAGS, ['--leader-elect-lease-duration=15'], () => undefined)!;
    expect(() => leaderElectionTimings(f)).toThrow('invalid argument "15" for "--leader-elect-lease-duration" flag');
  });

  it('checks leader election timings', () => {
    const f = parseFlags('s', 's', FLAGS, ['--leader-elect', '--leader-elect-lease-duration=5s', '--leader-elect-renew-deadline=10s'], () => undefined)!;
    expect(() => leaderElectionTimings(f)).toThrow('leaseDuration must be greater than renewDeadline');
  });
});
