import { describe, expect, it } from 'vitest';
import { runOffline } from '../test-context';

describe('events without a server', () => {
  it('refuses bad flags and arguments before connecting, with exit code 1', async () => {
    expect(await runOffline(['events', '--types=Critical'])).toEqual({ code: 1, stdout: '', stderr: 'error: valid --types are Normal or Warning\n' });
    expect(await runOffline(['events', '--for=pod/a/b'])).toEqual({ code: 1, stdout: '', stderr: 'error: arguments in resource/name form may not have more than one slash\n' });
    expect(await runOffline(['events', 'pod/web-1'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: unexpected arguments: [pod/web-1]; use --for TYPE/NAME for one object's events\nSee 'minictl events --help' for usage.\n",
    });
  });

  it('reports an unreachable server as every command does', async () => {
    expect(await runOffline(['events', '-A'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
    });
  });
});
