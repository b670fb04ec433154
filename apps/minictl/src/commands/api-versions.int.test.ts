// minictl api-versions against a real apiserver: the group/versions of its discovery document.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start();
});

afterAll(async () => {
  await cluster?.stop();
});

describe('api-versions', () => {
  it('prints every group/version the server serves, once each, sorted, core last as v1', async () => {
    const result = await cluster.minictl(['api-versions']);
    expect(result).toEqual({
      code: 0,
      stdout: ['apps/v1', 'autoscaling/v1', 'batch/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'scheduling.k8s.io/v1', 'storage.k8s.io/v1', 'v1', ''].join('\n'),
      stderr: '',
    });
    const lines = result.stdout.trim().split('\n');
    // The same discovery as api-resources: every APIVERSION it shows, and nothing else.
    const resources = await cluster.minictl(['api-resources', '--no-headers']);
    const fromResources = new Set(resources.stdout.trim().split('\n').map((row) => row.split(/\s+/).find((cell) => /^([a-z0-9.-]+\/)?v\d/.test(cell))));
    expect(new Set(lines)).toEqual(fromResources);
  });
});
