import { describe, expect, it } from 'vitest';
import { runOffline } from '../test-context';
import { groupVersions } from './api-versions';

describe('groupVersions', () => {
  it('lists each group/version once, core as bare "v1", in Go string order', () => {
    expect(
      groupVersions([
        { name: 'pods', group: '', version: 'v1' },
        { name: 'pods/log', group: '', version: 'v1' },
        { name: 'deployments', group: 'apps', version: 'v1' },
        { name: 'jobs', group: 'batch', version: 'v1' },
        { name: 'leases', group: 'coordination.k8s.io', version: 'v1' },
        { name: 'broken', group: 'x' },
      ]),
    ).toEqual(['apps/v1', 'batch/v1', 'coordination.k8s.io/v1', 'v1']);
  });
});

describe('api-versions without a server', () => {
  it('refuses arguments and reports an unreachable server with exit code 1', async () => {
    expect(await runOffline(['api-versions', 'apps'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: unexpected arguments: [apps]\nSee 'minictl api-versions --help' for usage.\n",
    });
    expect(await runOffline(['api-versions'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
    });
  });
});
