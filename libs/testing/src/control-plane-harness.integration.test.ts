import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlPlaneHarness } from './control-plane-harness';

let controlPlane: ControlPlaneHarness | undefined;

afterAll(async () => {
  await controlPlane?.stop();
});

const readyz = async (h: ControlPlaneHarness): Promise<number> => (await fetch(`${h.apiserver.healthUrl}/readyz`)).status;

describe('ControlPlaneHarness', () => {
  it('serves the API on etcd, restarts the apiserver on the same address, and removes everything on stop', async () => {
    const h = await ControlPlaneHarness.start();
    controlPlane = h;
    const address = h.address;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await readyz(h)).toBe(200);

    await h.restartApiServer();
    expect(h.address).toBe(address);
    expect(await readyz(h)).toBe(200);

    await h.stop();
    controlPlane = undefined;
    expect(existsSync(h.etcd.dataDir)).toBe(false);
    await expect(fetch(`${h.apiserver.healthUrl}/readyz`)).rejects.toThrow();
  }, 90_000);
});
