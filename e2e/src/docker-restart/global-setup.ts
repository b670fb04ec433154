import type { TestProject } from 'vitest/node';
import clusterSetup from '../cluster/global-setup';
import { dockerRestartEnabled, SKIPPED_LINE } from './gate';

/** The compose cluster of the cluster scenarios (found or brought up, and removed after), only when the scenario is enabled. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!dockerRestartEnabled()) {
    process.stderr.write(`${SKIPPED_LINE}\n`);
    project.provide('e2eServer', '');
    project.provide('e2eComposeHome', '');
    return undefined;
  }
  return clusterSetup(project);
}
