import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { containerFieldPath } from './field-path';

const pod: corev1.Pod = {
  metadata: { name: 'p' },
  spec: {
    initContainers: [{ name: 'init' }, { name: 'both' }],
    containers: [{ name: 'app' }, { name: 'both' }, {}],
    ephemeralContainers: [{ name: 'debugger' }],
  },
};

describe('containerFieldPath', () => {
  it("names a container by its list and name, as Kubernetes' GenerateContainerRef does", () => {
    expect(containerFieldPath(pod, 'app')).toBe('spec.containers{app}');
    expect(containerFieldPath(pod, 'init')).toBe('spec.initContainers{init}');
    expect(containerFieldPath(pod, 'debugger')).toBe('spec.ephemeralContainers{debugger}');
  });

  it('prefers spec.containers when an init container has the same name, and indexes an unnamed one', () => {
    expect(containerFieldPath(pod, 'both')).toBe('spec.containers{both}');
    expect(containerFieldPath(pod, '')).toBe('spec.containers[2]');
  });

  it('falls back to the implicit-container form for a container the spec does not list', () => {
    expect(containerFieldPath(pod, 'POD')).toBe('implicitly required container POD');
  });
});
