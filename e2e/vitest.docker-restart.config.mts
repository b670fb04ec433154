import { projectTestConfig } from '../vitest.shared.mts';

// The cluster surviving a restart of the host's Docker engine (src/docker-restart). Not in the
// workspace: restarting the engine would break every other Docker test running beside it, so
// scripts/test.sh runs this alone after the main run, and only with MINIK8S_E2E_DOCKER_RESTART=1.
export default projectTestConfig(import.meta.dirname, {
  name: 'e2e-docker-restart',
  include: ['src/docker-restart/**/*.test.ts'],
  globalSetup: ['src/docker-restart/global-setup.ts'],
  fileParallelism: false,
  testTimeout: 600_000,
  hookTimeout: 300_000,
});
