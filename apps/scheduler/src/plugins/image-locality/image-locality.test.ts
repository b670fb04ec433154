import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { normalizedImageName } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { newTestHandle } from '../../testing/fake-handle';
import { makeNode, makePod } from '../../testing/wrappers';
import { ImageLocality, imageLocalityScore, MIN_THRESHOLD } from './image-locality';

const MB = 1024 * 1024;

describe('normalizedImageName', () => {
  const cases = [
    ['nginx', 'nginx:latest'],
    ['nginx:1.25', 'nginx:1.25'],
    ['registry:5000/app', 'registry:5000/app:latest'],
    ['registry:5000/app:v1', 'registry:5000/app:v1'],
    ['app@sha256:abc', 'app@sha256:abc'],
  ];
  for (const [input, want] of cases) it(input, () => expect(normalizedImageName(input)).toBe(want));
});

describe('imageLocalityScore', () => {
  const cases = [
    { name: 'nothing present', sum: 0, containers: 1, want: 0 },
    { name: 'below the minimum threshold', sum: MIN_THRESHOLD - 1, containers: 1, want: 0 },
    { name: 'at the maximum', sum: 1000 * MB, containers: 1, want: 100 },
    { name: 'above the maximum', sum: 5000 * MB, containers: 1, want: 100 },
    { name: 'half way', sum: (1000 * MB + MIN_THRESHOLD) / 2, containers: 1, want: 50 },
  ];
  for (const c of cases) it(c.name, () => expect(imageLocalityScore(c.sum, c.containers)).toBe(c.want));
});

describe('ImageLocality', () => {
  it('favors the node with the big image, scaled by how many nodes have it', () => {
    const handle = newTestHandle({
      nodes: [
        makeNode('with').image('big/app:v1', 500 * MB).obj(),
        makeNode('without').image('other:latest', 500 * MB).obj(),
        makeNode('also').image('other:latest', 500 * MB).obj(),
      ],
    });
    const plugin = new ImageLocality(handle);
    const pod = new PodInfo(makePod('p').req({}, 'big/app:v1').obj());
    const s = handle.snapshot();
    const withImage = plugin.score(new CycleState(), pod, s.get('with')!);
    const without = plugin.score(new CycleState(), pod, s.get('without')!);
    expect(without).toBe(0);
    // 500MB present on 1 of 3 nodes: 166MB counted, (166-23)/(1000-23) of 100.
    expect(withImage).toBe(Math.trunc((100 * (Math.trunc(500 * MB / 3) - MIN_THRESHOLD)) / (1000 * MB - MIN_THRESHOLD)));
  });

  it('an image without a tag matches :latest', () => {
    const handle = newTestHandle({ nodes: [makeNode('n').image('nginx:latest', 2000 * MB).obj()] });
    const pod = new PodInfo(makePod('p').req({}, 'nginx').obj());
    expect(new ImageLocality(handle).score(new CycleState(), pod, handle.snapshot().get('n')!)).toBe(100);
  });
});
