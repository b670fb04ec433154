import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineCpuDelta, engineCpuSnapshot } from './docker-engine-cpu';

describe('engineCpuDelta', () => {
  it('counts what running processes added and new processes whole, and cannot see processes that ended', () => {
    const before = new Map([
      [10, 5.0], // dockerd
      [11, 1.0], // containerd
      [12, 0.5], // a shim that ends in between
    ]);
    const after = new Map([
      [10, 6.25],
      [11, 1.5],
      [20, 0.125], // a shim that started in between
    ]);
    expect(engineCpuDelta(before, after)).toBeCloseTo(1.875, 9);
  });

  const pidFile = '/var/run/docker.pid';
  const enginePid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
  it.skipIf(!existsSync(`/proc/${enginePid}`))('finds the local engine that /var/run/docker.pid names', () => {
    expect(engineCpuSnapshot().get(enginePid)).toBeGreaterThan(0);
  });
});
