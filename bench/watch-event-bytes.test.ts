import { describe, expect, it } from 'vitest';
import { corev1, ProtobufFieldsError, spliceResourceVersion, WatchEvent } from '@minik8s/api';
import { benchPod } from './pods';
import { readEventHead } from './watch-event-bytes';

function eventBytes(type: string, raw: Uint8Array): Uint8Array {
  return WatchEvent.encode({ type, object: { apiVersion: 'v1', kind: 'Pod', raw: Buffer.from(raw) } }).finish();
}

describe('readEventHead', () => {
  it('reads the type and the resourceVersion of an encoded pod event', () => {
    const pod = benchPod('ns', 'p-1', 3);
    const raw = corev1.Pod.encode({ ...pod, metadata: { ...pod.metadata, resourceVersion: '123456' } }).finish();
    expect(readEventHead(eventBytes('MODIFIED', raw))).toEqual({ type: 'MODIFIED', resourceVersion: 123456 });
  });

  it('reads a resourceVersion the apiserver spliced after the stored bytes', () => {
    const stored = corev1.Pod.encode(benchPod('ns', 'p-2', 4)).finish();
    expect(readEventHead(eventBytes('ADDED', spliceResourceVersion(stored, '77'))).resourceVersion).toBe(77);
  });

  it('gives 0 for an object without a resourceVersion', () => {
    expect(readEventHead(eventBytes('ADDED', corev1.Pod.encode(benchPod('ns', 'p-3', 5)).finish()))).toEqual({ type: 'ADDED', resourceVersion: 0 });
  });

  it('refuses bytes that are not a message', () => {
    const raw = corev1.Pod.encode(benchPod('ns', 'p-4', 6)).finish();
    expect(() => readEventHead(eventBytes('ADDED', raw).subarray(0, 40))).toThrow(ProtobufFieldsError);
  });
});
