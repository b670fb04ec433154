import { describe, expect, it } from 'vitest';
import type { corev1, storagev1 } from '@minik8s/api';
import { findBestMatch, mismatch, waitsForFirstConsumer } from './matching';

function pv(name: string, storage: string, opts: { modes?: string[]; cls?: string; labels?: Record<string, string>; claimRef?: corev1.ObjectReference; mode?: string } = {}): corev1.PersistentVolume {
  return {
    metadata: { name, labels: opts.labels },
    spec: {
      capacity: { storage },
      accessModes: opts.modes ?? ['ReadWriteOnce'],
      storageClassName: opts.cls,
      claimRef: opts.claimRef,
      volumeMode: opts.mode,
      hostPath: { path: `/tmp/${name}` },
    },
  };
}

function pvc(storage: string, opts: { modes?: string[]; cls?: string; selector?: Record<string, string>; mode?: string } = {}): corev1.PersistentVolumeClaim {
  return {
    metadata: { name: 'claim', namespace: 'ns', uid: 'claim-uid' },
    spec: {
      accessModes: opts.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage } },
      storageClassName: opts.cls,
      selector: opts.selector ? { matchLabels: opts.selector } : undefined,
      volumeMode: opts.mode,
    },
  };
}

describe('findBestMatch', () => {
  it('picks the smallest volume that fits', () => {
    const volumes = [pv('big', '10Gi'), pv('tiny', '500Mi'), pv('fit', '2Gi'), pv('exact', '1500Mi')];
    expect(findBestMatch(pvc('1500Mi'), volumes)?.metadata?.name).toBe('exact');
    expect(findBestMatch(pvc('1600Mi'), volumes)?.metadata?.name).toBe('fit');
    expect(findBestMatch(pvc('20Gi'), volumes)).toBeUndefined();
  });

  it('skips claimed volumes but prefers one reserved for the claim', () => {
    const taken = pv('taken', '1Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'x' } });
    const reserved = pv('reserved', '5Gi', { claimRef: { namespace: 'ns', name: 'claim' } });
    expect(findBestMatch(pvc('1Gi'), [taken, pv('free', '2Gi')])?.metadata?.name).toBe('free');
    expect(findBestMatch(pvc('1Gi'), [taken, pv('free', '2Gi'), reserved])?.metadata?.name).toBe('reserved');
  });

  it.each([
    ['class', pv('v', '1Gi', { cls: 'fast' }), pvc('1Gi'), 'storageClassName does not match'],
    ['access modes superset', pv('v', '1Gi', { modes: ['ReadWriteOnce'] }), pvc('1Gi', { modes: ['ReadWriteMany'] }), 'access modes do not match'],
    ['selector', pv('v', '1Gi', { labels: { tier: 'gold' } }), pvc('1Gi', { selector: { tier: 'silver' } }), 'selector does not match'],
    ['volumeMode', pv('v', '1Gi', { mode: 'Block' }), pvc('1Gi'), 'volumeMode does not match'],
    ['capacity', pv('v', '1Gi'), pvc('2Gi'), 'capacity is too small'],
  ])('refuses on %s', (_name, volume, claim, why) => {
    expect(mismatch(volume, claim)).toBe(why);
  });

  it('accepts a superset of access modes, matching labels and class', () => {
    const volume = pv('v', '1Gi', { modes: ['ReadWriteOnce', 'ReadOnlyMany'], cls: 'fast', labels: { tier: 'gold' } });
    expect(mismatch(volume, pvc('1Gi', { modes: ['ReadOnlyMany'], cls: 'fast', selector: { tier: 'gold' } }))).toBeUndefined();
  });
});

describe('waitsForFirstConsumer', () => {
  const classes: Record<string, storagev1.StorageClass> = {
    late: { metadata: { name: 'late' }, provisioner: 'x', volumeBindingMode: 'WaitForFirstConsumer' },
    now: { metadata: { name: 'now' }, provisioner: 'x', volumeBindingMode: 'Immediate' },
  };
  it('only for claims of a WaitForFirstConsumer class', () => {
    expect(waitsForFirstConsumer(pvc('1Gi', { cls: 'late' }), (n) => classes[n])).toBe(true);
    expect(waitsForFirstConsumer(pvc('1Gi', { cls: 'now' }), (n) => classes[n])).toBe(false);
    expect(waitsForFirstConsumer(pvc('1Gi'), (n) => classes[n])).toBe(false);
  });
});
