import { describe, expect, it } from 'vitest';
import { execRunner } from './exec-runner';

describe('execRunner', () => {
  const run = execRunner();

  it('returns the exit code, stdout and stderr, and feeds stdin', async () => {
    const res = await run('sh', ['-c', 'cat; echo err >&2; exit 3'], 'from stdin\n');
    expect(res).toEqual({ code: 3, stdout: 'from stdin\n', stderr: 'err\n' });
  });

  it('rejects with ENOENT for a program that does not exist', async () => {
    await expect(run('minik8s-no-such-program', [])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
