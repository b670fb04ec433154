import { describe, expect, it } from 'vitest';
import { nodeConditions, nodeResources } from './node-status';
import type { HostResources } from './host-info';

const GiB = 1024 ** 3;
const host: HostResources = { cpu: 2, memoryBytes: 24 * GiB, ephemeralStorageBytes: 100 * GiB, memoryAvailableBytes: 20 * GiB, storageAvailableBytes: 50 * GiB };
const T = Date.parse('2026-01-01T00:00:00Z');
const byType = (cs: { type?: string }[]) => Object.fromEntries(cs.map((c) => [c.type, c]));

describe('nodeConditions', () => {
  it('is Ready with no pressure when the runtime and network are up', () => {
    const c = byType(nodeConditions({ network: { ready: true, message: '' }, host }, [], T));
    expect(c.Ready).toMatchObject({ status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2026-01-01T00:00:00Z' });
    expect(c.MemoryPressure).toMatchObject({ status: 'False', reason: 'KubeletHasSufficientMemory' });
    expect(c.DiskPressure).toMatchObject({ status: 'False', reason: 'KubeletHasNoDiskPressure' });
    expect(c.PIDPressure).toMatchObject({ status: 'False', reason: 'KubeletHasSufficientPID' });
  });

  it('is NotReady naming Docker when the runtime is down, or when the pod network is not ready', () => {
    const down = byType(nodeConditions({ runtimeError: 'Docker is unreachable at unix:///var/run/docker.sock: ENOENT', network: { ready: true, message: '' }, host }, [], T));
    expect(down.Ready).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(down.Ready.message).toBe('container runtime is down: Docker is unreachable at unix:///var/run/docker.sock: ENOENT');
    const noNet = byType(nodeConditions({ network: { ready: false, message: 'no podCIDR' }, host }, [], T));
    expect(noNet.Ready.message).toContain('NetworkReady=false');
  });

  it('reports memory and disk pressure under the eviction thresholds', () => {
    const c = byType(nodeConditions({ network: { ready: true, message: '' }, host: { ...host, memoryAvailableBytes: 50 * 1024 ** 2, storageAvailableBytes: 5 * GiB } }, [], T));
    expect(c.MemoryPressure.status).toBe('True');
    expect(c.DiskPressure.status).toBe('True');
  });

  it('keeps lastTransitionTime while the status stays, and moves the heartbeat', () => {
    const first = nodeConditions({ network: { ready: true, message: '' }, host }, [], T);
    const second = byType(nodeConditions({ network: { ready: true, message: '' }, host }, first, T + 10_000));
    expect(second.Ready.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(second.Ready.lastHeartbeatTime).toBe('2026-01-01T00:00:10Z');
    const third = byType(nodeConditions({ runtimeError: 'x', network: { ready: true, message: '' }, host }, first, T + 20_000));
    expect(third.Ready.lastTransitionTime).toBe('2026-01-01T00:00:20Z');
  });
});

describe('nodeResources', () => {
  it('reports capacity from the host and allocatable less the eviction thresholds', () => {
    expect(nodeResources(host, 110)).toEqual({
      capacity: { cpu: '2', memory: `${24 * 1024 * 1024}Ki`, pods: '110', 'ephemeral-storage': `${100 * 1024 * 1024}Ki` },
      allocatable: { cpu: '2', memory: `${24 * 1024 * 1024 - 100 * 1024}Ki`, pods: '110', 'ephemeral-storage': String(Math.floor(100 * GiB * 0.9)) },
    });
  });
});
