import { defineConfig } from 'vitest/config';

// One run over every project's own vitest config, so `npm test` prints one summary.
export default defineConfig({
  test: {
    projects: ['libs/*/vitest.config.mts', 'apps/*/vitest.config.mts', 'bench/vitest.config.mts', 'e2e/vitest.config.mts', 'e2e/vitest.cluster.config.mts'],
    // Integration tests start etcd and apiservers; two cores do not gain from more files at once.
    maxWorkers: 2,
  },
});
