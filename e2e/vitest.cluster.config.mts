import { projectTestConfig } from '../vitest.shared.mts';

// The scenarios on a whole multi-node cluster (src/cluster): the global setup finds one or brings
// the compose cluster up (src/cluster/global-setup.ts). One file at a time: they share the cluster.
export default projectTestConfig(import.meta.dirname, {
  name: 'e2e-cluster',
  include: ['src/cluster/**/*.test.ts'],
  globalSetup: ['src/cluster/global-setup.ts'],
  fileParallelism: false,
  testTimeout: 300_000,
  hookTimeout: 300_000,
});
