import { describe, expect, it } from 'vitest';
import { deepCopy } from './deep-copy';

describe('deepCopy', () => {
  const pod = {
    metadata: { name: 'p', labels: { app: 'a' }, annotations: undefined, finalizers: ['x'] },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }], priority: 0, hostNetwork: false },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };

  it('copies every level, so changing the copy leaves the original alone', () => {
    const copy = deepCopy(pod);
    expect(copy).toEqual(structuredClone(pod));
    copy.metadata.labels.app = 'b';
    copy.metadata.finalizers.push('y');
    copy.spec.containers[0].ports[0].containerPort = 81;
    copy.status.conditions.pop();
    expect(pod.metadata.labels.app).toBe('a');
    expect(pod.metadata.finalizers).toEqual(['x']);
    expect(pod.spec.containers[0].ports[0].containerPort).toBe(80);
    expect(pod.status.conditions).toHaveLength(1);
  });

  it('leaves out fields set to undefined and keeps zero values', () => {
    const copy = deepCopy(pod);
    expect(Object.keys(copy.metadata)).toEqual(['name', 'labels', 'finalizers']);
    expect(copy.spec.priority).toBe(0);
    expect(copy.spec.hostNetwork).toBe(false);
  });

  it('copies bytes, also out of a Buffer, whose own slice would share them', () => {
    const secret = { data: { key: Buffer.from('s3cret') } };
    const copy = deepCopy(secret);
    copy.data.key[0] = 0x53;
    expect(secret.data.key.toString()).toBe('s3cret');
    expect(Buffer.from(copy.data.key).toString()).toBe('S3cret');
    expect(deepCopy({ n: 7n }).n).toBe(7n);
  });
});
