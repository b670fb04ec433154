import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type Docker from 'dockerode';
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
