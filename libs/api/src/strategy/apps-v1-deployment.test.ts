import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../generated/apps/v1';
import { formatFieldError } from '../validation/field-path';
import { applyDeploymentDefaults, applyReplicaSetDefaults, deploymentStrategy, replicaSetStrategy } from './apps-v1-deployment';

function deployment(mutate: (d: Deployment) => void = () => {}): Deployment {
  const d: Deployment = {
    metadata: { name: 'web', namespace: 'default', generation: 3 },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'front' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
      },
    },
  };
  mutate(d);
  applyDeploymentDefaults(d);
  return d;
}

function errorsOf(d: Deployment): string[] {
  return (deploymentStrategy.validate?.(d) ?? []).map(formatFieldError);
}

describe('Deployment defaults', () => {
  it('fills in Kubernetes apps/v1 defaults', () => {
    const d = deployment();
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: { type: 1, strVal: '25%' }, maxSurge: { type: 1, strVal: '25%' } },
    });
    expect(d.spec?.revisionHistoryLimit).toBe(10);
    expect(d.spec?.progressDeadlineSeconds).toBe(600);
    expect(d.spec?.minReadySeconds).toBe(0);
    expect(d.spec?.template?.spec?.restartPolicy).toBe('Always');
    expect(d.spec?.template?.spec?.dnsPolicy).toBe('ClusterFirst');
  });

  it('keeps what is set and leaves Recreate without rollingUpdate', () => {
    const d = deployment((x) => {
      x.spec = { ...x.spec, replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 0 };
    });
    expect(d.spec?.replicas).toBe(0);
    expect(d.spec?.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec?.revisionHistoryLimit).toBe(0);
  });

  it('completes a partial rollingUpdate', () => {
    const d = deployment((x) => {
      x.spec = { ...x.spec, strategy: { rollingUpdate: { maxSurge: { type: 0, intVal: 2 } } } };
    });
    expect(d.spec?.strategy?.rollingUpdate).toEqual({ maxSurge: { type: 0, intVal: 2 }, maxUnavailable: { type: 1, strVal: '25%' } });
  });

  it('is valid when defaulted', () => {
    expect(errorsOf(deployment())).toEqual([]);
  });
});

describe('Deployment validation', () => {
  const cases: { name: string; mutate: (d: Deployment) => void; errors: string[] }[] = [
    {
      name: 'negative replicas',
      mutate: (d) => {
        d.spec = { ...d.spec, replicas: -1 };
      },
      errors: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    },
    {
      name: 'missing selector',
      mutate: (d) => {
        d.spec = { ...d.spec, selector: undefined };
      },
      errors: [
        'spec.selector: Required value',
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"front"}: `selector` does not match template `labels`',
      ],
    },
    {
      name: 'empty selector',
      mutate: (d) => {
        d.spec = { ...d.spec, selector: {} };
      },
      errors: [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
      ],
    },
    {
      name: 'selector that does not match the template',
      mutate: (d) => {
        d.spec = { ...d.spec, selector: { matchLabels: { app: 'api' } } };
      },
      errors: [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"front"}: `selector` does not match template `labels`',
      ],
    },
    {
      name: 'template without labels',
      mutate: (d) => {
        d.spec = { ...d.spec, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } };
      },
      errors: ['spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`'],
    },
    {
      name: 'bad selector operator',
      mutate: (d) => {
        d.spec = { ...d.spec, selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['web'] }] } };
      },
      errors: [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Near", Values:[]string{"web"}}}}: invalid label selector',
      ],
    },
    {
      name: 'unknown strategy type',
      mutate: (d) => {
        d.spec = { ...d.spec, strategy: { type: 'BlueGreen' } };
      },
      errors: ['spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"'],
    },
    {
      name: 'rollingUpdate with Recreate',
      mutate: (d) => {
        d.spec = { ...d.spec, strategy: { type: 'Recreate', rollingUpdate: { maxSurge: { type: 0, intVal: 1 } } } };
      },
      errors: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    },
    {
      name: 'both maxSurge and maxUnavailable zero',
      mutate: (d) => {
        d.spec = { ...d.spec, strategy: { rollingUpdate: { maxSurge: { type: 0, intVal: 0 }, maxUnavailable: { type: 1, strVal: '0%' } } } };
      },
      errors: [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
      ],
    },
    {
      name: 'negative and malformed int-or-percent values',
      mutate: (d) => {
        d.spec = { ...d.spec, strategy: { rollingUpdate: { maxSurge: { type: 1, strVal: 'ten' }, maxUnavailable: { type: 0, intVal: -2 } } } };
      },
      errors: [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -2: must be greater than or equal to 0',
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"ten\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ],
    },
    {
      name: 'maxUnavailable above 100%',
      mutate: (d) => {
        d.spec = { ...d.spec, strategy: { rollingUpdate: { maxUnavailable: { type: 1, strVal: '150%' } } } };
      },
      errors: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%'],
    },
    {
      name: 'maxSurge above 100% is allowed',
      mutate: (d) => {
        d.spec = { ...d.spec, strategy: { rollingUpdate: { maxSurge: { type: 1, strVal: '200%' } } } };
      },
      errors: [],
    },
    {
      name: 'progressDeadlineSeconds not above minReadySeconds',
      mutate: (d) => {
        d.spec = { ...d.spec, minReadySeconds: 30, progressDeadlineSeconds: 30 };
      },
      errors: ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'],
    },
    {
      name: 'negative minReadySeconds and revisionHistoryLimit',
      mutate: (d) => {
        d.spec = { ...d.spec, minReadySeconds: -1, revisionHistoryLimit: -3 };
      },
      errors: [
        'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
        'spec.revisionHistoryLimit: Invalid value: -3: must be greater than or equal to 0',
      ],
    },
    {
      name: 'restartPolicy other than Always',
      mutate: (d) => {
        d.spec = { ...d.spec, template: { ...d.spec?.template, spec: { ...d.spec?.template?.spec, restartPolicy: 'OnFailure' } } };
      },
      errors: ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    },
    {
      name: 'activeDeadlineSeconds in the template',
      mutate: (d) => {
        d.spec = { ...d.spec, template: { ...d.spec?.template, spec: { ...d.spec?.template?.spec, activeDeadlineSeconds: 60 } } };
      },
      errors: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'],
    },
    {
      name: 'a template that is not a valid pod template',
      mutate: (d) => {
        d.spec = { ...d.spec, template: { ...d.spec?.template, spec: { containers: [{ name: 'Bad_Name', image: 'nginx' }] } } };
      },
      errors: [
        "spec.template.spec.containers[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
  ];

  it.each(cases)('$name', ({ mutate, errors }) => {
    expect(errorsOf(deployment(mutate))).toEqual(errors);
  });
});

describe('Deployment updates', () => {
  it('refuses a new selector', () => {
    const old = deployment();
    const next = deployment((d) => {
      d.spec = { ...d.spec, selector: { matchLabels: { app: 'web', tier: 'front' } } };
    });
    expect((deploymentStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"front"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('still validates the spec', () => {
    const old = deployment();
    const next = deployment((d) => {
      d.spec = { ...d.spec, replicas: -5 };
    });
    expect((deploymentStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError)).toEqual([
      'spec.replicas: Invalid value: -5: must be greater than or equal to 0',
    ]);
  });

  it('bumps the generation when only annotations change', () => {
    const old = deployment();
    const next = deployment((d) => {
      d.metadata = { ...d.metadata, annotations: { 'kubernetes.io/change-cause': 'scale' } };
    });
    deploymentStrategy.prepareForUpdate?.(next, old);
    expect(next.metadata?.generation).toBe(4);
    const same = deployment();
    deploymentStrategy.prepareForUpdate?.(same, old);
    expect(same.metadata?.generation).toBe(3);
  });

  it('clears status on create', () => {
    const d = deployment((x) => {
      x.status = { replicas: 3, readyReplicas: 3 };
    });
    deploymentStrategy.prepareForCreate?.(d);
    expect(d.status).toEqual({});
  });
});

function replicaSet(mutate: (rs: ReplicaSet) => void = () => {}): ReplicaSet {
  const rs: ReplicaSet = {
    metadata: { name: 'web-abc', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } },
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
      },
    },
  };
  mutate(rs);
  applyReplicaSetDefaults(rs);
  return rs;
}

describe('ReplicaSet', () => {
  it('defaults replicas to 1', () => {
    expect(replicaSet().spec?.replicas).toBe(1);
    expect(replicaSet().spec?.template?.spec?.restartPolicy).toBe('Always');
  });

  const cases: { name: string; mutate: (rs: ReplicaSet) => void; errors: string[] }[] = [
    { name: 'valid', mutate: () => {}, errors: [] },
    {
      name: 'negative replicas and minReadySeconds',
      mutate: (rs) => {
        rs.spec = { ...rs.spec, replicas: -1, minReadySeconds: -2 };
      },
      errors: [
        'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        'spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0',
      ],
    },
    {
      name: 'empty selector (worded as Kubernetes words it)',
      mutate: (rs) => {
        rs.spec = { ...rs.spec, selector: { matchLabels: {} } };
      },
      errors: [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
      ],
    },
    {
      name: 'selector not matching',
      mutate: (rs) => {
        rs.spec = { ...rs.spec, selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } };
      },
      errors: [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "pod-template-hash":"abc"}: `selector` does not match template `labels`',
      ],
    },
  ];

  it.each(cases)('$name', ({ mutate, errors }) => {
    expect((replicaSetStrategy.validate?.(replicaSet(mutate)) ?? []).map(formatFieldError)).toEqual(errors);
  });

  it('refuses a new selector on update', () => {
    const old = replicaSet();
    const next = replicaSet((rs) => {
      rs.spec = { ...rs.spec, selector: { matchLabels: { app: 'web' } } };
    });
    expect((replicaSetStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
});
