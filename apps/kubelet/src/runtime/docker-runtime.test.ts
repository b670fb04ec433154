import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type Docker from 'dockerode';
import type { ContainerConfig } from './container-runtime';
import { containerName, DockerRuntime, gatewayOf } from './docker-runtime';

describe('docker runtime helpers', () => {
  it.each([
    ['10.244.250.0/24', '10.244.250.1'],
    ['10.244.0.0/16', '10.244.0.1'],
    ['10.244.3.128/25', '10.244.3.129'],
  ])('gateway of %s is %s', (cidr, gw) => expect(gatewayOf(cidr)).toBe(gw));

  it('names containers as dockershim did', () => {
    expect(containerName({ uid: 'u-1', name: 'web', namespace: 'default' }, 'POD', 0)).toBe('k8s_POD_web_default_u-1_0');
    expect(containerName({ uid: 'u-1', name: 'web', namespace: 'ns' }, 'app', 3)).toBe('k8s_app_web_ns_u-1_3');
  });
});

describe('DockerRuntime.pullImage', () => {
  it('passes each credential as dockerode authconfig until one works', async () => {
    const runtime = new DockerRuntime({ nodeName: 'n', podInfraImage: 'pause' });
    const seen: unknown[] = [];
    vi.spyOn(runtime.docker, 'pull').mockImplementation((async (_image: string, opts: { authconfig?: unknown }) => {
      seen.push(opts.authconfig);
      if ((opts.authconfig as { username?: string } | undefined)?.username !== 'good') throw Object.assign(new Error('unauthorized: authentication required'), { statusCode: 401 });
      return Readable.from([]);
    }) as unknown as Docker['pull']);
    vi.spyOn(runtime.docker.modem, 'followProgress').mockImplementation(((_s: unknown, done: (err: Error | null) => void) => done(null)) as Docker['modem']['followProgress']);
    vi.spyOn(runtime, 'imageStatus').mockResolvedValue({ id: 'sha256:1', repoTags: ['r.example.com/app:1'], repoDigests: [], size: 1 });
    const bad = { username: 'bad', password: 'x', serveraddress: 'r.example.com' };
    const good = { username: 'good', password: 'y', serveraddress: 'r.example.com' };
    await runtime.pullImage('r.example.com/app:1', [bad, good]);
    expect(seen).toEqual([bad, good]);

    seen.length = 0;
    await expect(runtime.pullImage('r.example.com/app:1', [bad])).rejects.toThrow('failed to pull and unpack image "r.example.com/app:1": unauthorized: authentication required');
    await expect(runtime.pullImage('r.example.com/app:1')).rejects.toMatchObject({ reason: 'ErrImagePull' });
    expect(seen).toEqual([bad, undefined]);
  });
});

describe('DockerRuntime container starts', () => {
  it('asks the engine for at most maxParallelStarts starts at once', async () => {
    const runtime = new DockerRuntime({ nodeName: 'n', podInfraImage: 'pause', maxParallelStarts: 1 });
    const started: string[] = [];
    const release: (() => void)[] = [];
    vi.spyOn(runtime.docker, 'getContainer').mockImplementation(
      (id: string) =>
        ({
          start: () =>
            new Promise<void>((resolve) => {
              started.push(id);
              release.push(resolve);
            }),
        }) as unknown as Docker.Container,
    );
    const first = runtime.startContainer('a');
    const second = runtime.startContainer('b');
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a']);
    release[0]();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a', 'b']);
    release[1]();
    await second;
  });
});

describe('DockerRuntime.runPodSandbox', () => {
  it('pulls the pause image only when the create finds it missing, then creates the sandbox', async () => {
    const runtime = new DockerRuntime({ nodeName: 'n', podInfraImage: 'minik8s/pause:3.9' });
    const sandbox = { id: 'sandbox-1', start: vi.fn(async () => undefined), remove: vi.fn() };
    const create = vi
      .spyOn(runtime.docker, 'createContainer')
      .mockRejectedValueOnce(Object.assign(new Error('No such image: minik8s/pause:3.9'), { statusCode: 404 }))
      .mockResolvedValue(sandbox as unknown as Docker.Container);
    const status = vi.spyOn(runtime, 'imageStatus').mockResolvedValue(undefined);
    const pull = vi.spyOn(runtime, 'pullImage').mockResolvedValue({ id: 'sha256:p', repoTags: ['minik8s/pause:3.9'], repoDigests: [], size: 1 });
    const config = { pod: { uid: 'u', name: 'p', namespace: 'default' }, attempt: 0, hostname: 'p', hostNetwork: false, hostPID: false, hostIPC: false, extraHosts: [], terminationGracePeriodSeconds: 30 };
    await expect(runtime.runPodSandbox(config)).resolves.toBe('sandbox-1');
    expect([create.mock.calls.length, status.mock.calls.length, pull.mock.calls.length, sandbox.start.mock.calls.length]).toEqual([2, 1, 1, 1]);

    // With the image there, a sandbox is one create and one start: no image lookup.
    await runtime.runPodSandbox(config);
    expect([create.mock.calls.length, status.mock.calls.length]).toEqual([3, 1]);
  });
});

describe('DockerRuntime container logs', () => {
  const container: ContainerConfig = {
    pod: { uid: 'u', name: 'p', namespace: 'default' },
    name: 'c',
    kind: 'regular',
    image: 'busybox',
    env: [],
    mounts: [],
    restartCount: 0,
    hash: 'h',
    tty: false,
    stdin: false,
    stdinOnce: false,
    memoryLimit: 0,
    nanoCpus: 0,
    cpuShares: 0,
    privileged: false,
    readOnlyRootFilesystem: false,
    sharePid: false,
    terminationGracePeriodSeconds: 30,
  };
  const sandbox = { pod: container.pod, attempt: 0, hostname: 'p', hostNetwork: false, hostPID: false, hostIPC: false, extraHosts: [], terminationGracePeriodSeconds: 30 };

  function capture(runtime: DockerRuntime): Docker.ContainerCreateOptions[] {
    const created: Docker.ContainerCreateOptions[] = [];
    vi.spyOn(runtime.docker, 'createContainer').mockImplementation((async (options: Docker.ContainerCreateOptions) => {
      created.push(options);
      return { id: `id-${created.length}`, start: async () => undefined } as unknown as Docker.Container;
    }) as unknown as Docker['createContainer']);
    return created;
  }

  it('bounds every container it creates, sandbox included, with rotating json-file logs', async () => {
    const runtime = new DockerRuntime({ nodeName: 'n', podInfraImage: 'pause', containerLogMaxSize: 16 * 1024, containerLogMaxFiles: 2 });
    const created = capture(runtime);
    await runtime.runPodSandbox(sandbox);
    await runtime.createContainer('id-1', container);
    await runtime.createContainer('id-1', { ...container, name: 'init', kind: 'init' });
    expect(created.map((o) => o.HostConfig?.LogConfig)).toEqual(Array(3).fill({ Type: 'json-file', Config: { 'max-size': '16384', 'max-file': '2' } }));
  });

  it("defaults to the kubelet's 10Mi and 5 files", async () => {
    const runtime = new DockerRuntime({ nodeName: 'n', podInfraImage: 'pause' });
    const created = capture(runtime);
    await runtime.createContainer('sandbox', container);
    expect(created[0].HostConfig?.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': String(10 * 1024 * 1024), 'max-file': '5' } });
  });
});
