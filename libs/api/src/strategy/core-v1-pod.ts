/**
 * Pod and PodTemplate strategies, and the pod-spec helpers the workload
 * strategies (apps/v1, batch/v1, ReplicationController) build on.
 */
import type { Pod, PodSpec, PodStatus, PodTemplate, PodTemplateSpec } from '../generated/core/v1';
import type { ObjectMeta } from '../generated/meta/v1/meta';
import { type Quantity, addQuantities, compareQuantity } from '../quantity';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, forbidden, invalid } from '../validation/field-path';
import { inclusiveRangeError, isQualifiedName, isValidIP, validateAnnotations, validateLabels } from '../validation/primitives';
import { MAX_INT32, describeChanges, nowRFC3339, semanticEqual } from './core-v1-common';
import {
  type PodSpecValidationOptions,
  applyPodDefaults,
  applyPodSpecDefaults,
  validatePodOnlySpec,
  validatePodSpec,
} from './core-v1-pod-spec';
import { parseQuantityAt } from './core-v1-resources';

export {
  type PodSpecValidationOptions,
  aggregateContainerRequests,
  applyPodDefaults,
  applyPodSpecDefaults,
  imageTag,
  validateAffinity,
  validatePodSpec,
  validatePortNumOrName,
  validateTolerations,
} from './core-v1-pod-spec';

const SPEC = FieldPath.root('spec');
const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

// ---------------------------------------------------------------------------
// Templates

/** Defaults for a pod template embedded in a workload: the PodSpec defaults only (no Pod-only ones). */
export function applyPodTemplateDefaults(template: PodTemplateSpec | undefined): void {
  if (!template) return;
  applyPodSpecDefaults((template.spec ??= {}));
}

function validatePodSpecificAnnotations(annotations: Readonly<Record<string, string>> | undefined, spec: PodSpec | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const a = annotations ?? {};
  if (MIRROR_POD_ANNOTATION in a && !spec?.nodeName) {
    errs.push(invalid(path.key(MIRROR_POD_ANNOTATION), a[MIRROR_POD_ANNOTATION], 'must set spec.nodeName if mirror pod annotation is set'));
  }
  const cost = a[POD_DELETION_COST];
  if (cost !== undefined) {
    const ok = /^[+-]?[0-9]+$/.test(cost) && Number(cost) >= -(2 ** 31) && Number(cost) <= MAX_INT32;
    if (!ok) errs.push(invalid(path.key(POD_DELETION_COST), cost, 'must be a 32bit integer'));
  }
  return errs;
}

/**
 * Kubernetes' ValidatePodTemplateSpec: the template's labels and annotations
 * (reported at `<path>.labels`, as Kubernetes does), its PodSpec at
 * `<path>.spec`, and no ephemeral containers. A missing template is validated
 * as an empty one.
 */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: FieldPath, opts: PodSpecValidationOptions = {}): FieldError[] {
  const t = template ?? {};
  const errs = validateLabels(t.metadata?.labels, path.child('labels'));
  errs.push(...validateAnnotations(t.metadata?.annotations, path.child('annotations')));
  errs.push(...validatePodSpecificAnnotations(t.metadata?.annotations, t.spec, path.child('annotations')));
  errs.push(...validatePodSpec(t.spec, path.child('spec'), { ...opts, isPod: false, podMeta: undefined }));
  if ((t.spec?.ephemeralContainers ?? []).length > 0) {
    errs.push(forbidden(path.child('spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

// ---------------------------------------------------------------------------
// Quality of service

export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'];

function positiveQuantities(list: Readonly<Record<string, string>> | undefined): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const name in list) {
    const value = list[name];
    if (name !== 'cpu' && name !== 'memory') continue;
    const q = parseQuantityAt(value, SPEC).quantity;
    if (q && q.unscaled > 0n) out.set(name, q);
  }
  return out;
}

function hasQOSResource(list: Readonly<Record<string, string>> | undefined): boolean {
  return list !== undefined && ('cpu' in list || 'memory' in list);
}

function mergeSum(into: Map<string, Quantity>, from: Map<string, Quantity>): void {
  for (const [name, q] of from) {
    const prev = into.get(name);
    into.set(name, prev ? addQuantities(prev, q) : q);
  }
}

/**
 * The pod's QoS class: BestEffort without cpu or memory requests or limits,
 * Guaranteed when every container limits both and requests equal limits,
 * Burstable otherwise. Pod-level resources, when set, decide alone.
 */
export function computePodQOSClass(spec: PodSpec | undefined): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const podLevel = spec?.resources;
  const podLevelSet = hasQOSResource(podLevel?.requests) || hasQOSResource(podLevel?.limits);
  if (podLevelSet) {
    mergeSum(requests, positiveQuantities(podLevel?.requests));
    const lim = positiveQuantities(podLevel?.limits);
    mergeSum(limits, lim);
    if (!QOS_RESOURCES.every((r) => lim.has(r))) guaranteed = false;
  } else {
    for (const list of [spec?.containers, spec?.initContainers]) {
      for (const c of list ?? []) {
        mergeSum(requests, positiveQuantities(c.resources?.requests));
        const lim = positiveQuantities(c.resources?.limits);
        mergeSum(limits, lim);
        if (!lim.has('cpu') || !lim.has('memory')) guaranteed = false;
      }
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantity(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

// ---------------------------------------------------------------------------
// Pods

/** Everything a Pod's spec and pod-specific annotations must satisfy, on create and on update. */
export function validatePod(pod: Pod): FieldError[] {
  const meta: ObjectMeta = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  return [
    ...validatePodSpecificAnnotations(meta.annotations, spec, FieldPath.root('metadata', 'annotations')),
    ...validatePodSpec(spec, SPEC, { isPod: true, podMeta: meta }),
    ...validatePodOnlySpec(spec, SPEC),
  ];
}

/** ValidatePodCreate: validatePod plus what may not be set when a pod is created. */
export function validatePodCreate(pod: Pod): FieldError[] {
  const errs = validatePod(pod);
  const spec = pod.spec ?? {};
  if ((spec.ephemeralContainers ?? []).length > 0) errs.push(forbidden(SPEC.child('ephemeralContainers'), 'cannot be set on create'));
  if (spec.nodeName && (spec.schedulingGates ?? []).length > 0) {
    errs.push(forbidden(SPEC.child('nodeName'), 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateStatusChange(status: PodStatus | undefined, old: PodStatus | undefined): FieldError[] {
  if (semanticEqual(status, old)) return [];
  const errs: FieldError[] = [];
  const statusPath = FieldPath.root('status');
  if ((status?.qosClass ?? '') !== (old?.qosClass ?? '')) {
    errs.push(invalid(statusPath.child('qosClass'), status?.qosClass ?? '', 'field is immutable'));
  }
  (status?.podIPs ?? []).forEach((ip, i) => errs.push(...isValidIP(ip.ip ?? '', statusPath.child('podIPs').index(i))));
  const hostIPs = status?.hostIPs ?? [];
  if (hostIPs.length > 0 && (status?.hostIP ?? '') !== (hostIPs[0].ip ?? '')) {
    errs.push(invalid(statusPath.child('hostIPs').index(0).child('ip'), hostIPs[0].ip ?? '', 'must be equal to `hostIP`'));
  }
  hostIPs.forEach((ip, i) => errs.push(...isValidIP(ip.ip ?? '', statusPath.child('hostIPs').index(i))));
  (status?.conditions ?? []).forEach((c, i) => {
    if (['PodScheduled', 'Ready', 'Initialized'].includes(c.type ?? '')) return;
    errs.push(...isQualifiedName(c.type ?? '', FieldPath.root('metadata', 'conditions').index(i).child('Type')));
  });
  return errs;
}

/**
 * ValidatePodUpdate: a pod's spec is immutable except container images,
 * activeDeadlineSeconds (lowered or newly set), added tolerations, removed
 * scheduling gates, and node selector additions while the pod is gated.
 */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validatePod(pod);
  errs.push(...validateStatusChange(pod.status, old.status));
  const spec = pod.spec ?? {};
  const oldSpec = old.spec ?? {};

  for (const field of ['containers', 'initContainers'] as const) {
    if ((spec[field] ?? []).length !== (oldSpec[field] ?? []).length) {
      errs.push(forbidden(SPEC.child(field), 'pod updates may not add or remove containers'));
      return errs;
    }
  }

  const deadline = spec.activeDeadlineSeconds;
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  if (deadline !== undefined) {
    if (deadline < 0 || deadline > MAX_INT32) {
      errs.push(invalid(SPEC.child('activeDeadlineSeconds'), deadline, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldDeadline !== undefined && oldDeadline < deadline) {
      errs.push(invalid(SPEC.child('activeDeadlineSeconds'), deadline, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldDeadline !== undefined) {
    errs.push(invalid(SPEC.child('activeDeadlineSeconds'), 'null', 'must not update from a positive integer to nil value'));
  }

  const tolerations = spec.tolerations ?? [];
  for (const prev of oldSpec.tolerations ?? []) {
    const kept = tolerations.some((t) => semanticEqual({ ...prev, tolerationSeconds: t.tolerationSeconds }, t));
    if (!kept) {
      errs.push(forbidden(SPEC.child('tolerations'), 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }

  const oldGates = new Set((oldSpec.schedulingGates ?? []).map((g) => g.name ?? ''));
  (spec.schedulingGates ?? []).forEach((g, i) => {
    const name = g.name ?? '';
    if (!oldGates.has(name)) {
      errs.push(forbidden(SPEC.child('schedulingGates').index(i).child('name'), `only deletion is allowed, but found new scheduling gate '${name}'`));
    }
  });

  if (semanticEqual(spec, oldSpec)) return errs;

  const munged: PodSpec = structuredClone(spec);
  munged.containers = (munged.containers ?? []).map((c, i) => ({ ...c, image: oldSpec.containers?.[i]?.image }));
  munged.initContainers = (munged.initContainers ?? []).map((c, i) => ({ ...c, image: oldSpec.initContainers?.[i]?.image }));
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (oldGrace !== undefined && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (oldGates.size > 0 && !semanticEqual(munged.nodeSelector, oldSpec.nodeSelector)) {
    const next = munged.nodeSelector ?? {};
    const changed = Object.entries(oldSpec.nodeSelector ?? {}).some(([k, v]) => next[k] !== v);
    if (changed) {
      errs.push(invalid(SPEC.child('nodeSelector'), next, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
    }
    munged.nodeSelector = oldSpec.nodeSelector;
  }
  if (!semanticEqual(munged, oldSpec)) {
    errs.push(
      forbidden(
        SPEC,
        `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${describeChanges(oldSpec, munged, 'spec')}`,
      ),
    );
  }
  return errs;
}

export const podStrategy: KindStrategy<Pod> = {
  applyDefaults: applyPodDefaults,
  prepareForCreate(pod) {
    // Defaults first, so the QoS class sees the requests copied from limits.
    applyPodDefaults(pod);
    const status: PodStatus = { phase: 'Pending', qosClass: computePodQOSClass(pod.spec) };
    if ((pod.spec?.schedulingGates ?? []).length > 0) {
      status.conditions = [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'SchedulingGated',
          message: 'Scheduling is blocked due to non-empty scheduling gates',
          lastTransitionTime: nowRFC3339(),
        },
      ];
    }
    pod.status = status;
  },
  validate: validatePodCreate,
  validateUpdate: validatePodUpdate,
};

// ---------------------------------------------------------------------------
// PodTemplate

export function validatePodTemplate(pt: PodTemplate): FieldError[] {
  return validatePodTemplateSpec(pt.template, FieldPath.root('template'));
}

export const podTemplateStrategy: KindStrategy<PodTemplate> = {
  applyDefaults(pt) {
    applyPodTemplateDefaults((pt.template ??= {}));
  },
  validate: validatePodTemplate,
  validateUpdate: (pt) => validatePodTemplate(pt),
};
