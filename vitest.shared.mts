import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type UserConfig } from 'vitest/config';

const root = import.meta.dirname;

/** Mirrors tsconfig.base.json's path aliases so tests import libs the way the code does. */
function workspaceAliases(): Record<string, string> {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  const aliases: Record<string, string> = {};
  for (const [name, targets] of Object.entries(tsconfig.compilerOptions.paths)) {
    aliases[name] = resolve(root, targets[0]);
  }
  return aliases;
}

/** The vitest config every project uses; `projectDir` is the project's folder. */
export function projectTestConfig(projectDir: string, overrides: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    root: projectDir,
    resolve: { alias: workspaceAliases() },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
