import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { kubeletEndpoint, streamContainer } from './stream-location';

const pod = (containers: string[], inits: string[] = []): corev1.Pod => ({
  metadata: { name: 'p' },
  spec: { containers: containers.map((name) => ({ name })), initContainers: inits.map((name) => ({ name })) },
});

describe('streamContainer', () => {
  it('takes the only container, or a named one the pod has', () => {
    expect(streamContainer(pod(['a']), '')).toBe('a');
    expect(streamContainer(pod(['a', 'b']), 'b')).toBe('b');
    expect(streamContainer(pod(['a'], ['init']), 'init')).toBe('init');
  });

  it('refuses what Kubernetes refuses, with its messages', () => {
    expect(() => streamContainer(pod(['a']), 'x')).toThrow(/^container x is not valid for pod p$/);
    expect(() => streamContainer(pod(['a', 'b']), undefined)).toThrow(/^a container name must be specified for pod p, choose one of: \[a b\]$/);
    expect(() => streamContainer(pod(['a', 'b'], ['i']), '')).toThrow(
      /^a container name must be specified for pod p, choose one of: \[a b\] or one of the init containers: \[i\]$/,
    );
  });
});

describe('kubeletEndpoint', () => {
  it('uses the InternalIP and the reported kubelet port', () => {
    const node: corev1.Node = {
      metadata: { name: 'n' },
      status: {
        addresses: [
          { type: 'Hostname', address: 'n' },
          { type: 'InternalIP', address: '10.0.0.5' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      },
    };
    expect(kubeletEndpoint(node)).toBe('10.0.0.5:10250');
  });

  it('fails for a node that reported no endpoint', () => {
    expect(() => kubeletEndpoint({ metadata: { name: 'n' }, status: {} })).toThrow(/node n has no kubelet address/);
  });
});
