import { describe, expect, it } from 'vitest';
import type { CronJob, Job, JobSpec } from '../generated/batch/v1';
import type { PodTemplateSpec } from '../generated/core/v1';
import { formatFieldError } from '../validation/field-path';
import { applyCronJobDefaults, applyJobDefaults, cronJobStrategy, jobStrategy, parseIndexes } from './other-groups-batch';

const UID = '6f1e2d3c-0000-4000-8000-000000000001';

const template = (restartPolicy = 'Never'): PodTemplateSpec => ({
  spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox' }, { name: 'side', image: 'busybox' }] },
});

/** A Job as the apiserver creates it: uid set, prepareForCreate, then defaults. */
function job(spec: JobSpec = {}, name = 'pi'): Job {
  const j: Job = { metadata: { name, namespace: 'default', uid: UID }, spec: { template: template(), ...spec } };
  jobStrategy.prepareForCreate?.(j);
  jobStrategy.applyDefaults?.(j);
  return j;
}

const errorsOf = (j: Job): string[] => (jobStrategy.validate?.(j) ?? []).map(formatFieldError);

describe('Job defaults', () => {
  it('fills in Kubernetes batch/v1 defaults', () => {
    const j: Job = { metadata: { name: 'pi' }, spec: { template: template() } };
    applyJobDefaults(j);
    expect(j.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      manualSelector: false,
    });
  });

  it('defaults parallelism alone when completions is set, and the reverse leaves completions unset', () => {
    const a: Job = { spec: { completions: 5, template: template() } };
    applyJobDefaults(a);
    expect([a.spec?.completions, a.spec?.parallelism]).toEqual([5, 1]);
    const b: Job = { spec: { parallelism: 3, template: template() } };
    applyJobDefaults(b);
    expect([b.spec?.completions, b.spec?.parallelism]).toEqual([undefined, 3]);
  });

  it('gives per-index back-off an unlimited backoffLimit and a pod failure policy the Failed replacement policy', () => {
    const j: Job = {
      spec: {
        completionMode: 'Indexed',
        completions: 3,
        backoffLimitPerIndex: 1,
        podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
        template: template(),
      },
    };
    applyJobDefaults(j);
    expect(j.spec?.backoffLimit).toBe(2147483647);
    expect(j.spec?.podReplacementPolicy).toBe('Failed');
    expect(j.spec?.podFailurePolicy?.rules?.[0]?.onPodConditions?.[0]?.status).toBe('True');
  });

  it('generates the selector and pod labels from the uid, and the Job takes the pod labels', () => {
    const j = job({ template: { ...template(), metadata: { labels: { app: 'pi' } } } });
    expect(j.spec?.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': UID } });
    expect(j.spec?.template?.metadata?.labels).toEqual({
      app: 'pi',
      'controller-uid': UID,
      'job-name': 'pi',
      'batch.kubernetes.io/controller-uid': UID,
      'batch.kubernetes.io/job-name': 'pi',
    });
    expect(j.metadata?.labels).toEqual(j.spec?.template?.metadata?.labels);
    expect(j.status).toEqual({});
    expect(errorsOf(j)).toEqual([]);
  });

  it('leaves a manual selector and its labels alone', () => {
    const j = job({ manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: { ...template(), metadata: { labels: { app: 'x' } } } });
    expect(j.spec?.selector).toEqual({ matchLabels: { app: 'x' } });
    expect(j.spec?.template?.metadata?.labels).toEqual({ app: 'x' });
    expect(errorsOf(j)).toEqual([]);
  });
});

describe('Job validation', () => {
  const cases: { name: string; spec: JobSpec; jobName?: string; errors: string[] }[] = [
    {
      name: 'restartPolicy left to default (Always)',
      spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
      errors: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    },
    {
      name: 'negative counts',
      spec: { parallelism: -1, completions: -1, backoffLimit: -1, activeDeadlineSeconds: -1, ttlSecondsAfterFinished: -1 },
      errors: [
        'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
        'spec.completions: Invalid value: -1: must be greater than or equal to 0',
        'spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
        'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
        'spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0',
      ],
    },
    {
      name: 'unknown completion mode',
      spec: { completionMode: 'Sometimes' },
      errors: ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'],
    },
    {
      name: 'Indexed without completions',
      spec: { completionMode: 'Indexed', parallelism: 2 },
      errors: ['spec.completions: Required value: when completion mode is Indexed'],
    },
    {
      name: 'per-index limits on a NonIndexed job',
      spec: { backoffLimitPerIndex: 1, maxFailedIndexes: 1 },
      errors: [
        'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
        'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode',
      ],
    },
    {
      name: 'maxFailedIndexes without backoffLimitPerIndex, and above completions',
      spec: { completionMode: 'Indexed', completions: 2, maxFailedIndexes: 3 },
      errors: [
        'spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified',
        'spec.maxFailedIndexes: Invalid value: 3: must be less than or equal to completions',
      ],
    },
    {
      name: 'an indexed hostname that is not a DNS label',
      jobName: 'a'.repeat(62),
      spec: { completionMode: 'Indexed', completions: 10 },
      errors: [
        `metadata.name: Invalid value: "${'a'.repeat(62)}": will not able to create pod with invalid DNS label: ${'a'.repeat(62)}-9`,
      ],
    },
    {
      name: 'pod failure policy rules',
      spec: {
        podFailurePolicy: {
          rules: [
            { onExitCodes: { operator: 'In', values: [1] } },
            { action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } },
            { action: 'Explode', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
            { action: 'Ignore', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
            { action: 'Count' },
          ],
        },
      },
      errors: [
        'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
        'spec.podFailurePolicy.rules[1].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
        'spec.podFailurePolicy.rules[2].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
        'spec.podFailurePolicy.rules[3]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
        'spec.podFailurePolicy.rules[4]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
      ],
    },
    {
      name: 'onExitCodes requirements',
      spec: {
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { containerName: 'ghost', values: [] } },
            { action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 5, 5, 3] } },
            { action: 'FailJob', onExitCodes: { operator: 'Between', values: [1] } },
          ],
        },
      },
      errors: [
        'spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]',
        'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "ghost": must be one of the container or initContainer names in the pod template',
        'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32(nil): at least one value is required',
        'spec.podFailurePolicy.rules[1].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
        'spec.podFailurePolicy.rules[1].onExitCodes.values[2]: Duplicate value: 5',
        'spec.podFailurePolicy.rules[1].onExitCodes.values: Invalid value: []int32{0, 5, 5, 3}: must be ordered',
        'spec.podFailurePolicy.rules[2].onExitCodes.operator: Unsupported value: "Between": supported values: "In", "NotIn"',
      ],
    },
    {
      name: 'onPodConditions patterns',
      spec: { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'Bad Type', status: 'Maybe' }] }] } },
      errors: [
        "spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: \"Bad Type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      ],
    },
    {
      name: 'a pod failure policy needs restartPolicy Never and podReplacementPolicy Failed',
      spec: {
        podReplacementPolicy: 'TerminatingOrFailed',
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
        template: template('OnFailure'),
      },
      errors: [
        'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
        'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
      ],
    },
    {
      name: 'unknown podReplacementPolicy',
      spec: { podReplacementPolicy: 'Eventually' },
      errors: ['spec.podReplacementPolicy: Unsupported value: "Eventually": supported values: "Failed", "TerminatingOrFailed"'],
    },
    {
      name: 'success policy on a NonIndexed job',
      spec: { successPolicy: { rules: [{ succeededCount: 1 }] } },
      errors: ['spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode'],
    },
    {
      name: 'success policy rules',
      spec: {
        completionMode: 'Indexed',
        completions: 5,
        successPolicy: { rules: [{}, { succeededIndexes: '0-2,1' }, { succeededIndexes: '0,2', succeededCount: 3 }, { succeededCount: 6 }] },
      },
      errors: [
        'spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified',
        'spec.successPolicy.rules[1].succeededIndexes: Invalid value: "0-2,1": error parsing succeededIndexes: non-increasing order, previous: 2, current: 1',
        'spec.successPolicy.rules[2].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)',
        'spec.successPolicy.rules[3].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)',
      ],
    },
    {
      name: 'managedBy that is not a domain-prefixed path',
      spec: { managedBy: 'kueue' },
      errors: ['spec.managedBy: Invalid value: "kueue": must be a domain-prefixed path (such as "acme.io/foo")'],
    },
  ];

  it.each(cases)('$name', ({ spec, jobName, errors }) => {
    expect(errorsOf(job(spec, jobName))).toEqual(errors);
  });

  it('requires a uid for a generated selector and the generated labels', () => {
    const j = job();
    j.metadata = { ...j.metadata, uid: undefined };
    const labels: Record<string, string> = { ...j.spec?.template?.metadata?.labels, 'job-name': 'other' };
    delete labels['batch.kubernetes.io/controller-uid'];
    j.spec = { ...j.spec, template: { ...j.spec?.template, metadata: { labels } } };
    expect(errorsOf(j)).toEqual([
      'metadata.uid: Required value',
      `spec.template.metadata.labels[controller-uid]: Invalid value: map[string]string{"batch.kubernetes.io/job-name":"pi", "controller-uid":"${UID}", "job-name":"other"}: must be ''`,
      `spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/job-name":"pi", "controller-uid":"${UID}", "job-name":"other"}: must be 'pi'`,
      "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: Required value: must be ''",
      `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"batch.kubernetes.io/controller-uid":"${UID}"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: \`selector\` not auto-generated`,
      `spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/job-name":"pi", "controller-uid":"${UID}", "job-name":"other"}: \`selector\` does not match template \`labels\``,
    ]);
  });

  it('requires a manual selector to select the pods', () => {
    const j = job({ manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: { ...template(), metadata: { labels: { app: 'y' } } } });
    expect(errorsOf(j)).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`',
    ]);
    const none = job({ manualSelector: true });
    expect(errorsOf(none)).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`',
    ]);
  });
});

describe('Job updates', () => {
  const updateErrors = (next: Job, old: Job): string[] => (jobStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError);

  it('allows changes of parallelism, suspend and activeDeadlineSeconds', () => {
    const old = job({ completions: 4, parallelism: 2 });
    const next = structuredClone(old);
    next.spec = { ...next.spec, parallelism: 4, suspend: true, activeDeadlineSeconds: 60 };
    expect(updateErrors(next, old)).toEqual([]);
  });

  it('keeps completions, selector, completion mode and per-index limits', () => {
    const old = job({ completions: 4, parallelism: 2 });
    const next = structuredClone(old);
    next.spec = { ...next.spec, completions: 5, selector: { matchLabels: { 'controller-uid': UID } }, podReplacementPolicy: 'Failed' };
    expect(updateErrors(next, old)).toEqual([
      'spec.completions: Invalid value: 5: field is immutable',
      `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"controller-uid":"${UID}"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`,
    ]);
  });

  it('lets an Indexed job change completions together with parallelism', () => {
    const old = job({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
    const scaled = structuredClone(old);
    scaled.spec = { ...scaled.spec, completions: 6, parallelism: 6 };
    expect(updateErrors(scaled, old)).toEqual([]);
    const lopsided = structuredClone(old);
    lopsided.spec = { ...lopsided.spec, completions: 6 };
    expect(updateErrors(lopsided, old)).toEqual(['spec.completions: Invalid value: 6: can only be modified in tandem with spec.parallelism']);
  });

  it('keeps the template, except scheduling directives while suspended and never started', () => {
    const old = job({ suspend: true });
    const next = structuredClone(old);
    const podSpec = next.spec?.template?.spec ?? {};
    podSpec.nodeSelector = { disk: 'ssd' };
    podSpec.tolerations = [{ key: 'gpu', operator: 'Exists' }];
    expect(updateErrors(next, old)).toEqual([]);

    const started = structuredClone(old);
    started.status = { startTime: '2026-01-01T00:00:00Z' };
    const errs = updateErrors(next, started);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^spec\.template: Invalid value: \{.*"nodeSelector":\{"disk":"ssd"\}.*\}: field is immutable$/);

    const image = structuredClone(old);
    (image.spec?.template?.spec?.containers ?? [])[0].image = 'busybox:2';
    expect(updateErrors(image, old)).toHaveLength(1);
  });
});

describe('parseIndexes', () => {
  it.each([
    ['', 3, { total: 0 }],
    ['0,2-4', 5, { total: 4 }],
    ['1-2-3', 5, { error: `the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by '-'` }],
    ['a', 5, { error: 'cannot convert string to integer for index: "a"' }],
    ['7', 5, { error: 'too large index: "7"' }],
    ['3,1', 5, { error: 'non-increasing order, previous: 3, current: 1' }],
  ] as const)('%j of %d', (indexes, completions, result) => {
    expect(parseIndexes(indexes, completions)).toEqual(result);
  });
});

function cronJob(mutate: (cj: CronJob) => void = () => {}): CronJob {
  const cj: CronJob = {
    metadata: { name: 'backup', namespace: 'default' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template('OnFailure') } } },
  };
  mutate(cj);
  applyCronJobDefaults(cj);
  return cj;
}

describe('CronJob', () => {
  it('fills in defaults, but not the Job defaults of its template', () => {
    const cj = cronJob();
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec?.jobTemplate?.spec?.backoffLimit).toBeUndefined();
    expect(cj.spec?.jobTemplate?.spec?.template?.spec?.dnsPolicy).toBe('ClusterFirst');
    expect((cronJobStrategy.validate?.(cj) ?? []).map(formatFieldError)).toEqual([]);
  });

  const cases: { name: string; mutate: (cj: CronJob) => void; errors: string[] }[] = [
    {
      name: 'missing schedule',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, schedule: undefined };
      },
      errors: ['spec.schedule: Required value'],
    },
    {
      name: 'six-field schedule',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, schedule: '0 */5 * * * *' };
      },
      errors: ['spec.schedule: Invalid value: "0 */5 * * * *": expected exactly 5 fields, found 6: [0 */5 * * * *]'],
    },
    {
      name: 'TZ in the schedule',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, schedule: 'TZ=Europe/Paris 0 3 * * *' };
      },
      errors: ['spec.schedule: Invalid value: "TZ=Europe/Paris 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    },
    {
      name: 'CRON_TZ with a bad zone',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, schedule: 'CRON_TZ=Nowhere 0 3 * * *' };
      },
      errors: [
        'spec.schedule: Invalid value: "CRON_TZ=Nowhere 0 3 * * *": provided bad location Nowhere: unknown time zone Nowhere',
        'spec.schedule: Invalid value: "CRON_TZ=Nowhere 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ],
    },
    {
      name: 'unknown time zone',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, timeZone: 'Mars/Olympus_Mons' };
      },
      errors: ['spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons'],
    },
    {
      name: 'time zone with a bad character',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, timeZone: 'Europe/Par is' };
      },
      errors: ['spec.timeZone: Invalid value: "Europe/Par is": unknown time zone Europe/Par is'],
    },
    {
      name: 'Local time zone',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, timeZone: 'Local' };
      },
      errors: ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'],
    },
    {
      name: 'empty time zone',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, timeZone: '' };
      },
      errors: ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'],
    },
    {
      name: 'valid time zone',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, timeZone: 'America/New_York' };
      },
      errors: [],
    },
    {
      name: 'unknown concurrency policy and negative limits',
      mutate: (cj) => {
        cj.spec = { ...cj.spec, concurrencyPolicy: 'Queue', startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -1 };
      },
      errors: [
        'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
        'spec.concurrencyPolicy: Unsupported value: "Queue": supported values: "Allow", "Forbid", "Replace"',
        'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
        'spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      ],
    },
    {
      name: 'job template with a selector, a manual selector and no restart policy',
      mutate: (cj) => {
        cj.spec = {
          ...cj.spec,
          jobTemplate: { spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
        };
      },
      errors: [
        'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
        'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
        'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"',
      ],
    },
    {
      name: 'name longer than 52 characters',
      mutate: (cj) => {
        cj.metadata = { ...cj.metadata, name: 'n'.repeat(53) };
      },
      errors: [`metadata.name: Invalid value: "${'n'.repeat(53)}": must be no more than 52 characters`],
    },
  ];

  it.each(cases)('$name', ({ mutate, errors }) => {
    expect((cronJobStrategy.validate?.(cronJob(mutate)) ?? []).map(formatFieldError)).toEqual(errors);
  });

  it('on update skips the name limit, keeps an old TZ schedule, and checks an unchanged zone no more', () => {
    const old = cronJob((cj) => {
      cj.metadata = { ...cj.metadata, name: 'n'.repeat(60) };
      cj.spec = { ...cj.spec, schedule: 'TZ=UTC 0 3 * * *' };
    });
    const next = structuredClone(old);
    next.spec = { ...next.spec, schedule: 'CRON_TZ=UTC 0 4 * * *' };
    expect((cronJobStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError)).toEqual([]);
    next.spec = { ...next.spec, timeZone: 'UTC' };
    expect((cronJobStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError)).toEqual([
      'spec.schedule: Invalid value: "CRON_TZ=UTC 0 4 * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule',
    ]);
  });

  it('clears status on create', () => {
    const cj = cronJob((x) => {
      x.status = { lastScheduleTime: '2026-01-01T00:00:00Z' };
    });
    cronJobStrategy.prepareForCreate?.(cj);
    expect(cj.status).toEqual({});
  });
});
