/**
 * ReplicationController: the equality-selector predecessor of ReplicaSet.
 */
import type { ReplicationController, ReplicationControllerStatus } from '../generated/core/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, forbidden, invalid, notSupported, required } from '../validation/field-path';
import { validateNonnegativeField } from './core-v1-common';
import { applyPodTemplateDefaults, validatePodTemplateSpec } from './core-v1-pod';

const SPEC = FieldPath.root('spec');

export function applyReplicationControllerDefaults(rc: ReplicationController): void {
  const spec = (rc.spec ??= {});
  const labels = spec.template?.metadata?.labels;
  if (labels && Object.keys(labels).length > 0) {
    if (Object.keys(spec.selector ?? {}).length === 0) spec.selector = { ...labels };
    if (Object.keys(rc.metadata?.labels ?? {}).length === 0) rc.metadata = { ...rc.metadata, labels: { ...labels } };
  }
  spec.replicas ??= 1;
  applyPodTemplateDefaults(spec.template);
}

function validateStatus(status: ReplicationControllerStatus | undefined): FieldError[] {
  const p = FieldPath.root('status');
  const s = status ?? {};
  const replicas = s.replicas ?? 0;
  const errs = [
    ...validateNonnegativeField(s.replicas, p.child('replicas')),
    ...validateNonnegativeField(s.fullyLabeledReplicas, p.child('fullyLabeledReplicas')),
    ...validateNonnegativeField(s.readyReplicas, p.child('readyReplicas')),
    ...validateNonnegativeField(s.availableReplicas, p.child('availableReplicas')),
    ...validateNonnegativeField(s.observedGeneration, p.child('observedGeneration')),
  ];
  const msg = 'cannot be greater than status.replicas';
  if ((s.fullyLabeledReplicas ?? 0) > replicas) errs.push(invalid(p.child('fullyLabeledReplicas'), s.fullyLabeledReplicas, msg));
  if ((s.readyReplicas ?? 0) > replicas) errs.push(invalid(p.child('readyReplicas'), s.readyReplicas, msg));
  if ((s.availableReplicas ?? 0) > replicas) errs.push(invalid(p.child('availableReplicas'), s.availableReplicas, msg));
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    errs.push(invalid(p.child('availableReplicas'), s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return errs;
}

export function validateReplicationController(rc: ReplicationController): FieldError[] {
  const spec = rc.spec ?? {};
  const selector = spec.selector ?? {};
  const errs = [
    ...validateNonnegativeField(spec.minReadySeconds, SPEC.child('minReadySeconds')),
    ...(Object.keys(selector).length === 0 ? [required(SPEC.child('selector'))] : []),
    ...validateNonnegativeField(spec.replicas, SPEC.child('replicas')),
  ];
  const template = spec.template;
  const templatePath = SPEC.child('template');
  if (!template) {
    errs.push(required(templatePath));
    return errs;
  }
  const labels = template.metadata?.labels ?? {};
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    errs.push(invalid(templatePath.child('metadata', 'labels'), labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, templatePath));
  const restartPolicy = template.spec?.restartPolicy ?? '';
  if (restartPolicy !== 'Always') errs.push(notSupported(templatePath.child('spec', 'restartPolicy'), restartPolicy, ['Always']));
  if (template.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(forbidden(templatePath.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

export const replicationControllerStrategy: KindStrategy<ReplicationController> = {
  applyDefaults: applyReplicationControllerDefaults,
  prepareForCreate(rc) {
    rc.status = {};
  },
  validate: validateReplicationController,
  validateUpdate: (rc) => [...validateReplicationController(rc), ...validateStatus(rc.status)],
};
