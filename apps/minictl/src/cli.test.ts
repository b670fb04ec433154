import { describe, expect, it } from 'vitest';
import { parseArgs } from './args';
import { COMMANDS, resolveSubcommand } from './cli';
import { DRY_RUN_FLAG } from './dry-run';
import { runOffline as cli } from './test-context';

function command(name: string): (typeof COMMANDS)[number] {
  const found = COMMANDS.find((c) => c.name === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

describe('subcommands', () => {
  it('walks down to the subcommand named by the first positional, past global flags', () => {
    const resolved = resolveSubcommand(command('rollout'), ['-n', 'prod', 'status', 'deploy/web', '--timeout=5s']);
    expect(resolved.command.name).toBe('status');
    expect(resolved.path).toBe('rollout status');
    expect(resolved.rest).toEqual(['-n', 'prod', 'deploy/web', '--timeout=5s']);
    expect(resolveSubcommand(command('create'), ['deploy', 'web']).path).toBe('create deployment');
    expect(resolveSubcommand(command('create'), ['-f', 'x.yaml']).path).toBe('create');
  });

  it('prints a group command\'s help and fails without a subcommand, as kubectl does', async () => {
    const result = await cli(['rollout']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Available Commands:\n  history   View rollout history\n');
    expect(result.stdout).toContain('  undo      Undo a previous rollout\n');
    expect(await cli(['rollout', 'sideways'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: unknown command \"sideways\"\nSee 'minictl rollout --help' for usage.\n",
    });
  });

  it('gives each subcommand its own flags, help and usage errors', async () => {
    const help = await cli(['rollout', 'status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('    -w, --watch=true:\n');
    expect((await cli(['help', 'set', 'image'])).stdout).toContain('minictl set image (-f FILENAME | TYPE NAME)');
    expect(await cli(['rollout', 'history', 'deploy/web', '--to-revision=2'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: unknown flag: --to-revision\nSee 'minictl rollout history --help' for usage.\n",
    });
  });

  it('lists the new commands in the root help', async () => {
    const { stdout } = await cli([]);
    expect(stdout).toContain('Deploy Commands:\n  rollout         Manage the rollout of a resource\n  scale           Set a new size');
    expect(stdout).toContain('Cluster Management Commands:\n  cluster-info    Display cluster information\n  cordon ');
  });

  it('refuses bad arguments before talking to the server', async () => {
    expect(await cli(['scale', 'deploy/web'])).toMatchObject({ code: 1, stderr: "error: required flag(s) \"replicas\" not set\nSee 'minictl scale --help' for usage.\n" });
    expect(await cli(['scale', 'deploy/web', '--replicas=-1'])).toMatchObject({ code: 1, stderr: 'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n' });
    expect(await cli(['create', 'deployment', 'web'])).toMatchObject({ code: 1, stderr: "error: required flag(s) \"image\" not set\nSee 'minictl create deployment --help' for usage.\n" });
    expect(await cli(['create', 'deployment', '--image=nginx'])).toMatchObject({ code: 1, stderr: "error: exactly one NAME is required, got 0\nSee 'minictl create deployment --help' for usage.\n" });
    expect(await cli(['create', 'deployment', 'web', '--image=a', '--image=b', '--', 'date'])).toMatchObject({ code: 1, stderr: 'error: cannot specify multiple --image options and command\n' });
    expect(await cli(['create', 'job', 'j'])).toMatchObject({ code: 1, stderr: 'error: either --image or --from must be specified\n' });
    expect(await cli(['create', 'job', 'j', '--from=cronjob/c', '--', 'date'])).toMatchObject({ code: 1, stderr: 'error: cannot specify --from and command\n' });
    expect(await cli(['create', 'job', 'j', '--image=busybox', '--dry-run=maybe'])).toMatchObject({ code: 1, stderr: 'error: Invalid dry-run value (maybe). Must be "none", "server", or "client".\n' });
    expect(await cli(['set', 'image', 'deploy/web'])).toMatchObject({ code: 1, stderr: "error: at least one image update is required\nSee 'minictl set image --help' for usage.\n" });
    expect(await cli(['cordon'])).toMatchObject({ code: 1, stderr: "error: USAGE: cordon NODE [flags]\nSee 'minictl cordon --help' for usage.\n" });
    expect(await cli(['taint', 'nodes', 'n1', 'dedicated=x:Sometimes'])).toMatchObject({ code: 1, stderr: 'error: invalid taint effect: Sometimes, unsupported taint effect\n' });
    expect(await cli(['taint', 'pods', 'p', 'a=b:NoSchedule'])).toMatchObject({ code: 1, stderr: 'error: invalid resource type pods, only "node,nodes" are supported\n' });
  });

  it('prints a job --dry-run=client without a server', async () => {
    const result = await cli(['create', 'job', 'hello', '--image=busybox', '--dry-run=client', '-o', 'yaml', '--', 'echo', 'hi']);
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: `apiVersion: batch/v1
kind: Job
metadata:
  name: hello
spec:
  template:
    metadata: {}
    spec:
      containers:
      - command:
        - echo
        - hi
        image: busybox
        name: hello
        resources: {}
      restartPolicy: Never
status: {}
`,
    });
  });
});

describe('--dry-run without a value', () => {
  it('means client and does not take the next argument', () => {
    const args = parseArgs(['--dry-run', 'web'], [DRY_RUN_FLAG]);
    expect(args.string('dry-run')).toBe('unchanged');
    expect(args.positionals).toEqual(['web']);
    expect(parseArgs(['--dry-run=server'], [DRY_RUN_FLAG]).string('dry-run')).toBe('server');
  });
});
