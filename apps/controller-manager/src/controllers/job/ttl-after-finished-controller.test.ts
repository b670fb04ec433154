import { describe, expect, it } from 'vitest';
import type { batchv1 } from '@minik8s/api';
import { jobExpiresAt } from './ttl-after-finished-controller';

const T = '2024-05-01T12:00:00Z';
const ms = Date.parse(T);

describe('jobExpiresAt', () => {
  it.each<[string, batchv1.Job, number | undefined]>([
    ['no TTL', { spec: {}, status: { completionTime: T, conditions: [{ type: 'Complete', status: 'True' }] } }, undefined],
    ['not finished', { spec: { ttlSecondsAfterFinished: 5 }, status: {} }, undefined],
    ['complete', { spec: { ttlSecondsAfterFinished: 5 }, status: { completionTime: T, conditions: [{ type: 'Complete', status: 'True' }] } }, ms + 5000],
    ['failed', { spec: { ttlSecondsAfterFinished: 0 }, status: { conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: T }] } }, ms],
    [
      'already being deleted',
      { metadata: { deletionTimestamp: T }, spec: { ttlSecondsAfterFinished: 5 }, status: { completionTime: T, conditions: [{ type: 'Complete', status: 'True' }] } },
      undefined,
    ],
  ])('%s', (_n, job, expected) => expect(jobExpiresAt(job)).toBe(expected));
});
