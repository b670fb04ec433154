import type { corev1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { setImages, splitImageArgs } from './set-image';

describe('splitImageArgs', () => {
  it('tells resources from container=image pairs', () => {
    expect(splitImageArgs(['deployment/web', 'nginx=nginx:1.25', 'sidecar=envoy:v1'])).toEqual({
      resources: ['deployment/web'],
      images: [['nginx', 'nginx:1.25'], ['sidecar', 'envoy:v1']],
    });
    expect(splitImageArgs(['ds', 'agent', '*=agent:2']).images).toEqual([['*', 'agent:2']]);
  });
});

describe('setImages', () => {
  const spec = (): corev1.PodSpec => ({
    initContainers: [{ name: 'init', image: 'busybox:1' }],
    containers: [{ name: 'nginx', image: 'nginx:1.24' }, { name: 'sidecar', image: 'envoy:v1' }],
  });

  it('sets images by container name, in init containers too', () => {
    const s = spec();
    expect(setImages(s, [['nginx', 'nginx:1.25'], ['init', 'busybox:2']])).toEqual({ changed: true, missing: [] });
    expect(s.containers?.map((c) => c.image)).toEqual(['nginx:1.25', 'envoy:v1']);
    expect(s.initContainers?.[0].image).toBe('busybox:2');
  });

  it('sets every container with *', () => {
    const s = spec();
    setImages(s, [['*', 'x:1']]);
    expect([...(s.initContainers ?? []), ...(s.containers ?? [])].map((c) => c.image)).toEqual(['x:1', 'x:1', 'x:1']);
  });

  it('reports names no container has, and no change when the image is already set', () => {
    expect(setImages(spec(), [['nginx', 'nginx:1.24']])).toEqual({ changed: false, missing: [] });
    expect(setImages(spec(), [['nope', 'x'], ['nginx', 'nginx:2']])).toEqual({ changed: true, missing: ['nope'] });
  });
});
