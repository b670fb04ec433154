import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { claimsOfPod, podUsesClaim, volumeInUse } from './in-use';

const pod = (phase: string | undefined): corev1.Pod => ({
  metadata: { name: 'p' },
  spec: {
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'claim-a' } },
      { name: 'scratch', ephemeral: { volumeClaimTemplate: {} } },
      { name: 'tmp', emptyDir: {} },
    ],
  },
  status: { phase },
});

describe('claims in use', () => {
  it('finds persistentVolumeClaim and generic ephemeral claims', () => {
    expect(claimsOfPod(pod('Running'))).toEqual(['claim-a', 'p-scratch']);
  });

  it.each([
    [undefined, true],
    ['Pending', true],
    ['Running', true],
    ['Succeeded', false],
    ['Failed', false],
  ])('a pod in phase %s uses its claim: %s', (phase, want) => {
    expect(podUsesClaim(pod(phase), 'claim-a')).toBe(want);
    expect(podUsesClaim(pod(phase), 'other')).toBe(false);
  });

  it('holds a volume while it is Bound', () => {
    expect(volumeInUse({ status: { phase: 'Bound' } })).toBe(true);
    expect(volumeInUse({ status: { phase: 'Released' } })).toBe(false);
  });
});
