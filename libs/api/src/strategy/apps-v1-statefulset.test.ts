import { describe, expect, it } from 'vitest';
import type { ControllerRevision, StatefulSet } from '../generated/apps/v1';
import { formatFieldError } from '../validation/field-path';
import { controllerRevisionStrategy } from './apps-v1-controllerrevision';
import { applyStatefulSetDefaults, statefulSetStrategy } from './apps-v1-statefulset';

function statefulSet(mutate: (sts: StatefulSet) => void = () => {}): StatefulSet {
  const sts: StatefulSet = {
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'pg', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    },
  };
  mutate(sts);
  applyStatefulSetDefaults(sts);
  return sts;
}

const errorsOf = (sts: StatefulSet): string[] => (statefulSetStrategy.validate?.(sts) ?? []).map(formatFieldError);
const updateErrors = (next: StatefulSet, old: StatefulSet): string[] =>
  (statefulSetStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError);

describe('StatefulSet defaults', () => {
  it('fills in Kubernetes apps/v1 defaults', () => {
    const sts = statefulSet();
    expect(sts.spec?.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec?.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(sts.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec?.replicas).toBe(1);
    expect(sts.spec?.revisionHistoryLimit).toBe(10);
    expect(sts.spec?.template?.spec?.restartPolicy).toBe('Always');
    expect(sts.spec?.volumeClaimTemplates?.[0]?.spec?.volumeMode).toBe('Filesystem');
    expect(sts.spec?.volumeClaimTemplates?.[0]?.status?.phase).toBe('Pending');
  });

  it('adds no rollingUpdate to an explicit RollingUpdate, and completes a partial retention policy', () => {
    const sts = statefulSet((x) => {
      x.spec = { ...x.spec, updateStrategy: { type: 'RollingUpdate' }, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' } };
    });
    expect(sts.spec?.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(sts.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Delete' });
  });

  it('gives a set rollingUpdate partition 0', () => {
    const sts = statefulSet((x) => {
      x.spec = { ...x.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 2 } } } };
    });
    expect(sts.spec?.updateStrategy?.rollingUpdate).toEqual({ maxUnavailable: { type: 0, intVal: 2 }, partition: 0 });
  });

  it('names must be DNS labels', () => {
    expect(statefulSetStrategy.nameValidator?.('db.primary', false)).toEqual(['must not contain dots']);
  });
});

describe('StatefulSet validation', () => {
  const cases: { name: string; mutate: (sts: StatefulSet) => void; errors: string[] }[] = [
    { name: 'valid, with a mount of a claim template', mutate: () => {}, errors: [] },
    {
      name: 'unknown pod management policy',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, podManagementPolicy: 'Random' };
      },
      errors: ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\''],
    },
    {
      name: 'rollingUpdate with OnDelete',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } };
      },
      errors: ['spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy \'RollingUpdate\''],
    },
    {
      name: 'unknown update strategy',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, updateStrategy: { type: 'Canary' } };
      },
      errors: ['spec.updateStrategy: Invalid value: {"type":"Canary"}: must be \'RollingUpdate\' or \'OnDelete\''],
    },
    {
      name: 'negative partition and zero maxUnavailable',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1, maxUnavailable: { type: 1, strVal: '0%' } } } };
      },
      errors: [
        'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
        'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: cannot be 0',
      ],
    },
    {
      name: 'unknown retention policy',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Retain' } };
      },
      errors: ['spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"'],
    },
    {
      name: 'claim template without access modes or storage',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] };
      },
      errors: [
        'spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required',
        'spec.volumeClaimTemplates[0].spec.resources[storage]: Required value',
      ],
    },
    {
      name: 'negative replicas, minReadySeconds and start ordinal',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, replicas: -1, minReadySeconds: -1, ordinals: { start: -1 } };
      },
      errors: [
        'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
        'spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0',
      ],
    },
    {
      name: 'service name that is not a DNS label',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, serviceName: 'DB' };
      },
      errors: [
        "spec.serviceName: Invalid value: \"DB\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: 'missing selector',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, selector: undefined };
      },
      errors: ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"db"}: `selector` does not match template `labels`'],
    },
    {
      name: 'empty selector',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, selector: {} };
      },
      errors: [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset',
      ],
    },
    {
      name: 'restart policy and deadline',
      mutate: (sts) => {
        sts.spec = { ...sts.spec, template: { ...sts.spec?.template, spec: { ...sts.spec?.template?.spec, restartPolicy: 'OnFailure', activeDeadlineSeconds: 1 } } };
      },
      errors: [
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported',
      ],
    },
  ];

  it.each(cases)('$name', ({ mutate, errors }) => {
    expect(errorsOf(statefulSet(mutate))).toEqual(errors);
  });

  it('still refuses a mount of a volume that neither the template nor a claim template has', () => {
    const sts = statefulSet((x) => {
      x.spec = { ...x.spec, volumeClaimTemplates: [] };
    });
    expect(errorsOf(sts)).toEqual(['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"']);
  });
});

describe('StatefulSet updates', () => {
  const forbidden =
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

  it('allows the updatable fields to change', () => {
    const old = statefulSet();
    const next = statefulSet((sts) => {
      sts.spec = {
        ...sts.spec,
        replicas: 5,
        ordinals: { start: 2 },
        minReadySeconds: 10,
        revisionHistoryLimit: 3,
        updateStrategy: { type: 'OnDelete' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
        template: { ...sts.spec?.template, spec: { ...sts.spec?.template?.spec, containers: [{ name: 'pg', image: 'postgres:17', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      };
    });
    expect(updateErrors(next, old)).toEqual([]);
  });

  it.each([
    ['selector', (sts: StatefulSet) => {
      sts.spec = { ...sts.spec, selector: { matchLabels: { app: 'db', role: 'x' } }, template: { ...sts.spec?.template, metadata: { labels: { app: 'db', role: 'x' } } } };
    }],
    ['serviceName', (sts: StatefulSet) => {
      sts.spec = { ...sts.spec, serviceName: 'db2' };
    }],
    ['podManagementPolicy', (sts: StatefulSet) => {
      sts.spec = { ...sts.spec, podManagementPolicy: 'Parallel' };
    }],
    ['volumeClaimTemplates', (sts: StatefulSet) => {
      sts.spec = { ...sts.spec, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } }] };
    }],
  ])('refuses a change of %s', (_field, mutate) => {
    expect(updateErrors(statefulSet(mutate), statefulSet())).toEqual([forbidden]);
  });

  it('keeps accepting a service name the old object already had', () => {
    const old = statefulSet((sts) => {
      sts.spec = { ...sts.spec, serviceName: 'Legacy_Name' };
    });
    const next = statefulSet((sts) => {
      sts.spec = { ...sts.spec, serviceName: 'Legacy_Name', replicas: 2 };
    });
    expect(updateErrors(next, old)).toEqual([]);
  });

  it('clears status on create', () => {
    const sts = statefulSet((x) => {
      x.status = { replicas: 1 };
    });
    statefulSetStrategy.prepareForCreate?.(sts);
    expect(sts.status).toEqual({});
  });
});

describe('ControllerRevision', () => {
  const raw = (s: string): Buffer => Buffer.from(s);
  const revision = (data: string | undefined, rev = 1): ControllerRevision => ({
    metadata: { name: 'db-1', namespace: 'default' },
    data: data === undefined ? undefined : { raw: raw(data) },
    revision: rev,
  });

  it.each([
    ['valid', revision('{"spec":{}}'), []],
    ['no data', revision(undefined), ['data: Required value: data is mandatory']],
    ['negative revision', revision('{}', -1), ['revision: Invalid value: -1: must be greater than or equal to 0']],
  ] as const)('%s', (_name, cr, errors) => {
    expect((controllerRevisionStrategy.validate?.(cr) ?? []).map(formatFieldError)).toEqual(errors);
  });

  it('keeps data immutable but lets the revision number move', () => {
    const old = revision('{"spec":{"a":1}}', 1);
    expect((controllerRevisionStrategy.validateUpdate?.(revision('{"spec":{"a":1}}', 4), old) ?? []).map(formatFieldError)).toEqual([]);
    expect((controllerRevisionStrategy.validateUpdate?.(revision('{"spec":{"a":2}}', 1), old) ?? []).map(formatFieldError)).toEqual([
      'data: Invalid value: {"spec":{"a":2}}: field is immutable',
    ]);
  });
});
