/**
 * batch/v1 Job and CronJob: Kubernetes' defaults, the generated selector of
 * Jobs, validation, and the update rules (a Job's template and selector are
 * fixed once created, bar the scheduling directives of a suspended Job that
 * never started).
 */
import type {
  CronJob,
  CronJobSpec,
  Job,
  JobSpec,
  JobTemplateSpec,
  PodFailurePolicy,
  PodFailurePolicyOnExitCodesRequirement,
  PodFailurePolicyOnPodConditionsPattern,
  PodFailurePolicyRule,
  SuccessPolicyRule,
} from '../generated/batch/v1';
import type { PodTemplateSpec } from '../generated/core/v1';
import type { ObjectMeta } from '../generated/meta/v1/meta';
import type { KindStrategy } from '../scheme/kind-info';
import {
  type FieldError,
  FieldPath,
  duplicate,
  goQuote,
  invalid,
  notSupported,
  required,
  tooLong,
  tooMany,
} from '../validation/field-path';
import { dns1123LabelMessages, isDNS1123Subdomain, isQualifiedName, regexError, validateLabelSelector } from '../validation/primitives';
import {
  FIELD_IMMUTABLE,
  MAX_INT32,
  goInt32Slice,
  goLabelSelector,
  goStringMap,
  invalidShown,
  selectorMismatch,
  selectorOrUndefined,
  semanticEqual,
  validateImmutableField,
  validateImmutableSelector,
  validateNonnegativeField,
} from './apps-v1-common';
import { applyPodTemplateDefaults, validatePodTemplateSpec } from './core-v1-pod';
import { cronScheduleError, isKnownTimeZone } from './other-groups-cron';

const SPEC = FieldPath.root('spec');

/** The labels Kubernetes puts on a Job's pods and selects them by. */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;
const MAX_CRONJOB_NAME_LENGTH = 52;

const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const ON_EXIT_CODES_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const POD_REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

/** Go's `%q` of a []string: `["a" "b"]`. */
function goQuotedList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(' ')}]`;
}

/** An Invalid error that, like Kubernetes' OmitValue, shows no value. */
function invalidOmitted(path: FieldPath, detail: string): FieldError {
  return { type: 'Invalid', field: path.toString(), detail };
}

// ---------------------------------------------------------------------------
// Defaults

function applyPodFailurePolicyDefaults(policy: PodFailurePolicy | undefined): void {
  for (const rule of policy?.rules ?? []) {
    for (const pattern of rule.onPodConditions ?? []) if (!pattern.status) pattern.status = 'True';
  }
}

/** Defaults a JobSpec gets inside a Job (not inside a CronJob's jobTemplate, which only gets the nested ones). */
function applyJobSpecDefaults(spec: JobSpec): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6;
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  spec.suspend ??= false;
  if (!spec.podReplacementPolicy) spec.podReplacementPolicy = spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
}

function applyNestedJobSpecDefaults(spec: JobSpec): void {
  applyPodFailurePolicyDefaults(spec.podFailurePolicy);
  applyPodTemplateDefaults((spec.template ??= {}));
}

export function applyJobDefaults(job: Job): void {
  const spec = (job.spec ??= {});
  applyJobSpecDefaults(spec);
  // A Job without labels of its own takes its pods' labels.
  const templateLabels = spec.template?.metadata?.labels ?? {};
  const meta = (job.metadata ??= {});
  if (Object.keys(templateLabels).length > 0 && Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...templateLabels };
  applyNestedJobSpecDefaults(spec);
}

/**
 * Unless the selector is manual, labels the pod template with the Job's uid
 * and name (keeping labels the user set, which validation then checks) and
 * selects the pods by the uid, as Kubernetes' job strategy does on create.
 */
export function generateJobSelector(job: Job): void {
  const spec = (job.spec ??= {});
  if (spec.manualSelector === true) return;
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  const template = (spec.template ??= {});
  const labels = ((template.metadata ??= {}).labels ??= {});
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!Object.hasOwn(labels, key)) labels[key] = name;
  for (const key of [LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) if (!Object.hasOwn(labels, key)) labels[key] = uid;
  const matchLabels = ((spec.selector ??= {}).matchLabels ??= {});
  if (!Object.hasOwn(matchLabels, JOB_CONTROLLER_UID_LABEL)) matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
}

// ---------------------------------------------------------------------------
// JobSpec

function validateHasLabel(meta: ObjectMeta | undefined, path: FieldPath, key: string, expected: string): FieldError[] {
  const labels = meta?.labels ?? {};
  const p = path.child('labels').key(key);
  if (!Object.hasOwn(labels, key)) return [required(p, `must be '${expected}'`)];
  return labels[key] === expected ? [] : [invalidShown(p, goStringMap(labels), `must be '${expected}'`)];
}

function validateGeneratedSelector(job: Job, requirePrefixedLabels: boolean): FieldError[] {
  const spec = job.spec ?? {};
  if (spec.manualSelector === true || !spec.selector) return [];
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  const errs: FieldError[] = [];
  if (uid === '') errs.push(required(FieldPath.root('metadata', 'uid')));
  const metaPath = SPEC.child('template', 'metadata');
  const templateMeta = spec.template?.metadata;
  errs.push(...validateHasLabel(templateMeta, metaPath, LEGACY_JOB_CONTROLLER_UID_LABEL, uid));
  errs.push(...validateHasLabel(templateMeta, metaPath, LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = {};
  if (requirePrefixedLabels) {
    errs.push(...validateHasLabel(templateMeta, metaPath, JOB_CONTROLLER_UID_LABEL, uid));
    errs.push(...validateHasLabel(templateMeta, metaPath, JOB_NAME_LABEL, name));
    expected[JOB_CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_JOB_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  const selector = selectorOrUndefined(spec.selector);
  if (selector && !selector.matches(expected)) {
    errs.push(invalidShown(SPEC.child('selector'), goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

function validateOnExitCodes(req: PodFailurePolicyOnExitCodesRequirement, path: FieldPath, containerNames: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const operator = req.operator ?? '';
  if (operator === '') errs.push(required(path.child('operator'), `valid values: ${goQuotedList(ON_EXIT_CODES_OPERATORS)}`));
  else if (!ON_EXIT_CODES_OPERATORS.includes(operator)) errs.push(notSupported(path.child('operator'), operator, ON_EXIT_CODES_OPERATORS));
  if (req.containerName !== undefined && !containerNames.has(req.containerName)) {
    errs.push(invalid(path.child('containerName'), req.containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  const values = req.values ?? [];
  const valuesPath = path.child('values');
  if (values.length === 0) errs.push(invalidShown(valuesPath, goInt32Slice(values), 'at least one value is required'));
  else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(tooMany(valuesPath, values.length, MAX_ON_EXIT_CODES_VALUES));
  let ordered = true;
  const seen = new Set<number>();
  values.forEach((v, j) => {
    const p = valuesPath.index(j);
    if (operator === 'In' && v === 0) errs.push(invalid(p, v, 'must not be 0 for the In operator'));
    if (seen.has(v)) errs.push(duplicate(p, v));
    else seen.add(v);
    if (j > 0 && values[j - 1] > v) ordered = false;
  });
  if (!ordered) errs.push(invalidShown(valuesPath, goInt32Slice(values), 'must be ordered'));
  return errs;
}

function validateOnPodConditions(patterns: readonly PodFailurePolicyOnPodConditionsPattern[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(tooMany(path, patterns.length, MAX_ON_POD_CONDITIONS_PATTERNS));
  patterns.forEach((pattern, j) => {
    const p = path.index(j);
    errs.push(...isQualifiedName(pattern.type ?? '', p.child('type')));
    const status = pattern.status ?? '';
    if (status === '') errs.push(required(p.child('status'), `valid values: ${goQuotedList(CONDITION_STATUSES)}`));
    else if (!CONDITION_STATUSES.includes(status)) errs.push(notSupported(p.child('status'), status, CONDITION_STATUSES));
  });
  return errs;
}

function validatePodFailurePolicyRule(spec: JobSpec, rule: PodFailurePolicyRule, path: FieldPath, containerNames: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const actionPath = path.child('action');
  const action = rule.action ?? '';
  if (action === '') errs.push(required(actionPath, `valid values: ${goQuotedList(POD_FAILURE_POLICY_ACTIONS)}`));
  else if (action === 'FailIndex') {
    if (spec.backoffLimitPerIndex === undefined) errs.push(invalid(actionPath, action, 'requires the backoffLimitPerIndex to be set'));
  } else if (!POD_FAILURE_POLICY_ACTIONS.includes(action)) errs.push(notSupported(actionPath, action, POD_FAILURE_POLICY_ACTIONS));
  const conditions = rule.onPodConditions ?? [];
  if (rule.onExitCodes) errs.push(...validateOnExitCodes(rule.onExitCodes, path.child('onExitCodes'), containerNames));
  if (conditions.length > 0) errs.push(...validateOnPodConditions(conditions, path.child('onPodConditions')));
  if (rule.onExitCodes && conditions.length > 0) errs.push(invalidOmitted(path, 'specifying both OnExitCodes and OnPodConditions is not supported'));
  if (!rule.onExitCodes && conditions.length === 0) errs.push(invalidOmitted(path, 'specifying one of OnExitCodes and OnPodConditions is required'));
  return errs;
}

function validatePodFailurePolicy(spec: JobSpec, policy: PodFailurePolicy, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rules = policy.rules ?? [];
  const rulesPath = path.child('rules');
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const podSpec = spec.template?.spec;
  const containerNames = new Set([...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])].map((c) => c.name ?? ''));
  rules.forEach((rule, i) => errs.push(...validatePodFailurePolicyRule(spec, rule, rulesPath.index(i), containerNames)));
  return errs;
}

/**
 * How many indexes a `1,3-5` list names, or the reason it is malformed
 * (indexes must increase and stay below `completions`).
 */
export function parseIndexes(indexes: string, completions: number): { total: number } | { error: string } {
  if (indexes === '') return { total: 0 };
  let last: number | undefined;
  let total = 0;
  const atoi = (s: string): number | undefined => (/^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined);
  for (const interval of indexes.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) {
      return { error: `the fragment ${goQuote(interval)} violates the requirement that an index interval can have at most two parts separated by '-'` };
    }
    const x = atoi(limits[0]);
    if (x === undefined) return { error: `cannot convert string to integer for index: ${goQuote(limits[0])}` };
    if (x >= completions) return { error: `too large index: ${goQuote(limits[0])}` };
    if (last !== undefined && last >= x) return { error: `non-increasing order, previous: ${last}, current: ${x}` };
    total++;
    last = x;
    if (limits.length > 1) {
      const y = atoi(limits[1]);
      if (y === undefined) return { error: `cannot convert string to integer for index: ${goQuote(limits[1])}` };
      if (y >= completions) return { error: `too large index: ${goQuote(limits[1])}` };
      if (last >= y) return { error: `non-increasing order, previous: ${last}, current: ${y}` };
      total += y - x;
      last = y;
    }
  }
  return { total };
}

function validateSuccessPolicyRule(spec: JobSpec, rule: SuccessPolicyRule, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const completions = spec.completions ?? 0;
  if (rule.succeededCount === undefined && rule.succeededIndexes === undefined) {
    errs.push(required(path, 'at least one of succeededCount or succeededIndexes must be specified'));
  }
  let totalIndexes = 0;
  if (rule.succeededIndexes !== undefined) {
    const p = path.child('succeededIndexes');
    if (rule.succeededIndexes.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(tooLong(p, rule.succeededIndexes, MAX_SUCCEEDED_INDEXES_LENGTH));
    const parsed = parseIndexes(rule.succeededIndexes, completions);
    if ('error' in parsed) errs.push(invalid(p, rule.succeededIndexes, `error parsing succeededIndexes: ${parsed.error}`));
    else totalIndexes = parsed.total;
  }
  if (rule.succeededCount !== undefined) {
    const p = path.child('succeededCount');
    errs.push(...validateNonnegativeField(rule.succeededCount, p));
    if (rule.succeededCount > completions) {
      errs.push(invalid(p, rule.succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`));
    }
    if (rule.succeededIndexes !== undefined && rule.succeededCount > totalIndexes) {
      errs.push(invalid(p, rule.succeededCount, `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`));
    }
  }
  return errs;
}

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_RE = new RegExp(`^${HTTP_PATH_FMT}$`);

/** IsDomainPrefixedPath: `acme.io/foo`. */
function validateDomainPrefixedPath(value: string, path: FieldPath): FieldError[] {
  if (value === '') return [required(path)];
  const slash = value.indexOf('/');
  const host = slash < 0 ? '' : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (host === '' || rest === '') return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host, path);
  if (!HTTP_PATH_RE.test(rest)) errs.push(invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}

/** validateJobSpec: the checks a Job's spec and a CronJob's jobTemplate share (no selector rules). */
export function validateJobSpecFields(spec: JobSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateNonnegativeField(spec.parallelism, path.child('parallelism')));
  errs.push(...validateNonnegativeField(spec.completions, path.child('completions')));
  errs.push(...validateNonnegativeField(spec.activeDeadlineSeconds, path.child('activeDeadlineSeconds')));
  errs.push(...validateNonnegativeField(spec.backoffLimit, path.child('backoffLimit')));
  errs.push(...validateNonnegativeField(spec.ttlSecondsAfterFinished, path.child('ttlSecondsAfterFinished')));
  errs.push(...validateNonnegativeField(spec.backoffLimitPerIndex, path.child('backoffLimitPerIndex')));
  if (spec.maxFailedIndexes !== undefined) {
    errs.push(...validateNonnegativeField(spec.maxFailedIndexes, path.child('maxFailedIndexes')));
    if (spec.backoffLimitPerIndex === undefined) errs.push(required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (spec.managedBy !== undefined) {
    errs.push(...validateDomainPrefixedPath(spec.managedBy, path.child('managedBy')));
    if (spec.managedBy.length > MAX_MANAGED_BY_LENGTH) errs.push(tooLong(path.child('managedBy'), spec.managedBy, MAX_MANAGED_BY_LENGTH));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== '') {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(path.child('completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      const { completions, parallelism, maxFailedIndexes } = spec;
      if (completions === undefined) errs.push(required(path.child('completions'), 'when completion mode is Indexed'));
      if (parallelism !== undefined && parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
      if (completions !== undefined && maxFailedIndexes !== undefined && maxFailedIndexes > completions) {
        errs.push(invalid(path.child('maxFailedIndexes'), maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (maxFailedIndexes !== undefined && maxFailedIndexes > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
        errs.push(invalid(path.child('maxFailedIndexes'), maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
      }
      if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && spec.backoffLimitPerIndex !== undefined) {
        if (maxFailedIndexes === undefined) {
          errs.push(required(path.child('maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        }
        const tail = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
        if (parallelism !== undefined && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} ${tail}`));
        }
        if (maxFailedIndexes !== undefined && maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(invalid(path.child('maxFailedIndexes'), maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} ${tail}`));
        }
      }
    }
  }
  if (mode === undefined || mode === '' || mode === 'NonIndexed') {
    if (spec.backoffLimitPerIndex !== undefined) errs.push(invalid(path.child('backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (spec.maxFailedIndexes !== undefined) errs.push(invalid(path.child('maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (spec.podFailurePolicy) errs.push(...validatePodFailurePolicy(spec, spec.podFailurePolicy, path.child('podFailurePolicy')));
  if (spec.successPolicy) {
    const p = path.child('successPolicy');
    if (mode !== 'Indexed') errs.push(invalid(p, spec.successPolicy, 'requires indexed completion mode'));
    else {
      const rules = spec.successPolicy.rules ?? [];
      const rulesPath = p.child('rules');
      if (rules.length === 0) errs.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
      if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
      rules.forEach((rule, i) => errs.push(...validateSuccessPolicyRule(spec, rule, rulesPath.index(i))));
    }
  }
  if (spec.podReplacementPolicy !== undefined) {
    const p = path.child('podReplacementPolicy');
    if (spec.podFailurePolicy) {
      if (spec.podReplacementPolicy !== 'Failed') errs.push(notSupported(p, spec.podReplacementPolicy, ['Failed']));
    } else if (!POD_REPLACEMENT_POLICIES.includes(spec.podReplacementPolicy)) {
      errs.push(notSupported(p, spec.podReplacementPolicy, POD_REPLACEMENT_POLICIES));
    }
  }

  const templatePath = path.child('template');
  errs.push(...validatePodTemplateSpec(spec.template, templatePath));
  const restartPath = templatePath.child('spec', 'restartPolicy');
  const restartPolicy = spec.template?.spec?.restartPolicy ?? '';
  // An unset policy has been defaulted to Always, so both read as "not chosen".
  if (restartPolicy === 'Always' || restartPolicy === '') {
    errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  } else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errs.push(notSupported(restartPath, restartPolicy, ['OnFailure', 'Never']));
  } else if (spec.podFailurePolicy && restartPolicy !== 'Never') {
    errs.push(invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** ValidateJobSpec: the shared checks plus a required selector that selects the template's pods. */
export function validateJobSpec(spec: JobSpec | undefined, path: FieldPath = SPEC): FieldError[] {
  const s = spec ?? {};
  const errs = validateJobSpecFields(s, path);
  if (!s.selector) errs.push(required(path.child('selector')));
  else errs.push(...validateLabelSelector(s.selector, path.child('selector')));
  const selector = selectorOrUndefined(s.selector);
  const labels = s.template?.metadata?.labels;
  if (selector && !selector.matches(labels)) errs.push(selectorMismatch(labels, path.child('template')));
  return errs;
}

export interface JobValidationOptions {
  /** Require the `batch.kubernetes.io/` labels too (always on create; on update when the old Job had them). */
  requirePrefixedLabels?: boolean;
}

export function validateJob(job: Job, opts: JobValidationOptions = {}): FieldError[] {
  const errs = validateGeneratedSelector(job, opts.requirePrefixedLabels ?? true);
  errs.push(...validateJobSpec(job.spec));
  const spec = job.spec ?? {};
  if (spec.completionMode === 'Indexed' && spec.completions !== undefined && spec.completions > 0) {
    // Indexed pods get `<job>-<index>` hostnames, which must be DNS labels.
    const name = job.metadata?.name ?? '';
    const hostname = `${name}-${spec.completions - 1}`;
    if (dns1123LabelMessages(hostname).length > 0) {
      errs.push(invalid(FieldPath.root('metadata', 'name'), name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/**
 * The old template with the scheduling directives of the new one, for the
 * immutability check of a suspended Job that never started.
 */
function withNewSchedulingDirectives(template: PodTemplateSpec, old: PodTemplateSpec): PodTemplateSpec {
  const result: PodTemplateSpec = structuredClone(old);
  const spec = (result.spec ??= {});
  const newAffinity = template.spec?.affinity;
  if (newAffinity === undefined && spec.affinity !== undefined) {
    spec.affinity.nodeAffinity = undefined;
    if (semanticEqual(spec.affinity, {})) spec.affinity = undefined;
  } else if (newAffinity !== undefined && spec.affinity === undefined) {
    spec.affinity = { nodeAffinity: newAffinity.nodeAffinity };
  } else if (newAffinity !== undefined && spec.affinity !== undefined) {
    spec.affinity.nodeAffinity = newAffinity.nodeAffinity;
  }
  spec.nodeSelector = template.spec?.nodeSelector;
  spec.tolerations = template.spec?.tolerations;
  spec.schedulingGates = template.spec?.schedulingGates;
  const meta = (result.metadata ??= {});
  meta.annotations = template.metadata?.annotations;
  meta.labels = template.metadata?.labels;
  return result;
}

export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const spec = job.spec ?? {};
  const oldSpec = old.spec ?? {};
  const oldLabels = oldSpec.template?.metadata?.labels ?? {};
  const requirePrefixedLabels = Object.hasOwn(oldLabels, JOB_NAME_LABEL) && Object.hasOwn(oldLabels, JOB_CONTROLLER_UID_LABEL);
  const errs = validateJob(job, { requirePrefixedLabels });

  const completionsPath = SPEC.child('completions');
  if (spec.completionMode !== 'Indexed') {
    errs.push(...validateImmutableField(spec.completions, oldSpec.completions, completionsPath));
  } else if (spec.completions !== undefined && spec.completions !== oldSpec.completions && spec.completions !== spec.parallelism) {
    // An Indexed Job scales by changing completions and parallelism together.
    errs.push(invalid(completionsPath, spec.completions, 'can only be modified in tandem with spec.parallelism'));
  }
  errs.push(...validateImmutableSelector(spec.selector, oldSpec.selector, SPEC.child('selector')));

  const template = spec.template ?? {};
  let oldTemplate = oldSpec.template ?? {};
  // Scheduling directives may change while a Job is suspended and has never started.
  if (oldSpec.suspend === true && !old.status?.startTime) oldTemplate = withNewSchedulingDirectives(template, oldTemplate);
  if (!semanticEqual(template, oldTemplate)) errs.push(invalid(SPEC.child('template'), template, FIELD_IMMUTABLE));

  errs.push(...validateImmutableField(spec.completionMode, oldSpec.completionMode, SPEC.child('completionMode')));
  errs.push(...validateImmutableField(spec.podFailurePolicy, oldSpec.podFailurePolicy, SPEC.child('podFailurePolicy')));
  errs.push(...validateImmutableField(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, SPEC.child('backoffLimitPerIndex')));
  errs.push(...validateImmutableField(spec.managedBy, oldSpec.managedBy, SPEC.child('managedBy')));
  errs.push(...validateImmutableField(spec.successPolicy, oldSpec.successPolicy, SPEC.child('successPolicy')));
  return errs;
}

export const jobStrategy: KindStrategy<Job> = {
  applyDefaults: applyJobDefaults,
  prepareForCreate(job) {
    job.status = {};
    generateJobSelector(job);
  },
  validate: (job) => validateJob(job),
  validateUpdate: validateJobUpdate,
};

// ---------------------------------------------------------------------------
// CronJob

export function applyCronJobDefaults(cj: CronJob): void {
  const spec = (cj.spec ??= {});
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  applyNestedJobSpecDefaults(((spec.jobTemplate ??= {}).spec ??= {}));
}

const TIME_ZONE_PART_RE = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** A CronJob's timeZone: a name from the IANA database (as the runtime's Intl knows it), never "Local". */
export function validateTimeZone(timeZone: string | undefined, path: FieldPath): FieldError[] {
  if (timeZone === undefined) return [];
  if (timeZone === '') return [invalid(path, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART_RE.test(part)) {
      return [invalid(path, timeZone, `unknown time zone ${timeZone}`)];
    }
  }
  const errs: FieldError[] = [];
  if (timeZone.toLowerCase() === 'local') {
    errs.push(invalid(path, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  }
  // "Local" itself loads (as the host's zone) where Kubernetes runs; any other name must be known.
  if (timeZone !== 'Local' && !isKnownTimeZone(timeZone)) errs.push(invalid(path, timeZone, `unknown time zone ${timeZone}`));
  return errs;
}

function validateSchedule(schedule: string, allowTZ: boolean, timeZone: string | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule);
  if (parseError !== undefined) errs.push(invalid(path, schedule, parseError));
  if (allowTZ && schedule.includes('TZ') && timeZone !== undefined) {
    errs.push(invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

/** ValidateJobTemplateSpec: a Job spec whose selector the CronJob controller will generate. */
function validateJobTemplateSpec(template: JobTemplateSpec | undefined, path: FieldPath): FieldError[] {
  const spec = template?.spec ?? {};
  const specPath = path.child('spec');
  const errs = validateJobSpecFields(spec, specPath);
  if (spec.selector) errs.push(invalidShown(specPath.child('selector'), goLabelSelector(spec.selector), '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(notSupported(specPath.child('manualSelector'), true, ['nil', 'false']));
  return errs;
}

export function validateCronJobSpec(spec: CronJobSpec | undefined, oldSpec: CronJobSpec | undefined, path: FieldPath = SPEC): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  const schedule = s.schedule ?? '';
  if (schedule === '') errs.push(required(path.child('schedule')));
  else errs.push(...validateSchedule(schedule, (oldSpec?.schedule ?? '').includes('TZ'), s.timeZone, path.child('schedule')));
  errs.push(...validateNonnegativeField(s.startingDeadlineSeconds, path.child('startingDeadlineSeconds')));
  if (oldSpec === undefined || oldSpec.timeZone !== s.timeZone) errs.push(...validateTimeZone(s.timeZone, path.child('timeZone')));
  const policy = s.concurrencyPolicy ?? '';
  if (policy === '') errs.push(required(path.child('concurrencyPolicy')));
  else if (!CONCURRENCY_POLICIES.includes(policy)) errs.push(notSupported(path.child('concurrencyPolicy'), policy, CONCURRENCY_POLICIES));
  errs.push(...validateJobTemplateSpec(s.jobTemplate, path.child('jobTemplate')));
  errs.push(...validateNonnegativeField(s.successfulJobsHistoryLimit, path.child('successfulJobsHistoryLimit')));
  errs.push(...validateNonnegativeField(s.failedJobsHistoryLimit, path.child('failedJobsHistoryLimit')));
  return errs;
}

export function validateCronJob(cj: CronJob): FieldError[] {
  const errs = validateCronJobSpec(cj.spec, undefined);
  // The controller names each Job `<cronjob>-<11-digit timestamp>`, and Job names must stay DNS labels.
  const name = cj.metadata?.name ?? '';
  if (name.length > MAX_CRONJOB_NAME_LENGTH) {
    errs.push(invalid(FieldPath.root('metadata', 'name'), name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  }
  return errs;
}

/** On update the 52-character limit is not applied again, so old CronJobs stay editable. */
export function validateCronJobUpdate(cj: CronJob, old: CronJob): FieldError[] {
  return validateCronJobSpec(cj.spec, old.spec ?? {});
}

export const cronJobStrategy: KindStrategy<CronJob> = {
  applyDefaults: applyCronJobDefaults,
  prepareForCreate(cj) {
    cj.status = {};
  },
  validate: validateCronJob,
  validateUpdate: validateCronJobUpdate,
};
