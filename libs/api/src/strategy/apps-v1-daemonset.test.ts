import { describe, expect, it } from 'vitest';
import type { DaemonSet } from '../generated/apps/v1';
import { formatFieldError } from '../validation/field-path';
import { DAEMONSET_TEMPLATE_GENERATION_ANNOTATION, applyDaemonSetDefaults, daemonSetStrategy } from './apps-v1-daemonset';

function daemonSet(mutate: (ds: DaemonSet) => void = () => {}): DaemonSet {
  const ds: DaemonSet = {
    metadata: { name: 'agent', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
      },
    },
  };
  mutate(ds);
  applyDaemonSetDefaults(ds);
  return ds;
}

const errorsOf = (ds: DaemonSet): string[] => (daemonSetStrategy.validate?.(ds) ?? []).map(formatFieldError);

describe('DaemonSet defaults', () => {
  it('rolls one node at a time without surge and keeps ten revisions', () => {
    const ds = daemonSet();
    expect(ds.spec?.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: { type: 0, intVal: 1 }, maxSurge: { type: 0, intVal: 0 } },
    });
    expect(ds.spec?.revisionHistoryLimit).toBe(10);
    expect(ds.spec?.template?.spec?.restartPolicy).toBe('Always');
  });

  it('leaves OnDelete alone', () => {
    const ds = daemonSet((x) => {
      x.spec = { ...x.spec, updateStrategy: { type: 'OnDelete' } };
    });
    expect(ds.spec?.updateStrategy).toEqual({ type: 'OnDelete' });
  });
});

describe('DaemonSet validation', () => {
  const cases: { name: string; mutate: (ds: DaemonSet) => void; errors: string[] }[] = [
    { name: 'valid', mutate: () => {}, errors: [] },
    {
      name: 'no selector selects nothing',
      mutate: (ds) => {
        ds.spec = { ...ds.spec, selector: undefined };
      },
      errors: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`'],
    },
    {
      name: 'empty selector',
      mutate: (ds) => {
        ds.spec = { ...ds.spec, selector: {} };
      },
      errors: [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
      ],
    },
    {
      name: 'surge and unavailable both set',
      mutate: (ds) => {
        ds.spec = { ...ds.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 1 }, maxSurge: { type: 1, strVal: '10%' } } } };
      },
      errors: [
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10%"}: may not be set when maxUnavailable is non-zero',
      ],
    },
    {
      name: 'surge and unavailable both zero',
      mutate: (ds) => {
        ds.spec = { ...ds.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 0 } } } };
      },
      errors: ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    },
    {
      name: 'percentages above 100%',
      mutate: (ds) => {
        ds.spec = { ...ds.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 1, strVal: '0%' }, maxSurge: { type: 1, strVal: '101%' } } } };
      },
      errors: ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%'],
    },
    {
      name: 'unknown update strategy',
      mutate: (ds) => {
        ds.spec = { ...ds.spec, updateStrategy: { type: 'Surge' } };
      },
      errors: ['spec.updateStrategy: Unsupported value: {"type":"Surge"}: supported values: "RollingUpdate", "OnDelete"'],
    },
    {
      name: 'restart policy, deadline, minReadySeconds and history',
      mutate: (ds) => {
        ds.spec = {
          ...ds.spec,
          minReadySeconds: -1,
          revisionHistoryLimit: -1,
          template: { ...ds.spec?.template, spec: { ...ds.spec?.template?.spec, restartPolicy: 'Never', activeDeadlineSeconds: 5 } },
        };
      },
      errors: [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported',
        'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
        'spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      ],
    },
  ];

  it.each(cases)('$name', ({ mutate, errors }) => {
    expect(errorsOf(daemonSet(mutate))).toEqual(errors);
  });

  it('refuses a required rollingUpdate that is missing', () => {
    const ds = daemonSet();
    ds.spec = { ...ds.spec, updateStrategy: { type: 'RollingUpdate' } };
    expect(errorsOf(ds)).toEqual(['spec.updateStrategy.rollingUpdate: Required value']);
  });
});

describe('DaemonSet template generation and updates', () => {
  it('starts at generation 1 and moves on only with the template', () => {
    const created = daemonSet();
    created.status = { numberReady: 2 };
    daemonSetStrategy.prepareForCreate?.(created);
    expect(created.status).toEqual({});
    expect(created.metadata?.annotations?.[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]).toBe('1');

    const scaled = daemonSet((ds) => {
      ds.spec = { ...ds.spec, minReadySeconds: 5 };
    });
    daemonSetStrategy.prepareForUpdate?.(scaled, created);
    expect(scaled.metadata?.annotations?.[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]).toBe('1');

    const changed = daemonSet((ds) => {
      ds.spec = { ...ds.spec, template: { ...ds.spec?.template, spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } };
      ds.metadata = { ...ds.metadata, annotations: { [DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]: '40' } };
    });
    daemonSetStrategy.prepareForUpdate?.(changed, created);
    expect(changed.metadata?.annotations?.[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]).toBe('2');
  });

  it('refuses a new selector', () => {
    const old = daemonSet();
    const next = daemonSet((ds) => {
      ds.spec = { ...ds.spec, selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } };
    });
    expect((daemonSetStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Exists", Values:[]string(nil)}}}: field is immutable',
    ]);
  });
});
