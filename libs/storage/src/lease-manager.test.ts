import { describe, expect, it } from 'vitest';
import { LeaseManager } from './lease-manager';

function manager(options: { now: { ms: number }; failNext?: { value: boolean } }) {
  const grants: number[] = [];
  let next = 1n;
  const leases = new LeaseManager(
    async (ttl) => {
      grants.push(ttl);
      if (options.failNext?.value) {
        options.failNext.value = false;
        throw new Error('etcdserver: too many requests');
      }
      return next++;
    },
    () => options.now.ms,
  );
  return { leases, grants };
}

describe('LeaseManager', () => {
  it('shares one lease of TTL + window among the writes that it keeps between TTL and TTL + window', async () => {
    const now = { ms: 0 };
    const { leases, grants } = manager({ now });
    expect(await leases.leaseFor(3600)).toBe(1n);
    expect(grants).toEqual([3660]);
    now.ms = 59_000;
    expect(await leases.leaseFor(3600)).toBe(1n);
    // Past the window the shared lease would end before this write's TTL.
    now.ms = 60_001;
    expect(await leases.leaseFor(3600)).toBe(2n);
    expect(grants).toEqual([3660, 3660]);
  });

  it('scales the window down for short TTLs: 5%, in whole seconds', async () => {
    const now = { ms: 0 };
    const { leases, grants } = manager({ now });
    expect(leases.reuseSeconds(3600)).toBe(60);
    expect(leases.reuseSeconds(200)).toBe(10);
    expect(leases.reuseSeconds(10)).toBe(0);
    await leases.leaseFor(200);
    now.ms = 10_001;
    await leases.leaseFor(200);
    expect(grants).toEqual([210, 210]);
    // With no window, a lease serves only the writes of the instant it was granted for.
    await leases.leaseFor(10);
    now.ms += 1;
    await leases.leaseFor(10);
    expect(grants).toEqual([210, 210, 10, 10]);
  });

  it('keeps separate leases per TTL and asks once for writes that arrive while a grant is in flight', async () => {
    const now = { ms: 0 };
    const { leases, grants } = manager({ now });
    const ids = await Promise.all([leases.leaseFor(3600), leases.leaseFor(3600), leases.leaseFor(600), leases.leaseFor(3600)]);
    expect(ids).toEqual([1n, 1n, 2n, 1n]);
    expect(grants).toEqual([3660, 630]);
  });

  it('grants a new lease once one carries its maximum of objects', async () => {
    const now = { ms: 0 };
    const grants: number[] = [];
    let next = 1n;
    const leases = new LeaseManager(async (ttl) => (grants.push(ttl), next++), () => now.ms, { maxObjectsPerLease: 2 });
    expect([await leases.leaseFor(3600), await leases.leaseFor(3600), await leases.leaseFor(3600)]).toEqual([1n, 1n, 2n]);
  });

  it('fails the writes waiting on a failed grant and tries again on the next write', async () => {
    const now = { ms: 0 };
    const failNext = { value: true };
    const { leases, grants } = manager({ now, failNext });
    await expect(Promise.all([leases.leaseFor(3600), leases.leaseFor(3600)])).rejects.toThrow(/too many requests/);
    expect(await leases.leaseFor(3600)).toBe(1n);
    expect(grants).toEqual([3660, 3660]);
  });

  it('refuses a TTL that is not a positive whole number of seconds', async () => {
    const { leases } = manager({ now: { ms: 0 } });
    await expect(leases.leaseFor(0)).rejects.toThrow(/positive/);
    await expect(leases.leaseFor(1.5)).rejects.toThrow(/positive/);
  });
});
