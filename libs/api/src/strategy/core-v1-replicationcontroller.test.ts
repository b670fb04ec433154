import { describe, expect, it } from 'vitest';
import type { ReplicationController } from '../generated/core/v1';
import { formatFieldError } from '../validation/field-path';
import { replicationControllerStrategy } from './core-v1-replicationcontroller';

describe('ReplicationController', () => {
  function rc(mutate: (rc: ReplicationController) => void = () => undefined): ReplicationController {
    const r: ReplicationController = {
      metadata: { name: 'frontend', namespace: 'default' },
      spec: { template: { metadata: { labels: { app: 'frontend' } }, spec: { containers: [{ name: 'php', image: 'php:8' }] } } },
    };
    mutate(r);
    replicationControllerStrategy.prepareForCreate?.(r);
    replicationControllerStrategy.applyDefaults?.(r);
    return r;
  }

  it('defaults replicas, selector, labels and the template spec', () => {
    const r = rc();
    expect(r.spec?.replicas).toBe(1);
    expect(r.spec?.selector).toEqual({ app: 'frontend' });
    expect(r.metadata?.labels).toEqual({ app: 'frontend' });
    expect(r.spec?.template?.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 });
    expect(r.spec?.template?.spec?.enableServiceLinks).toBeUndefined();
  });

  it.each([
    ['a valid controller', () => undefined, []],
    [
      'a selector the template does not match',
      (r: ReplicationController) => (r.spec!.selector = { app: 'backend' }),
      ['spec.template.metadata.labels: Invalid value: {"app":"frontend"}: `selector` does not match template `labels`'],
    ],
    [
      'no selector and no labels',
      (r: ReplicationController) => (r.spec!.template!.metadata = {}),
      ['spec.selector: Required value'],
    ],
    ['negative replicas', (r: ReplicationController) => (r.spec!.replicas = -1), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    ['no template', (r: ReplicationController) => delete r.spec!.template, ['spec.selector: Required value', 'spec.template: Required value']],
    [
      'a template restart policy other than Always',
      (r: ReplicationController) => (r.spec!.template!.spec!.restartPolicy = 'OnFailure'),
      ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    ],
    [
      'a template without an image',
      (r: ReplicationController) => delete r.spec!.template!.spec!.containers![0].image,
      ['spec.template.spec.containers[0].image: Required value'],
    ],
    [
      'an activeDeadlineSeconds',
      (r: ReplicationController) => (r.spec!.template!.spec!.activeDeadlineSeconds = 60),
      ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported'],
    ],
  ])('validates %s', (_name, mutate, expected) => {
    expect(replicationControllerStrategy.validate?.(rc(mutate)).map(formatFieldError)).toEqual(expected);
  });

  it('checks status counts on update', () => {
    const old = rc();
    const next = { ...structuredClone(old), status: { replicas: 1, readyReplicas: 2, availableReplicas: 1 } };
    expect(replicationControllerStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual([
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });
});
