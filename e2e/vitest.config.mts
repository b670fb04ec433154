import { projectTestConfig } from '../vitest.shared.mts';

// One scenario at a time: they share this machine's Docker. The multi-node scenarios in
// src/cluster are the e2e-cluster project (vitest.cluster.config.mts); src/docker-restart runs
// alone after the main run (vitest.docker-restart.config.mts).
export default projectTestConfig(import.meta.dirname, {
  fileParallelism: false,
  testTimeout: 180_000,
  hookTimeout: 300_000,
  exclude: ['src/cluster/**', 'src/docker-restart/**', '**/node_modules/**'],
});
