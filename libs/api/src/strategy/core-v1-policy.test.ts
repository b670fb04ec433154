import { describe, expect, it } from 'vitest';
import type { LimitRange, ResourceQuota } from '../generated/core/v1';
import { formatFieldError } from '../validation/field-path';
import { limitRangeStrategy, resourceQuotaStrategy } from './core-v1-policy';

describe('ResourceQuota', () => {
  it('clears status on create', () => {
    const rq: ResourceQuota = { metadata: { name: 'q' }, spec: { hard: { pods: '10' } }, status: { used: { pods: '3' } } };
    resourceQuotaStrategy.prepareForCreate?.(rq);
    expect(rq.status).toEqual({});
  });

  it.each([
    ['standard and extended resources', { hard: { pods: '10', 'requests.cpu': '4', 'requests.nvidia.com/gpu': '2', 'count/deployments.apps': '5' } }, []],
    ['a fractional pod count', { hard: { pods: '1500m' } }, ['spec.hard[pods]: Invalid value: "1500m": must be an integer']],
    ['a negative quota', { hard: { 'limits.memory': '-1Gi' } }, ['spec.hard[limits.memory]: Invalid value: "-1Gi": must be greater than or equal to 0']],
    [
      'an unknown resource',
      { hard: { gpus: '1' } },
      ['spec.hard[gpus]: Invalid value: "gpus": must be a standard resource type or fully qualified', 'spec.hard[gpus]: Invalid value: "gpus": must be a standard resource for quota'],
    ],
    ['BestEffort on cpu', { hard: { cpu: '1' }, scopes: ['BestEffort'] }, ['spec.scopes: Invalid value: []string{"BestEffort"}: unsupported scope applied to resource']],
    [
      'conflicting scopes',
      { hard: { pods: '1' }, scopes: ['Terminating', 'NotTerminating'] },
      ['spec.scopes: Invalid value: []string{"Terminating", "NotTerminating"}: conflicting scopes'],
    ],
    [
      'a priority class selector without values',
      { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }] } },
      ["spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"],
    ],
  ])('validates %s', (_name, spec: ResourceQuota['spec'], expected) => {
    expect(resourceQuotaStrategy.validate?.({ metadata: { name: 'q' }, spec }).map(formatFieldError)).toEqual(expected);
  });

  it('keeps scopes immutable', () => {
    const old: ResourceQuota = { metadata: { name: 'q' }, spec: { hard: { pods: '1' }, scopes: ['NotTerminating'] } };
    const next: ResourceQuota = { ...old, spec: { hard: { pods: '2' }, scopes: ['Terminating'] } };
    expect(resourceQuotaStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual(['spec.scopes: Invalid value: []string{"Terminating"}: field is immutable']);
  });
});

describe('LimitRange', () => {
  it('defaults container limits from max and requests from defaults or min', () => {
    const lr: LimitRange = { spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { memory: '256Mi' } }] } };
    limitRangeStrategy.applyDefaults?.(lr);
    expect(lr.spec?.limits?.[0]).toMatchObject({
      default: { memory: '256Mi', cpu: '2' },
      defaultRequest: { memory: '256Mi', cpu: '2' },
    });
  });

  it.each([
    ['a container range', [{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '2' }, default: { cpu: '500m' }, defaultRequest: { cpu: '200m' } }], []],
    ['min above max', [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }], [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
      'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
    ]],
    ['defaults on a Pod range', [{ type: 'Pod', max: { cpu: '4' }, default: { cpu: '1' } }], ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]],
    ['an unknown type', [{ type: 'Deployment', max: { cpu: '4' } }], ['spec.limits[0].type: Invalid value: "Deployment": must be a standard limit type or fully qualified']],
    ['a claim range without storage bounds', [{ type: 'PersistentVolumeClaim', max: {} }], [
      'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
    ]],
    ['a ratio below 1', [{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }], ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1']],
    ['two ranges of one type', [{ type: 'Pod', max: { cpu: '4' } }, { type: 'Pod', max: { cpu: '2' } }], ['spec.limits[1].type: Duplicate value: "Pod"']],
    ['a quantity that does not parse', [{ type: 'Pod', max: { memory: '4GB' } }], [
      "spec.limits[0].max[memory]: Invalid value: \"4GB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ]],
  ])('validates %s', (_name, limits: NonNullable<LimitRange['spec']>['limits'], expected) => {
    const lr: LimitRange = { metadata: { name: 'limits', namespace: 'default' }, spec: { limits } };
    limitRangeStrategy.applyDefaults?.(lr);
    expect(limitRangeStrategy.validate?.(lr).map(formatFieldError)).toEqual(expected);
  });
});
