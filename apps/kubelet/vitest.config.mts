import { projectTestConfig } from '../../vitest.shared.mts';

// The Docker integration tests share one engine and one pod bridge: run files one at a time.
export default projectTestConfig(import.meta.dirname, { fileParallelism: false, testTimeout: 60_000, hookTimeout: 120_000 });
