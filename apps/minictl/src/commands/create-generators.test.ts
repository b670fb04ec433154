import { describe, expect, it } from 'vitest';
import { contextFor } from '../test-context';
import { buildDeployment, containerNameFor, createDeploymentCommand } from './create-deployment';
import { nameAndCommand } from './create-generated';
import { buildJob, createJobCommand, jobFromCronJob } from './create-job';

describe('containerNameFor', () => {
  it('takes the image\'s last path segment without tag or digest', () => {
    expect(containerNameFor('nginx')).toBe('nginx');
    expect(containerNameFor('nginx:1.25')).toBe('nginx');
    expect(containerNameFor('registry.example.com:5000/team/api-server:v2')).toBe('api-server');
    expect(containerNameFor('busybox@sha256:abc')).toBe('busybox');
  });

  it('replaces . and _ and adds a random suffix', () => {
    expect(containerNameFor('quay.io/my_app.server:1', () => 0)).toBe('my-app-server-bbbbb');
    expect(containerNameFor('my_app')).toMatch(/^my-app-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

describe('buildDeployment', () => {
  it('labels and selects app=NAME, one container per image, the port on the first', () => {
    expect(buildDeployment({ name: 'web', images: ['nginx:1.25', 'envoy'], replicas: 3, port: 80, command: [] })).toEqual({
      metadata: { name: 'web', namespace: undefined, labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'nginx', image: 'nginx:1.25', resources: {}, ports: [{ containerPort: 80 }] },
              { name: 'envoy', image: 'envoy', resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('runs a command given after --', () => {
    const d = buildDeployment({ name: 'tick', images: ['busybox'], replicas: 1, port: -1, command: ['sh', '-c', 'date'] });
    expect(d.spec?.template?.spec?.containers?.[0]).toEqual({ name: 'busybox', image: 'busybox', command: ['sh', '-c', 'date'], resources: {} });
  });
});

describe('jobs', () => {
  it('builds a never-restarted Job of one container named after it', () => {
    expect(buildJob('pi', 'perl', ['perl', '-e', 'print 1'])).toEqual({
      metadata: { name: 'pi', namespace: undefined },
      spec: { template: { metadata: {}, spec: { containers: [{ name: 'pi', image: 'perl', command: ['perl', '-e', 'print 1'], resources: {} }], restartPolicy: 'Never' } } },
      status: {},
    });
  });

  it('copies a CronJob\'s job template, marks it manual and makes the CronJob its controller', () => {
    const job = jobFromCronJob('backup-now', {
      metadata: { name: 'backup', uid: 'uid-cj' },
      spec: {
        schedule: '0 * * * *',
        jobTemplate: {
          metadata: { labels: { app: 'backup' }, annotations: { team: 'ops' } },
          spec: { backoffLimit: 2, template: { spec: { containers: [{ name: 'b', image: 'backup:1' }], restartPolicy: 'OnFailure' } } },
        },
      },
    });
    expect(job.metadata).toEqual({
      name: 'backup-now',
      namespace: undefined,
      labels: { app: 'backup' },
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', team: 'ops' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'uid-cj', controller: true }],
    });
    expect(job.spec).toEqual({ backoffLimit: 2, template: { spec: { containers: [{ name: 'b', image: 'backup:1' }], restartPolicy: 'OnFailure' } } });
  });
});

describe('nameAndCommand', () => {
  it('splits NAME from the command after --', () => {
    expect(nameAndCommand(contextFor(createJobCommand, ['pi', '--image=perl', '--', 'perl', '-e', '1']))).toEqual({ name: 'pi', command: ['perl', '-e', '1'] });
    expect(nameAndCommand(contextFor(createDeploymentCommand, ['web', '--image=nginx']))).toEqual({ name: 'web', command: [] });
    expect(() => nameAndCommand(contextFor(createDeploymentCommand, ['a', 'b', '--image=nginx']))).toThrow('exactly one NAME is required, got 2');
  });
});
