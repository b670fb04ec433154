import { projectTestConfig } from '../vitest.shared.mts';

// One scenario at a time: they share this machine's Docker.
export default projectTestConfig(import.meta.dirname, { fileParallelism: false, testTimeout: 180_000, hookTimeout: 300_000 });
