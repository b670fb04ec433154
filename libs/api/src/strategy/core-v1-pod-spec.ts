/**
 * PodSpec defaults and validation, shared by Pods, PodTemplates,
 * ReplicationControllers and the apps/v1 and batch/v1 workloads.
 *
 * The behaviour is Kubernetes' `SetDefaults_PodSpec` and friends plus
 * `ValidatePodSpec`, with its messages and its field paths (including the few
 * places where Kubernetes reports a list's path instead of an element's).
 */
import type { IntOrString, ObjectMeta } from '../generated/meta/v1/meta';
import type {
  Affinity,
  AppArmorProfile,
  Container,
  ContainerPort,
  ContainerResizePolicy,
  DownwardAPIVolumeFile,
  EnvFromSource,
  EnvVar,
  EphemeralContainer,
  HTTPGetAction,
  Lifecycle,
  LifecycleHandler,
  ObjectFieldSelector,
  PodAffinityTerm,
  PodDNSConfig,
  PodSecurityContext,
  PodSpec,
  Probe,
  ProjectedVolumeSource,
  ResourceFieldSelector,
  SeccompProfile,
  SecurityContext,
  Toleration,
  TopologySpreadConstraint,
  Volume,
  VolumeDevice,
  VolumeMount,
  WeightedPodAffinityTerm,
  WindowsSecurityContextOptions,
  KeyToPath,
} from '../generated/core/v1';
import { type Quantity, addQuantities, compareQuantity } from '../quantity';
import {
  type FieldError,
  FieldPath,
  duplicate,
  forbidden,
  internalError,
  invalid,
  notFound,
  notSupported,
  required,
  tooLong,
} from '../validation/field-path';
import {
  configMapKeyMessages,
  dns1123SubdomainMessages,
  envVarNameMessages,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  nameIsDNSSubdomain,
  portNameMessages,
  portNumMessages,
  validateLabelName,
  validateLabelSelector,
  validateLabels,
  validateNamespaceName,
  inclusiveRangeError,
} from '../validation/primitives';
import {
  IS_NOT_POSITIVE,
  MAX_INT32,
  checkRequiredSupported,
  checkSupported,
  httpHeaderNameMessages,
  isZeroValue,
  joinedLabelValueMessages,
  sortedValues,
  validateFileMode,
  validateLinuxID,
  validateLocalDescendingPath,
  validateLocalNonReservedPath,
  validateNodeSelector,
  validateNodeSelectorTerm,
  validateNonnegativeField,
  validatePathNoBacksteps,
  validateAbsolutePath,
  validateTaintEffect,
  wrapMessages,
} from './core-v1-common';
import {
  canonical,
  isHugePageResourceName,
  parseQuantityAt,
  validateContainerResourceName,
  validateResourceName,
  validateResourceRequirements,
} from './core-v1-resources';
import { applyPersistentVolumeClaimSpecDefaults, validatePersistentVolumeClaimTemplate } from './core-v1-storage';

/** How a PodSpec is being validated. */
export interface PodSpecValidationOptions {
  /**
   * The spec is a Pod's own, not a template's: under hostNetwork every host
   * port must equal its container port, and image volumes need a reference.
   */
  isPod?: boolean;
  /** The pod's metadata, to check the names of the claims generic ephemeral volumes create. */
  podMeta?: ObjectMeta;
}

type AnyContainer = Container | EphemeralContainer;

// ===========================================================================
// Defaults

/** The tag ParseImageName would find; `latest` when there is neither tag nor digest. */
export function imageTag(image: string): string {
  if (image === '') return '';
  let rest = image;
  const at = rest.indexOf('@');
  const hasDigest = at >= 0;
  if (hasDigest) rest = rest.slice(0, at);
  const lastSlash = rest.lastIndexOf('/');
  const lastPart = rest.slice(lastSlash + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon >= 0) return lastPart.slice(colon + 1);
  return hasDigest ? '' : 'latest';
}

function defaultPullPolicy(image: string | undefined): string {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

function applyHTTPGetDefaults(action: HTTPGetAction | undefined): void {
  if (!action) return;
  if (!action.path) action.path = '/';
  if (!action.scheme) action.scheme = 'HTTP';
}

function applyProbeDefaults(probe: Probe | undefined): void {
  if (!probe) return;
  if (!probe.timeoutSeconds) probe.timeoutSeconds = 1;
  if (!probe.periodSeconds) probe.periodSeconds = 10;
  if (!probe.successThreshold) probe.successThreshold = 1;
  if (!probe.failureThreshold) probe.failureThreshold = 3;
  applyHTTPGetDefaults(probe.httpGet);
}

function applyFieldRefDefaults(ref: ObjectFieldSelector | undefined): void {
  if (ref && !ref.apiVersion) ref.apiVersion = 'v1';
}

function applyContainerDefaults(c: AnyContainer): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const port of c.ports ?? []) if (!port.protocol) port.protocol = 'TCP';
  for (const env of c.env ?? []) applyFieldRefDefaults(env.valueFrom?.fieldRef);
  applyProbeDefaults(c.livenessProbe);
  applyProbeDefaults(c.readinessProbe);
  applyProbeDefaults(c.startupProbe);
  applyHTTPGetDefaults(c.lifecycle?.postStart?.httpGet);
  applyHTTPGetDefaults(c.lifecycle?.preStop?.httpGet);
}

const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'secret',
  'nfs',
  'persistentVolumeClaim',
  'downwardAPI',
  'configMap',
  'projected',
  'csi',
  'ephemeral',
  'image',
] as const;

function applyVolumeDefaults(v: Volume): void {
  if (VOLUME_SOURCES.every((s) => v[s] === undefined)) v.emptyDir = {};
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.secret) v.secret.defaultMode ??= 0o644;
  if (v.configMap) v.configMap.defaultMode ??= 0o644;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= 0o644;
    for (const item of v.downwardAPI.items ?? []) applyFieldRefDefaults(item.fieldRef);
  }
  if (v.projected) {
    v.projected.defaultMode ??= 0o644;
    for (const source of v.projected.sources ?? []) {
      if (source.serviceAccountToken) source.serviceAccountToken.expirationSeconds ??= 3600;
      for (const item of source.downwardAPI?.items ?? []) applyFieldRefDefaults(item.fieldRef);
    }
  }
  if (v.image && !v.image.pullPolicy) v.image.pullPolicy = defaultPullPolicy(v.image.reference);
  if (v.ephemeral?.volumeClaimTemplate) applyPersistentVolumeClaimSpecDefaults((v.ephemeral.volumeClaimTemplate.spec ??= {}));
}

/**
 * The defaults every PodSpec gets, in a Pod or in a template: restartPolicy
 * Always, dnsPolicy ClusterFirst, terminationGracePeriodSeconds 30,
 * schedulerName default-scheduler, an empty securityContext, and the
 * container, probe and volume defaults.
 */
export function applyPodSpecDefaults(spec: PodSpec): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  // serviceAccount is the deprecated spelling of serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  for (const c of spec.initContainers ?? []) applyContainerDefaults(c);
  for (const c of spec.containers ?? []) applyContainerDefaults(c);
  for (const c of spec.ephemeralContainers ?? []) applyContainerDefaults(c);
  for (const v of spec.volumes ?? []) applyVolumeDefaults(v);
}

function defaultRequestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits) return;
  // Defaults run twice on create (prepareForCreate, then applyDefaults): once every limit has
  // its request there is nothing to copy, and nothing is rebuilt.
  const current = c.resources?.requests;
  let missing = false;
  for (const name in limits) {
    if (current === undefined || !(name in current)) {
      missing = true;
      break;
    }
  }
  if (!missing) return;
  const requests = { ...(current ?? {}) };
  for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
  c.resources = { ...c.resources, requests };
}

function isRestartable(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** The requests of all containers together, as the scheduler counts them (init containers run one at a time). */
export function aggregateContainerRequests(spec: PodSpec): Map<string, Quantity> {
  const sum = new Map<string, Quantity>();
  const add = (into: Map<string, Quantity>, list: Readonly<Record<string, string>> | undefined): void => {
    for (const [name, value] of Object.entries(list ?? {})) {
      const q = parseQuantityAt(value, FieldPath.root('x')).quantity;
      if (!q) continue;
      const prev = into.get(name);
      into.set(name, prev ? addQuantities(prev, q) : q);
    }
  };
  for (const c of spec.containers ?? []) add(sum, c.resources?.requests);
  const sidecars = new Map<string, Quantity>();
  const initMax = new Map<string, Quantity>();
  for (const c of spec.initContainers ?? []) {
    if (isRestartable(c)) {
      add(sidecars, c.resources?.requests);
      continue;
    }
    // A plain init container runs beside the sidecars started before it.
    const running = new Map(sidecars);
    add(running, c.resources?.requests);
    for (const [name, q] of running) {
      const prev = initMax.get(name);
      if (!prev || compareQuantity(q, prev) > 0) initMax.set(name, q);
    }
  }
  for (const [name, q] of sidecars) {
    const prev = sum.get(name);
    sum.set(name, prev ? addQuantities(prev, q) : q);
  }
  for (const [name, q] of initMax) {
    const prev = sum.get(name);
    if (!prev || compareQuantity(q, prev) > 0) sum.set(name, q);
  }
  return sum;
}

const POD_LEVEL_RESOURCES = ['cpu', 'memory'];

function isSupportedPodLevelResource(name: string): boolean {
  return POD_LEVEL_RESOURCES.includes(name) || isHugePageResourceName(name);
}

/** Pod-level requests default from the containers' requests, or the pod-level limits, once pod-level limits are set. */
function defaultPodLevelRequests(spec: PodSpec): void {
  const limits = spec.resources?.limits;
  if (!spec.resources || !limits || Object.keys(limits).length === 0) return;
  const requests = { ...(spec.resources.requests ?? {}) };
  for (const [name, q] of aggregateContainerRequests(spec)) {
    if (!(name in requests) && POD_LEVEL_RESOURCES.includes(name)) requests[name] = canonical(q);
  }
  for (const [name, value] of Object.entries(limits)) {
    if (!(name in requests) && isSupportedPodLevelResource(name)) requests[name] = value;
  }
  spec.resources = { ...spec.resources, requests };
}

/**
 * The defaults a Pod gets on top of applyPodSpecDefaults: requests copied from
 * limits, enableServiceLinks, host ports under hostNetwork, and what the
 * ServiceAccount and Priority admission plugins fill in (serviceAccountName
 * `default`, priority 0 without a priorityClassName, preemptionPolicy).
 */
export function applyPodDefaults(pod: { spec?: PodSpec | undefined }): void {
  const spec = (pod.spec ??= {});
  applyPodSpecDefaults(spec);
  for (const c of spec.containers ?? []) defaultRequestsFromLimits(c);
  for (const c of spec.initContainers ?? []) defaultRequestsFromLimits(c);
  defaultPodLevelRequests(spec);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const port of c.ports ?? []) if (!port.hostPort) port.hostPort = port.containerPort;
    }
  }
  if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
  if (!spec.priorityClassName && spec.priority === undefined) spec.priority = 0;
  if (!spec.preemptionPolicy) spec.preemptionPolicy = 'PreemptLowerPriority';
}

// ===========================================================================
// Validation: small pieces

const PROTOCOLS = sortedValues(['TCP', 'UDP', 'SCTP']);
const PULL_POLICIES = sortedValues(['Always', 'IfNotPresent', 'Never']);
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];
const HTTP_SCHEMES = sortedValues(['HTTP', 'HTTPS']);
const HOST_PATH_TYPES = sortedValues(['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']);
const MOUNT_PROPAGATIONS = sortedValues(['Bidirectional', 'HostToContainer', 'None']);
const RECURSIVE_READ_ONLY = sortedValues(['Disabled', 'IfPossible', 'Enabled']);
const OS_NAMES = sortedValues(['linux', 'windows']);

/** Ports given as a number or an IANA service name: `ValidatePortNumOrName`. */
export function validatePortNumOrName(port: IntOrString | undefined, path: FieldPath): FieldError[] {
  const type = port?.type ?? 0;
  if (type === 0) {
    const n = port?.intVal ?? 0;
    return portNumMessages(n).map((m) => invalid(path, n, m));
  }
  if (type === 1) {
    const s = port?.strVal ?? '';
    return portNameMessages(s).map((m) => invalid(path, s, m));
  }
  return [internalError(path, `unknown type: ${type}`)];
}

function validateContainerPorts(ports: readonly ContainerPort[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (let i = 0; i < ports.length; i++) {
    const port = ports[i];
    const idx = path.index(i);
    const name = port.name ?? '';
    if (name !== '') {
      const msgs = portNameMessages(name);
      if (msgs.length > 0) errs.push(...wrapMessages(msgs, idx.child('name'), name));
      else if (names.has(name)) errs.push(duplicate(idx.child('name'), name));
      else names.add(name);
    }
    const containerPort = port.containerPort ?? 0;
    if (containerPort === 0) errs.push(required(idx.child('containerPort')));
    else errs.push(...wrapMessages(portNumMessages(containerPort), idx.child('containerPort'), containerPort));
    const hostPort = port.hostPort ?? 0;
    if (hostPort !== 0) errs.push(...wrapMessages(portNumMessages(hostPort), idx.child('hostPort'), hostPort));
    if (port.protocol === undefined || !PROTOCOLS.includes(port.protocol)) {
      errs.push(...checkRequiredSupported(port.protocol, PROTOCOLS, idx.child('protocol')));
    }
  }
  return errs;
}

const ENV_FIELD_PATHS = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const VOLUME_FIELD_PATHS = new Set(['metadata.name', 'metadata.namespace', 'metadata.labels', 'metadata.annotations', 'metadata.uid']);
const CONVERTIBLE_FIELD_LABELS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const RESOURCE_FIELD_PATHS = new Set([
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
]);
const HUGEPAGE_FIELD_PREFIXES = ['requests.hugepages-', 'limits.hugepages-'];
const CPU_DIVISORS = new Set(['1m', '1']);
const BYTE_DIVISORS = new Set(['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei']);

/** fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['app']` → [`metadata.labels`, `app`]. */
function splitSubscriptedPath(fieldPath: string): { path: string; subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const s = fieldPath.slice(0, -2);
  const at = s.indexOf("['");
  if (at <= 0) return undefined;
  return { path: s.slice(0, at), subscript: s.slice(at + 2) };
}

/** podshelper.ConvertDownwardAPIFieldLabel's checks; undefined when the label converts. */
function convertDownwardAPIFieldLabel(version: string, label: string): { path: string; error?: string } {
  if (version !== 'v1') return { path: '', error: `unsupported pod version: ${version}` };
  const sub = splitSubscriptedPath(label);
  if (sub) {
    if (sub.path === 'metadata.annotations' || sub.path === 'metadata.labels') return { path: label };
    return { path: '', error: `field label does not support subscript: ${label}` };
  }
  if (CONVERTIBLE_FIELD_LABELS.has(label)) return { path: label };
  if (label === 'spec.host') return { path: 'spec.nodeName' };
  return { path: '', error: `field label not supported: ${label}` };
}

function validateObjectFieldSelector(fs: ObjectFieldSelector, expressions: ReadonlySet<string>, path: FieldPath): FieldError[] {
  if (!fs.apiVersion) return [required(path.child('apiVersion'))];
  if (!fs.fieldPath) return [required(path.child('fieldPath'))];
  const converted = convertDownwardAPIFieldLabel(fs.apiVersion, fs.fieldPath);
  if (converted.error !== undefined) {
    return [invalid(path.child('fieldPath'), fs.fieldPath, `error converting fieldPath: ${converted.error}`)];
  }
  const sub = splitSubscriptedPath(converted.path);
  if (sub) {
    if (sub.path === 'metadata.annotations') return isQualifiedName(sub.subscript.toLowerCase(), path);
    if (sub.path === 'metadata.labels') return isQualifiedName(sub.subscript, path);
    return [invalid(path, sub.path, 'does not support subscript')];
  }
  if (!expressions.has(converted.path)) return [notSupported(path.child('fieldPath'), converted.path, sortedValues(expressions))];
  return [];
}

function validateContainerResourceDivisor(resource: string, divisor: string | undefined, path: FieldPath): FieldError[] {
  if (divisor === undefined) return [];
  const { quantity, errors } = parseQuantityAt(divisor, path.child('divisor'));
  if (!quantity) return errors;
  if (quantity.unscaled === 0n) return [];
  const text = canonical(quantity);
  const divisorPath = path.child('divisor');
  switch (resource) {
    case 'limits.cpu':
    case 'requests.cpu':
      if (!CPU_DIVISORS.has(text)) return [invalid(divisorPath, resource, "only divisor's values 1m and 1 are supported with the cpu resource")];
      break;
    case 'limits.memory':
    case 'requests.memory':
      if (!BYTE_DIVISORS.has(text)) {
        return [
          invalid(divisorPath, resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"),
        ];
      }
      break;
    case 'limits.ephemeral-storage':
    case 'requests.ephemeral-storage':
      if (!BYTE_DIVISORS.has(text)) {
        return [
          invalid(
            divisorPath,
            resource,
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource",
          ),
        ];
      }
      break;
    default:
      if (HUGEPAGE_FIELD_PREFIXES.some((p) => resource.startsWith(p)) && !BYTE_DIVISORS.has(text)) {
        return [
          invalid(divisorPath, resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource"),
        ];
      }
  }
  return [];
}

function validateContainerResourceFieldSelector(fs: ResourceFieldSelector, path: FieldPath, volume: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const resource = fs.resource ?? '';
  if (volume && !fs.containerName) errs.push(required(path.child('containerName')));
  else if (resource === '') errs.push(required(path.child('resource')));
  else if (!RESOURCE_FIELD_PATHS.has(resource) && !HUGEPAGE_FIELD_PREFIXES.some((p) => resource.startsWith(p))) {
    errs.push(notSupported(path.child('resource'), resource, sortedValues(RESOURCE_FIELD_PATHS)));
  }
  errs.push(...validateContainerResourceDivisor(resource, fs.divisor, path));
  return errs;
}

function validateKeySelector(name: string | undefined, key: string | undefined, path: FieldPath): FieldError[] {
  const errs = wrapMessages(nameIsDNSSubdomain(name ?? '', false), path.child('name'), name ?? '');
  if (!key) errs.push(required(path.child('key')));
  else errs.push(...wrapMessages(configMapKeyMessages(key), path.child('key'), key));
  return errs;
}

function validateEnvVarValueFrom(ev: EnvVar, path: FieldPath): FieldError[] {
  const from = ev.valueFrom;
  if (!from) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  if (from.fieldRef) {
    sources++;
    errs.push(...validateObjectFieldSelector(from.fieldRef, ENV_FIELD_PATHS, path.child('fieldRef')));
  }
  if (from.resourceFieldRef) {
    sources++;
    errs.push(...validateContainerResourceFieldSelector(from.resourceFieldRef, path.child('resourceFieldRef'), false));
  }
  if (from.configMapKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.configMapKeyRef.name, from.configMapKeyRef.key, path.child('configMapKeyRef')));
  }
  if (from.secretKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.secretKeyRef.name, from.secretKeyRef.key, path.child('secretKeyRef')));
  }
  if (from.fileKeyRef) {
    sources++;
    const p = path.child('fileKeyRef');
    if (!from.fileKeyRef.volumeName) errs.push(required(p.child('volumeName')));
    if (!from.fileKeyRef.path) errs.push(required(p.child('path')));
    else errs.push(...validateLocalNonReservedPath(from.fileKeyRef.path, p.child('path')));
    if (!from.fileKeyRef.key) errs.push(required(p.child('key')));
    else errs.push(...wrapMessages(envVarNameMessages(from.fileKeyRef.key), p.child('key'), from.fileKeyRef.key));
  }
  if (sources === 0) {
    errs.push(invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (ev.value) {
    errs.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  } else if (sources > 1) {
    errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

function validateEnv(vars: readonly EnvVar[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (let i = 0; i < vars.length; i++) {
    const ev = vars[i];
    if (!ev.name) errs.push(required(path.index(i).child('name')));
    else {
      const msgs = envVarNameMessages(ev.name);
      if (msgs.length > 0) errs.push(...wrapMessages(msgs, path.index(i).child('name'), ev.name));
    }
    if (ev.valueFrom) errs.push(...validateEnvVarValueFrom(ev, path.index(i).child('valueFrom')));
  }
  return errs;
}

function validateEnvFrom(sources: readonly EnvFromSource[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  sources.forEach((ev, i) => {
    const idx = path.index(i);
    if (ev.prefix) errs.push(...wrapMessages(envVarNameMessages(ev.prefix), idx.child('prefix'), ev.prefix));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      const ref = ev[kind];
      if (!ref) continue;
      n++;
      const p = idx.child(kind, 'name');
      if (!ref.name) errs.push(required(p));
      else errs.push(...wrapMessages(nameIsDNSSubdomain(ref.name, true), p, ref.name));
    }
    if (n === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateMountPropagation(propagation: string, container: AnyContainer, path: FieldPath): FieldError[] {
  const errs = checkSupported(propagation, MOUNT_PROPAGATIONS, path);
  if (propagation === 'Bidirectional' && container.securityContext?.privileged !== true) {
    errs.push(forbidden(path, 'Bidirectional mount propagation is available only to privileged containers'));
  }
  return errs;
}

function validateRecursiveReadOnly(mount: VolumeMount, path: FieldPath): FieldError[] {
  const rro = mount.recursiveReadOnly;
  if (rro === undefined || rro === 'Disabled') return [];
  if (rro === 'Enabled' || rro === 'IfPossible') {
    const errs: FieldError[] = [];
    if (!mount.readOnly) errs.push(forbidden(path, 'may only be specified when readOnly is true'));
    if (mount.mountPropagation && mount.mountPropagation !== 'None') {
      errs.push(forbidden(path, 'may only be specified when mountPropagation is None or not specified'));
    }
    return errs;
  }
  return [notSupported(path, rro, RECURSIVE_READ_ONLY)];
}

function validateVolumeMounts(
  mounts: readonly VolumeMount[],
  devices: readonly VolumeDevice[],
  volumes: ReadonlyMap<string, Volume>,
  container: AnyContainer,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (mounts.length === 0) return errs;
  const mountPoints = new Set<string>();
  const deviceNames = new Set<string>();
  const devicePaths = new Set<string>();
  for (const d of devices) {
    deviceNames.add(d.name ?? '');
    devicePaths.add(d.devicePath ?? '');
  }
  for (let i = 0; i < mounts.length; i++) {
    const mnt = mounts[i];
    const idx = path.index(i);
    const name = mnt.name ?? '';
    const mountPath = mnt.mountPath ?? '';
    if (name === '') errs.push(required(idx.child('name')));
    if (!volumes.has(name)) errs.push(notFound(idx.child('name'), name));
    if (mountPath === '') errs.push(required(idx.child('mountPath')));
    if (mountPoints.has(mountPath)) errs.push(invalid(idx.child('mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (deviceNames.has(name)) errs.push(invalid(idx.child('name'), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath)) errs.push(invalid(idx.child('mountPath'), mountPath, 'must not already exist as a path in volumeDevices'));
    if (volumes.get(name)?.image) {
      if (mnt.subPath) errs.push(invalid(idx.child('subPath'), mnt.subPath, 'not allowed in image volume sources'));
      if (mnt.subPathExpr) errs.push(invalid(idx.child('subPathExpr'), mnt.subPathExpr, 'not allowed in image volume sources'));
    }
    // Kubernetes reports these two on the list's path, not the element's.
    if (mnt.subPath) errs.push(...validateLocalDescendingPath(mnt.subPath, path.child('subPath')));
    if (mnt.subPathExpr) {
      if (mnt.subPath) errs.push(invalid(idx.child('subPathExpr'), mnt.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(mnt.subPathExpr, path.child('subPathExpr')));
    }
    if (mnt.mountPropagation !== undefined) errs.push(...validateMountPropagation(mnt.mountPropagation, container, path.child('mountPropagation')));
    if (mnt.recursiveReadOnly !== undefined) errs.push(...validateRecursiveReadOnly(mnt, path.child('recursiveReadOnly')));
  }
  return errs;
}

function validateVolumeDevices(
  devices: readonly VolumeDevice[],
  mounts: readonly VolumeMount[],
  volumes: ReadonlyMap<string, Volume>,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (devices.length === 0) return errs;
  const paths = new Set<string>();
  const names = new Set<string>();
  const mountNames = new Set(mounts.map((m) => m.name ?? ''));
  const mountPaths = new Set(mounts.map((m) => m.mountPath ?? ''));
  devices.forEach((dev, i) => {
    const idx = path.index(i);
    const name = dev.name ?? '';
    const devicePath = dev.devicePath ?? '';
    const volume = volumes.get(name);
    if (name === '') errs.push(required(idx.child('name')));
    if (names.has(name)) errs.push(invalid(idx.child('name'), name, 'must be unique'));
    if (volume && !volume.persistentVolumeClaim && !volume.ephemeral) {
      errs.push(invalid(idx.child('name'), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!volume) errs.push(notFound(idx.child('name'), name));
    if (devicePath === '') errs.push(required(idx.child('devicePath')));
    if (paths.has(devicePath)) errs.push(invalid(idx.child('devicePath'), devicePath, 'must be unique'));
    if (devicePath !== '' && validatePathNoBacksteps(devicePath, idx).length > 0) {
      errs.push(invalid(idx.child('devicePath'), devicePath, "can not contain backsteps ('..')"));
    } else {
      paths.add(devicePath);
    }
    if (mountNames.has(name)) errs.push(invalid(idx.child('name'), name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devicePath)) errs.push(invalid(idx.child('devicePath'), devicePath, 'must not already exist as a path in volumeMounts'));
    if (name !== '') names.add(name);
  });
  return errs;
}

function validateResizePolicy(policies: readonly ContainerResizePolicy[], path: FieldPath, podRestartPolicy: string): FieldError[] {
  const errs: FieldError[] = [];
  if (policies.length === 0) return errs;
  const seen = new Set<string>();
  policies.forEach((p, i) => {
    const resource = p.resourceName ?? '';
    const policy = p.restartPolicy ?? '';
    if (seen.has(resource)) errs.push(duplicate(path.index(i), resource));
    seen.add(resource);
    if (resource === '') errs.push(required(path));
    else if (resource !== 'cpu' && resource !== 'memory') errs.push(notSupported(path, resource, ['cpu', 'memory']));
    if (policy === '') errs.push(required(path));
    else if (policy !== 'NotRequired' && policy !== 'RestartContainer') errs.push(notSupported(path, policy, ['NotRequired', 'RestartContainer']));
    if (podRestartPolicy === 'Never' && policy !== 'NotRequired') {
      errs.push(invalid(path, policy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
    }
  });
  return errs;
}

function validateSeccompProfile(sp: SeccompProfile | undefined, path: FieldPath): FieldError[] {
  if (!sp) return [];
  const errs: FieldError[] = [];
  const type = sp.type ?? '';
  if (type === '') errs.push(required(path.child('type'), 'type is required when seccompProfile is set'));
  else errs.push(...checkSupported(type, ['Localhost', 'RuntimeDefault', 'Unconfined'], path.child('type')));
  if (type === 'Localhost') {
    if (sp.localhostProfile === undefined) errs.push(required(path.child('localhostProfile'), 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(sp.localhostProfile, path.child('localhostProfile')));
  } else if (sp.localhostProfile !== undefined) {
    errs.push(invalid(path.child('localhostProfile'), sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

function validateAppArmorProfile(profile: AppArmorProfile | undefined, path: FieldPath): FieldError[] {
  if (!profile) return [];
  const errs: FieldError[] = [];
  const lp = path.child('localhostProfile');
  switch (profile.type ?? '') {
    case 'Localhost': {
      const local = profile.localhostProfile;
      if (local === undefined) {
        errs.push(required(lp, 'must be set when AppArmor type is Localhost'));
      } else {
        if (local.trim() !== local) errs.push(invalid(lp, local, 'must not be padded with whitespace'));
        else if (local === '') errs.push(required(lp, 'must be set when AppArmor type is Localhost'));
        if (local.length > 4095) errs.push(tooLong(lp, '', 4095));
      }
      break;
    }
    case 'RuntimeDefault':
    case 'Unconfined':
      if (profile.localhostProfile !== undefined) errs.push(invalid(lp, profile.localhostProfile, 'can only be set when AppArmor type is Localhost'));
      break;
    case '':
      errs.push(required(path.child('type'), 'type is required when appArmorProfile is set'));
      break;
    default:
      errs.push(notSupported(path.child('type'), profile.type, ['Localhost', 'RuntimeDefault', 'Unconfined']));
  }
  return errs;
}

const CONTROL_CHARS = /[\x00-\x1f\x7f]/;
const NETBIOS_DOMAIN = /^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$/;
const DNS_LABEL_ANY_CASE = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?';
const WINDOWS_DNS_DOMAIN = new RegExp(`^${DNS_LABEL_ANY_CASE}(?:\\.${DNS_LABEL_ANY_CASE})*$`);
const INVALID_USER_CHARS = /["/\\:;|=,+*?<>@[\]]/;
const DOTS_AND_SPACES = /^[. ]+$/;

function validateWindowsOptions(options: WindowsSecurityContextOptions | undefined, path: FieldPath): FieldError[] {
  if (!options) return [];
  const errs: FieldError[] = [];
  if (options.gmsaCredentialSpecName !== undefined) {
    errs.push(...wrapMessages(dns1123SubdomainMessages(options.gmsaCredentialSpecName), path.child('gmsaCredentialSpecName'), options.gmsaCredentialSpecName));
  }
  if (options.gmsaCredentialSpec !== undefined) {
    const p = path.child('gmsaCredentialSpec');
    if (options.gmsaCredentialSpec.length === 0) errs.push(invalid(p, options.gmsaCredentialSpec, 'gmsaCredentialSpec cannot be an empty string'));
    else if (Buffer.byteLength(options.gmsaCredentialSpec) > 64 * 1024) errs.push(invalid(p, options.gmsaCredentialSpec, 'gmsaCredentialSpec size must be under 64 KiB'));
  }
  const name = options.runAsUserName;
  if (name !== undefined) {
    const p = path.child('runAsUserName');
    const parts = name.split('\\');
    if (name.length === 0) errs.push(invalid(p, name, 'runAsUserName cannot be an empty string'));
    else if (CONTROL_CHARS.test(name)) errs.push(invalid(p, name, 'runAsUserName cannot contain control characters'));
    else if (parts.length > 2) errs.push(invalid(p, name, 'runAsUserName cannot contain more than one backslash'));
    else {
      const hasDomain = parts.length === 2;
      const domain = hasDomain ? parts[0] : '';
      const user = hasDomain ? parts[1] : parts[0];
      if (domain.length >= 256) errs.push(invalid(p, name, "runAsUserName's Domain length must be under 256 characters"));
      if (hasDomain && !(NETBIOS_DOMAIN.test(domain) || WINDOWS_DNS_DOMAIN.test(domain))) {
        errs.push(invalid(p, name, "runAsUserName's Domain doesn't match the NetBios nor the DNS format"));
      }
      if (user.length === 0) errs.push(invalid(p, name, "runAsUserName's User cannot be empty"));
      else if (user.length > 104) errs.push(invalid(p, name, "runAsUserName's User length must not be longer than 104 characters"));
      if (DOTS_AND_SPACES.test(user)) errs.push(invalid(p, name, "runAsUserName's User cannot contain only periods or spaces"));
      if (INVALID_USER_CHARS.test(user)) {
        errs.push(invalid(p, name, 'runAsUserName\'s User cannot contain the following characters: "/\\:;|=,+*?<>@[]'));
      }
    }
  }
  return errs;
}

function validateSecurityContext(sc: SecurityContext | undefined, path: FieldPath, hostUsers: boolean): FieldError[] {
  if (!sc) return [];
  const errs: FieldError[] = [];
  errs.push(...validateLinuxID(sc.runAsUser, path.child('runAsUser')));
  errs.push(...validateLinuxID(sc.runAsGroup, path.child('runAsGroup')));
  if (sc.procMount !== undefined) {
    errs.push(...checkSupported(sc.procMount, ['Default', 'Unmasked'], path.child('procMount')));
    if (hostUsers && sc.procMount === 'Unmasked') errs.push(invalid(path.child('procMount'), sc.procMount, '`hostUsers` must be false to use `Unmasked`'));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap === 'CAP_SYS_ADMIN') errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  errs.push(...validateWindowsOptions(sc.windowsOptions, path.child('windowsOptions')));
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, path.child('appArmorProfile')));
  return errs;
}

// ---------------------------------------------------------------------------
// Probes and lifecycle handlers

interface Handler {
  exec?: { command?: string[] | undefined } | undefined;
  httpGet?: HTTPGetAction | undefined;
  tcpSocket?: { port?: IntOrString | undefined } | undefined;
  grpc?: { port?: number | undefined } | undefined;
  sleep?: { seconds?: number | undefined } | undefined;
}

function validateHTTPGetHandler(http: HTTPGetAction, path: FieldPath): FieldError[] {
  const p = path.child('httpGet');
  const e: FieldError[] = [];
  if (!http.path) e.push(required(p.child('path')));
  e.push(...validatePortNumOrName(http.port, p.child('port')));
  e.push(...checkSupported(http.scheme ?? '', HTTP_SCHEMES, p.child('scheme')));
  for (const header of http.httpHeaders ?? []) {
    e.push(...wrapMessages(httpHeaderNameMessages(header.name ?? ''), p.child('httpHeaders'), header.name ?? ''));
  }
  return e;
}

function validateSleepHandler(seconds: number, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  if (gracePeriod !== undefined && (seconds < 0 || seconds > gracePeriod)) {
    return [invalid(path.child('sleep'), seconds, `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`)];
  }
  return [];
}

/** The first handler type set is validated; every further one is Forbidden. (No closures: this runs per probe.) */
function validateHandler(handler: Handler, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  const tooMany = 'may not specify more than 1 handler type';
  if (handler.exec) {
    n++;
    if ((handler.exec.command ?? []).length === 0) errs.push(required(path.child('exec', 'command')));
  }
  if (handler.httpGet) {
    if (n++ > 0) errs.push(forbidden(path.child('httpGet'), tooMany));
    else errs.push(...validateHTTPGetHandler(handler.httpGet, path));
  }
  if (handler.tcpSocket) {
    if (n++ > 0) errs.push(forbidden(path.child('tcpSocket'), tooMany));
    else errs.push(...validatePortNumOrName(handler.tcpSocket.port, path.child('tcpSocket', 'port')));
  }
  if (handler.grpc) {
    if (n++ > 0) errs.push(forbidden(path.child('grpc'), tooMany));
    else errs.push(...validatePortNumOrName({ type: 0, intVal: handler.grpc.port ?? 0 }, path.child('grpc', 'port')));
  }
  if (handler.sleep) {
    if (n++ > 0) errs.push(forbidden(path.child('sleep'), tooMany));
    else errs.push(...validateSleepHandler(handler.sleep.seconds ?? 0, gracePeriod, path));
  }
  if (n === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function hasPortNamed(container: AnyContainer, name: string): boolean {
  for (const port of container.ports ?? []) if (port.name && port.name === name) return true;
  return false;
}

function checkProbePortName(port: IntOrString | undefined, container: AnyContainer, path: FieldPath, errs: FieldError[]): void {
  if (port?.type !== 1) return;
  const name = port.strVal ?? '';
  if (portNameMessages(name).length === 0 && !hasPortNamed(container, name)) errs.push(notFound(path, name));
}

/** A probe's named port must be one of the container's own port names (Kubernetes leaves this to the kubelet). */
function validateProbePortNames(probe: Probe, container: AnyContainer, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (probe.httpGet) checkProbePortName(probe.httpGet.port, container, path.child('httpGet', 'port'), errs);
  if (probe.tcpSocket) checkProbePortName(probe.tcpSocket.port, container, path.child('tcpSocket', 'port'), errs);
  return errs;
}

function validateProbe(probe: Probe, gracePeriod: number | undefined, container: AnyContainer, path: FieldPath): FieldError[] {
  const errs = validateHandler(probe, gracePeriod, path);
  errs.push(...validateProbePortNames(probe, container, path));
  errs.push(...validateNonnegativeField(probe.initialDelaySeconds, path.child('initialDelaySeconds')));
  errs.push(...validateNonnegativeField(probe.timeoutSeconds, path.child('timeoutSeconds')));
  errs.push(...validateNonnegativeField(probe.periodSeconds, path.child('periodSeconds')));
  errs.push(...validateNonnegativeField(probe.successThreshold, path.child('successThreshold')));
  errs.push(...validateNonnegativeField(probe.failureThreshold, path.child('failureThreshold')));
  if (probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds <= 0) {
    errs.push(invalid(path.child('terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  return errs;
}

function successMustBeOne(probe: Probe, p: FieldPath, errs: FieldError[]): void {
  if ((probe.successThreshold ?? 0) !== 1) errs.push(invalid(p.child('successThreshold'), probe.successThreshold ?? 0, 'must be 1'));
}

function validateProbes(c: AnyContainer, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (c.livenessProbe) {
    const p = path.child('livenessProbe');
    errs.push(...validateProbe(c.livenessProbe, gracePeriod, c, p));
    successMustBeOne(c.livenessProbe, p, errs);
  }
  if (c.readinessProbe) {
    const p = path.child('readinessProbe');
    errs.push(...validateProbe(c.readinessProbe, gracePeriod, c, p));
    if (c.readinessProbe.terminationGracePeriodSeconds !== undefined) {
      errs.push(invalid(p.child('terminationGracePeriodSeconds'), c.readinessProbe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
    }
  }
  if (c.startupProbe) {
    const p = path.child('startupProbe');
    errs.push(...validateProbe(c.startupProbe, gracePeriod, c, p));
    successMustBeOne(c.startupProbe, p, errs);
  }
  return errs;
}

function validateLifecycle(lifecycle: Lifecycle, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const handlers: [string, LifecycleHandler | undefined][] = [
    ['postStart', lifecycle.postStart],
    ['preStop', lifecycle.preStop],
  ];
  for (const [name, handler] of handlers) if (handler) errs.push(...validateHandler(handler, gracePeriod, path.child(name)));
  return errs;
}

// ---------------------------------------------------------------------------
// Containers

interface ContainerContext {
  volumes: ReadonlyMap<string, Volume>;
  podClaimNames: ReadonlySet<string>;
  gracePeriod: number | undefined;
  restartPolicy: string;
  hostUsers: boolean;
}

/** Checks every container kind shares: name, image, ports, env, mounts, pull policy, resources, security. */
function validateContainerCommon(c: AnyContainer, ctx: ContainerContext, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(path.child('name')));
  else errs.push(...isDNS1123Label(c.name, path.child('name')));
  if (!c.image) errs.push(required(path.child('image')));
  if (c.terminationMessagePolicy === undefined || !TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(...checkRequiredSupported(c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES, path.child('terminationMessagePolicy')));
  }
  // Each check below is skipped, path and all, when its field is unset: this runs per container per write.
  if (c.ports !== undefined && c.ports.length > 0) errs.push(...validateContainerPorts(c.ports, path.child('ports')));
  if (c.env !== undefined && c.env.length > 0) errs.push(...validateEnv(c.env, path.child('env')));
  if (c.envFrom !== undefined && c.envFrom.length > 0) errs.push(...validateEnvFrom(c.envFrom, path.child('envFrom')));
  if (c.volumeMounts !== undefined && c.volumeMounts.length > 0) {
    errs.push(...validateVolumeMounts(c.volumeMounts, c.volumeDevices ?? [], ctx.volumes, c, path.child('volumeMounts')));
  }
  if (c.volumeDevices !== undefined && c.volumeDevices.length > 0) {
    errs.push(...validateVolumeDevices(c.volumeDevices, c.volumeMounts ?? [], ctx.volumes, path.child('volumeDevices')));
  }
  if (c.imagePullPolicy === undefined || !PULL_POLICIES.includes(c.imagePullPolicy)) {
    errs.push(...checkRequiredSupported(c.imagePullPolicy, PULL_POLICIES, path.child('imagePullPolicy')));
  }
  if (c.resources) errs.push(...validateResourceRequirements(c.resources, validateContainerResourceName, ctx.podClaimNames, path.child('resources')));
  if (c.resizePolicy !== undefined && c.resizePolicy.length > 0) {
    errs.push(...validateResizePolicy(c.resizePolicy, path.child('resizePolicy'), ctx.restartPolicy));
  }
  if (c.securityContext) errs.push(...validateSecurityContext(c.securityContext, path.child('securityContext'), ctx.hostUsers));
  return errs;
}

function validateImageWhitespace(c: AnyContainer, path: FieldPath): FieldError[] {
  const image = c.image ?? '';
  return image.trim() !== image ? [invalid(path.child('image'), image, 'must not have leading or trailing whitespace')] : [];
}

function checkHostPortConflicts(containers: readonly Container[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (let ci = 0; ci < containers.length; ci++) {
    const ports = containers[ci].ports ?? [];
    for (let pi = 0; pi < ports.length; pi++) {
      const port = ports[pi];
      const hostPort = port.hostPort ?? 0;
      if (hostPort === 0) continue;
      const key = `${port.protocol ?? ''}/${port.hostIP ?? ''}/${hostPort}`;
      if (seen.has(key)) errs.push(duplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
      else seen.add(key);
    }
  }
  return errs;
}

const CONTAINER_RESTART_RULE_ACTIONS = ['Restart', 'RestartAllContainers'];

function validateContainerRestartRules(c: Container, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (c.restartPolicyRules === undefined || c.restartPolicyRules.length === 0) return errs;
  c.restartPolicyRules.forEach((rule, i) => {
    const p = path.index(i);
    errs.push(...checkRequiredSupported(rule.action, CONTAINER_RESTART_RULE_ACTIONS, p.child('action')));
    if (!rule.exitCodes) {
      errs.push(required(p.child('exitCodes')));
      return;
    }
    errs.push(...checkRequiredSupported(rule.exitCodes.operator, ['In', 'NotIn'], p.child('exitCodes', 'operator')));
  });
  return errs;
}

function validateContainers(containers: readonly Container[], ctx: ContainerContext, path: FieldPath): FieldError[] {
  if (containers.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i];
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, ctx, p));
    if (names.has(c.name ?? '')) errs.push(duplicate(p.child('name'), c.name ?? ''));
    else names.add(c.name ?? '');
    if (c.lifecycle) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, p.child('lifecycle')));
    errs.push(...validateProbes(c, ctx.gracePeriod, p));
    // Per-container restart policies (ContainerRestartRules) may override the pod's.
    if (c.restartPolicy !== undefined) errs.push(...checkSupported(c.restartPolicy, RESTART_POLICIES, p.child('restartPolicy')));
    if (c.restartPolicyRules !== undefined) errs.push(...validateContainerRestartRules(c, p.child('restartPolicyRules')));
  }
  errs.push(...checkHostPortConflicts(containers, path));
  return errs;
}

function validateInitContainers(
  initContainers: readonly Container[],
  containers: readonly Container[],
  ctx: ContainerContext,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (initContainers.length === 0) return errs;
  const names = new Set(containers.map((c) => c.name ?? ''));
  initContainers.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, ctx, p));
    if (c.restartPolicy !== undefined) errs.push(...checkSupported(c.restartPolicy, ['Always'], p.child('restartPolicy')));
    const restartable = c.restartPolicy === 'Always';
    const name = c.name ?? '';
    if (names.has(name)) errs.push(duplicate(p.child('name'), name));
    else if (name !== '') names.add(name);
    errs.push(...checkHostPortConflicts([c], path));
    if (restartable) {
      if (c.lifecycle) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, p.child('lifecycle')));
      errs.push(...validateProbes(c, ctx.gracePeriod, p));
    } else {
      for (const field of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[field]) errs.push(forbidden(p.child(field), 'may not be set for init containers without restartPolicy=Always'));
      }
      if ((c.resizePolicy ?? []).length > 0) errs.push(invalid(p.child('resizePolicy'), c.resizePolicy, 'must not be set for init containers'));
    }
  });
  return errs;
}

/** The Container fields an ephemeral container may not set, in the order Kubernetes checks them. */
const EPHEMERAL_FORBIDDEN_FIELDS = [
  'ports',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'restartPolicyRules',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
] as const;

function validateEphemeralContainers(
  ephemeral: readonly EphemeralContainer[],
  containers: readonly Container[],
  initContainers: readonly Container[],
  ctx: ContainerContext,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (ephemeral.length === 0) return errs;
  const others = new Set([...containers, ...initContainers].map((c) => c.name ?? ''));
  const all = new Set(others);
  ephemeral.forEach((ec, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(ec, ctx, p));
    errs.push(...validateImageWhitespace(ec, p));
    const name = ec.name ?? '';
    if (all.has(name)) errs.push(duplicate(p.child('name'), name));
    else all.add(name);
    if (ec.targetContainerName && !others.has(ec.targetContainerName)) {
      errs.push(notFound(p.child('targetContainerName'), ec.targetContainerName));
    }
    for (const field of EPHEMERAL_FORBIDDEN_FIELDS) {
      if (!isZeroValue(ec[field])) errs.push(forbidden(p.child(field), 'cannot be set for an Ephemeral Container'));
    }
    (ec.volumeMounts ?? []).forEach((vm, j) => {
      const mp = p.child('volumeMounts').index(j);
      if (vm.subPath) errs.push(forbidden(mp.child('subPath'), 'cannot be set for an Ephemeral Container'));
      if (vm.subPathExpr) errs.push(forbidden(mp.child('subPathExpr'), 'cannot be set for an Ephemeral Container'));
    });
  });
  return errs;
}

// ---------------------------------------------------------------------------
// Volumes

function validateKeyToPath(kp: KeyToPath, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!kp.key) errs.push(required(path.child('key')));
  if (!kp.path) errs.push(required(path.child('path')));
  errs.push(...validateLocalNonReservedPath(kp.path ?? '', path.child('path')));
  errs.push(...validateFileMode(kp.mode, path.child('mode')));
  return errs;
}

function validateDownwardAPIVolumeFile(file: DownwardAPIVolumeFile, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!file.path) errs.push(required(path.child('path')));
  errs.push(...validateLocalNonReservedPath(file.path ?? '', path.child('path')));
  if (file.fieldRef) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, path.child('fieldRef')));
    if (file.resourceFieldRef) errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (file.resourceFieldRef) {
    errs.push(...validateContainerResourceFieldSelector(file.resourceFieldRef, path.child('resourceFieldRef'), true));
  } else {
    errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateFileMode(file.mode, path.child('mode')));
  return errs;
}

function validateSignerName(signerName: string, path: FieldPath): FieldError[] {
  const parts = signerName.split('/');
  if (parts.length < 2 || parts[0] === '' || parts.slice(1).join('/') === '') {
    return [invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  return isDNS1123Subdomain(parts[0], path);
}

function validateProjectionSources(projection: ProjectedVolumeSource, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const allPaths = new Set<string>();
  const addPath = (p: string, name: string): void => {
    if (allPaths.has(p)) errs.push(invalid(path, name, 'conflicting duplicate paths'));
    else allPaths.add(p);
  };
  (projection.sources ?? []).forEach((source, i) => {
    let n = 0;
    const srcPath = path.child('sources').index(i);
    for (const kind of ['secret', 'configMap'] as const) {
      const src = source[kind];
      if (!src) continue;
      n++;
      const projPath = srcPath.child(kind);
      if (!src.name) errs.push(required(projPath.child('name')));
      (src.items ?? []).forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, projPath.child('items').index(j)));
        if (kp.path) addPath(kp.path, src.name ?? '');
      });
    }
    if (source.downwardAPI) {
      n++;
      const projPath = srcPath.child('downwardAPI');
      for (const file of source.downwardAPI.items ?? []) {
        errs.push(...validateDownwardAPIVolumeFile(file, projPath));
        if (file.path) addPath(file.path, file.path);
      }
    }
    if (source.serviceAccountToken) {
      n++;
      const token = source.serviceAccountToken;
      const projPath = srcPath.child('serviceAccountToken');
      const seconds = token.expirationSeconds ?? 0;
      if (seconds < 600) errs.push(invalid(projPath.child('expirationSeconds'), seconds, 'may not specify a duration less than 10 minutes'));
      if (seconds > 2 ** 32) errs.push(invalid(projPath.child('expirationSeconds'), seconds, 'may not specify a duration larger than 2^32 seconds'));
      if (!token.path) errs.push(required(path.child('path')));
      else errs.push(...validateLocalNonReservedPath(token.path, path.child('path')));
    }
    if (source.clusterTrustBundle) {
      n++;
      const ctb = source.clusterTrustBundle;
      const projPath = srcPath.child('clusterTrustBundle');
      const usingName = ctb.name !== undefined;
      const usingSigner = ctb.signerName !== undefined;
      if (usingName && usingSigner) {
        errs.push(invalid(projPath, ctb, 'only one of name and signerName may be used'));
      } else if (usingName) {
        if (ctb.name === '') errs.push(required(projPath.child('name'), 'must be a valid object name'));
        if (ctb.labelSelector) errs.push(invalid(projPath.child('labelSelector'), ctb.labelSelector, 'labelSelector must be unset if name is specified'));
      } else if (usingSigner) {
        if (ctb.signerName === '') errs.push(required(projPath.child('signerName'), 'must be a valid signer name'));
        else errs.push(...validateSignerName(ctb.signerName ?? '', projPath.child('signerName')));
        errs.push(...validateLabelSelector(ctb.labelSelector, projPath.child('labelSelector')));
      } else {
        errs.push(required(projPath, 'either name or signerName must be specified'));
      }
      if (!ctb.path) errs.push(required(projPath.child('path')));
      errs.push(...validateLocalNonReservedPath(ctb.path ?? '', projPath.child('path')));
      addPath(ctb.path ?? '', ctb.path ?? '');
    }
    if (source.podCertificate) {
      n++;
      const pc = source.podCertificate;
      const projPath = srcPath.child('podCertificate');
      if (!pc.signerName) errs.push(required(projPath.child('signerName')));
      else errs.push(...validateSignerName(pc.signerName, projPath.child('signerName')));
    }
    if (n > 1) errs.push(forbidden(srcPath, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function validateCSIDriverName(driver: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (driver.length === 0) errs.push(required(path));
  if (driver.length > 63) errs.push(tooLong(path, '', 63));
  errs.push(...wrapMessages(dns1123SubdomainMessages(driver.toLowerCase()), path, driver));
  return errs;
}

function validateVolumeSource(vol: Volume, path: FieldPath, podMeta: ObjectMeta | undefined, opts: PodSpecValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  // Kubernetes misspells one of these paths; it is kept because clients match on it.
  const more = (name: string, reported = name): boolean => {
    if (n > 0) {
      errs.push(forbidden(path.child(reported), 'may not specify more than 1 volume type'));
      return false;
    }
    n++;
    return true;
  };
  if (vol.emptyDir) {
    n++;
    if (vol.emptyDir.sizeLimit !== undefined) {
      const p = path.child('emptyDir', 'sizeLimit');
      const { quantity, errors } = parseQuantityAt(vol.emptyDir.sizeLimit, p);
      errs.push(...errors);
      if (quantity && quantity.unscaled < 0n) errs.push(forbidden(p, 'SizeLimit field must be a valid resource quantity'));
    }
  }
  if (vol.hostPath && more('hostPath')) {
    const p = path.child('hostPath');
    if (!vol.hostPath.path) errs.push(required(p.child('path')));
    else {
      errs.push(...validatePathNoBacksteps(vol.hostPath.path, p.child('path')));
      if (vol.hostPath.type !== undefined) errs.push(...checkSupported(vol.hostPath.type, HOST_PATH_TYPES, p.child('type')));
    }
  }
  if (vol.secret && more('secret')) {
    const p = path.child('secret');
    if (!vol.secret.secretName) errs.push(required(p.child('secretName')));
    errs.push(...validateFileMode(vol.secret.defaultMode, p.child('defaultMode')));
    (vol.secret.items ?? []).forEach((kp, i) => errs.push(...validateKeyToPath(kp, p.child('items').index(i))));
  }
  if (vol.nfs && more('nfs')) {
    const p = path.child('nfs');
    if (!vol.nfs.server) errs.push(required(p.child('server')));
    if (!vol.nfs.path) errs.push(required(p.child('path')));
    errs.push(...validateAbsolutePath(vol.nfs.path ?? '', p.child('path')));
  }
  if (vol.persistentVolumeClaim && more('persistentVolumeClaim')) {
    if (!vol.persistentVolumeClaim.claimName) errs.push(required(path.child('persistentVolumeClaim', 'claimName')));
  }
  if (vol.downwardAPI && more('downwardAPI', 'downwarAPI')) {
    const p = path.child('downwardAPI');
    errs.push(...validateFileMode(vol.downwardAPI.defaultMode, p.child('defaultMode')));
    for (const file of vol.downwardAPI.items ?? []) errs.push(...validateDownwardAPIVolumeFile(file, p));
  }
  if (vol.configMap && more('configMap')) {
    const p = path.child('configMap');
    if (!vol.configMap.name) errs.push(required(p.child('name')));
    errs.push(...validateFileMode(vol.configMap.defaultMode, p.child('defaultMode')));
    (vol.configMap.items ?? []).forEach((kp, i) => errs.push(...validateKeyToPath(kp, p.child('items').index(i))));
  }
  if (vol.projected && more('projected')) {
    const p = path.child('projected');
    errs.push(...validateFileMode(vol.projected.defaultMode, p.child('defaultMode')));
    errs.push(...validateProjectionSources(vol.projected, p));
  }
  if (vol.csi && more('csi')) {
    const p = path.child('csi');
    errs.push(...validateCSIDriverName(vol.csi.driver ?? '', p.child('driver')));
    const ref = vol.csi.nodePublishSecretRef;
    if (ref) {
      if (!ref.name) errs.push(required(p.child('nodePublishSecretRef', 'name')));
      else errs.push(...wrapMessages(nameIsDNSSubdomain(ref.name, false), p.child('name'), ref.name));
    }
  }
  if (vol.ephemeral && more('ephemeral')) {
    const p = path.child('ephemeral');
    const template = vol.ephemeral.volumeClaimTemplate;
    if (!template) errs.push(required(p.child('volumeClaimTemplate')));
    else errs.push(...validatePersistentVolumeClaimTemplate(template, p.child('volumeClaimTemplate')));
    if (podMeta?.name && vol.name) {
      const pvcName = `${podMeta.name}-${vol.name}`;
      for (const msg of dns1123SubdomainMessages(pvcName)) errs.push(invalid(path.child('name'), vol.name, `PVC name "${pvcName}": ${msg}`));
    }
  }
  if (vol.image && more('image')) {
    const p = path.child('image');
    if (opts.isPod && !vol.image.reference) errs.push(required(p.child('reference')));
    errs.push(...checkRequiredSupported(vol.image.pullPolicy, PULL_POLICIES, p.child('pullPolicy')));
  }
  if (n === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: the valid volumes by name, for mounts to refer to, and the errors. */
function validateVolumes(volumes: readonly Volume[], opts: PodSpecValidationOptions, path: FieldPath): { byName: Map<string, Volume>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const byName = new Map<string, Volume>();
  const names = new Set<string>();
  const podName = opts.podMeta?.name ?? '';
  const createdClaims = new Set(podName ? volumes.filter((v) => v.ephemeral).map((v) => `${podName}-${v.name ?? ''}`) : []);
  volumes.forEach((vol, i) => {
    const idx = path.index(i);
    const namePath = idx.child('name');
    const name = vol.name ?? '';
    const el = validateVolumeSource(vol, idx, opts.podMeta, opts);
    if (name === '') el.push(required(namePath));
    else el.push(...isDNS1123Label(name, namePath));
    if (names.has(name)) el.push(duplicate(namePath, name));
    if (el.length === 0) {
      names.add(name);
      byName.set(name, vol);
    } else {
      errors.push(...el);
    }
    const claim = vol.persistentVolumeClaim?.claimName;
    if (claim && createdClaims.has(claim)) {
      errors.push(invalid(idx.child('persistentVolumeClaim', 'claimName'), claim, 'must not reference a PVC that gets created for an ephemeral volume'));
    }
  });
  return { byName, errors };
}

// ---------------------------------------------------------------------------
// Scheduling: affinity, tolerations, spread constraints

function validateMatchLabelKeys(
  path: FieldPath,
  matchLabelKeys: readonly string[],
  mismatchLabelKeys: readonly string[],
  selector: PodAffinityTerm['labelSelector'],
): FieldError[] {
  const errs: FieldError[] = [];
  const labelKeys = (p: FieldPath, keys: readonly string[]): void => {
    if (keys.length === 0) return;
    if (!selector) {
      errs.push(forbidden(p, 'must not be specified when labelSelector is not set'));
      return;
    }
    keys.forEach((k, i) => errs.push(...validateLabelName(k, p.index(i))));
  };
  labelKeys(path.child('matchLabelKeys'), matchLabelKeys);
  labelKeys(path.child('mismatchLabelKeys'), mismatchLabelKeys);
  if (selector) {
    const indexOf = new Map(matchLabelKeys.map((k, i) => [k, i]));
    const selectorKeys = new Set(Object.keys(selector.matchLabels ?? {}));
    for (const expr of selector.matchExpressions ?? []) {
      const key = expr.key ?? '';
      const i = indexOf.get(key);
      if (i !== undefined && selectorKeys.has(key)) errs.push(invalid(path.index(i), key, 'exists in both matchLabelKeys and labelSelector'));
      selectorKeys.add(key);
    }
  }
  const mismatch = new Set(mismatchLabelKeys);
  matchLabelKeys.forEach((k, i) => {
    if (mismatch.has(k)) errs.push(invalid(path.child('matchLabelKeys').index(i), k, 'exists in both matchLabelKeys and mismatchLabelKeys'));
  });
  return errs;
}

function validatePodAffinityTerm(term: PodAffinityTerm, path: FieldPath): FieldError[] {
  const errs = [
    ...validateLabelSelector(term.labelSelector, path.child('labelSelector')),
    ...validateLabelSelector(term.namespaceSelector, path.child('namespaceSelector')),
  ];
  for (const ns of term.namespaces ?? []) errs.push(...wrapMessages(validateNamespaceName(ns, false), path.child('namespace'), ns));
  errs.push(...validateMatchLabelKeys(path, term.matchLabelKeys ?? [], term.mismatchLabelKeys ?? [], term.labelSelector));
  if (!term.topologyKey) errs.push(required(path.child('topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(term.topologyKey ?? '', path.child('topologyKey')));
  return errs;
}

function validateWeightedTerms(terms: readonly WeightedPodAffinityTerm[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  terms.forEach((t, j) => {
    const weight = t.weight ?? 0;
    if (weight <= 0 || weight > 100) errs.push(invalid(path.index(j).child('weight'), weight, 'must be in the range 1-100'));
    errs.push(...validatePodAffinityTerm(t.podAffinityTerm ?? {}, path.index(j).child('podAffinityTerm')));
  });
  return errs;
}

/** validateAffinity: node affinity, pod affinity and pod anti-affinity. */
export function validateAffinity(affinity: Affinity | undefined, path: FieldPath): FieldError[] {
  if (!affinity) return [];
  const errs: FieldError[] = [];
  const na = affinity.nodeAffinity;
  if (na) {
    const p = path.child('nodeAffinity');
    if (na.requiredDuringSchedulingIgnoredDuringExecution) {
      errs.push(...validateNodeSelector(na.requiredDuringSchedulingIgnoredDuringExecution, false, p.child('requiredDuringSchedulingIgnoredDuringExecution')));
    }
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      const tp = p.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      const weight = term.weight ?? 0;
      if (weight <= 0 || weight > 100) errs.push(invalid(tp.child('weight'), weight, 'must be in the range 1-100'));
      errs.push(...validateNodeSelectorTerm(term.preference ?? {}, true, tp.child('preference')));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = affinity[kind];
    if (!pa) continue;
    const p = path.child(kind);
    (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      errs.push(...validatePodAffinityTerm(term, p.child('requiredDuringSchedulingIgnoredDuringExecution').index(i)));
    });
    errs.push(...validateWeightedTerms(pa.preferredDuringSchedulingIgnoredDuringExecution ?? [], p.child('preferredDuringSchedulingIgnoredDuringExecution')));
  }
  return errs;
}

/** ValidateTolerations. */
export function validateTolerations(tolerations: readonly Toleration[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const idx = path.index(i);
    const key = t.key ?? '';
    const operator = t.operator ?? '';
    const value = t.value ?? '';
    const effect = t.effect ?? '';
    if (key !== '') errs.push(...validateLabelName(key, idx.child('key')));
    if (key === '' && operator !== 'Exists') {
      errs.push(invalid(idx.child('operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && effect !== 'NoExecute') {
      errs.push(invalid(idx.child('effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (operator) {
      case 'Equal':
      case '': {
        const msg = joinedLabelValueMessages(value);
        if (msg !== undefined) errs.push(invalid(idx.child('operator'), value, msg));
        break;
      }
      case 'Exists':
        if (value !== '') errs.push(invalid(idx.child('operator'), value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(idx.child('operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '') errs.push(...validateTaintEffect(effect, true, idx.child('effect')));
  });
  return errs;
}

function validateTopologySpreadConstraints(constraints: readonly TopologySpreadConstraint[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  constraints.forEach((c, i) => {
    const p = path.index(i);
    const maxSkew = c.maxSkew ?? 0;
    if (maxSkew <= 0) errs.push(invalid(p.child('maxSkew'), maxSkew, IS_NOT_POSITIVE));
    if (!c.topologyKey) errs.push(required(p.child('topologyKey'), 'can not be empty'));
    const action = c.whenUnsatisfiable ?? '';
    errs.push(...checkSupported(action, ['DoNotSchedule', 'ScheduleAnyway'], p.child('whenUnsatisfiable')));
    const repeated = constraints.slice(i + 1).some((o) => (o.topologyKey ?? '') === (c.topologyKey ?? '') && (o.whenUnsatisfiable ?? '') === action);
    if (repeated) errs.push(duplicate(p.child('{topologyKey, whenUnsatisfiable}'), `{${c.topologyKey ?? ''}, ${action}}`));
    if (c.minDomains !== undefined) {
      if (c.minDomains <= 0) errs.push(invalid(p.child('minDomains'), c.minDomains, IS_NOT_POSITIVE));
      if (action !== 'DoNotSchedule') {
        errs.push(invalid(p.child('minDomains'), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`));
      }
    }
    for (const policy of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const value = c[policy];
      if (value !== undefined) errs.push(...checkSupported(value, ['Honor', 'Ignore'], p.child(policy)));
    }
    const keys = c.matchLabelKeys ?? [];
    if (keys.length > 0) {
      const kp = p.child('matchLabelKeys');
      const selectorKeys = new Set<string>();
      if (c.labelSelector) {
        for (const k of Object.keys(c.labelSelector.matchLabels ?? {})) selectorKeys.add(k);
        for (const e of c.labelSelector.matchExpressions ?? []) selectorKeys.add(e.key ?? '');
      } else {
        errs.push(forbidden(kp, 'must not be specified when labelSelector is not set'));
      }
      keys.forEach((k, j) => {
        errs.push(...validateLabelName(k, kp.index(j)));
        if (selectorKeys.has(k)) errs.push(invalid(kp.index(j), k, 'exists in both matchLabelKeys and labelSelector'));
      });
    }
    errs.push(...validateLabelSelector(c.labelSelector, p.child('labelSelector')));
  });
  return errs;
}

function validateDNSConfig(config: PodDNSConfig | undefined, dnsPolicy: string | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (dnsPolicy === 'None') {
    if (!config) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if ((config.nameservers ?? []).length === 0) {
      return [required(path.child('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (!config) return errs;
  const nameservers = config.nameservers ?? [];
  if (nameservers.length > 3) errs.push(invalid(path.child('nameservers'), nameservers, 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => errs.push(...isValidIP(ns, path.child('nameservers').index(i))));
  const searches = config.searches ?? [];
  if (searches.length > 32) errs.push(invalid(path.child('searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(invalid(path.child('searches'), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    const search = s.endsWith('.') ? s.slice(0, -1) : s;
    errs.push(...isDNS1123Subdomain(search, path.child('searches').index(i)));
  });
  (config.options ?? []).forEach((o, i) => {
    if (!o.name) errs.push(required(path.child('options').index(i), 'must not be empty'));
  });
  return errs;
}

// ---------------------------------------------------------------------------
// Pod security context and OS

const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL_RE_TEXT = `^(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}$`;
const SYSCTL_RE = new RegExp(SYSCTL_RE_TEXT);

function sysctlNamespace(name: string): 'net' | 'ipc' | undefined {
  const n = name.replace(/\//g, '.');
  if (n.startsWith('net.')) return 'net';
  if (n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n === 'kernel.sem' || n.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

function validatePodSecurityContext(spec: PodSpec, path: FieldPath): FieldError[] {
  const sc: PodSecurityContext | undefined = spec.securityContext;
  if (!sc) return [];
  const errs: FieldError[] = [];
  errs.push(...validateLinuxID(sc.fsGroup, path.child('fsGroup')));
  errs.push(...validateLinuxID(sc.runAsUser, path.child('runAsUser')));
  errs.push(...validateLinuxID(sc.runAsGroup, path.child('runAsGroup')));
  (sc.supplementalGroups ?? []).forEach((g, i) => errs.push(...validateLinuxID(g, path.child('supplementalGroups').index(i))));
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const names = new Set<string>();
  (sc.sysctls ?? []).forEach((s, i) => {
    const p = path.child('sysctls').index(i).child('name');
    const name = s.name ?? '';
    if (name === '') errs.push(required(p));
    else if (name.length > 253 || !SYSCTL_RE.test(name)) errs.push(invalid(p, name, `must have at most 253 characters and match regex ${SYSCTL_RE_TEXT}`));
    else if (names.has(name)) errs.push(duplicate(p, name));
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork && ns === 'net') errs.push(invalid(p, name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC && ns === 'ipc') errs.push(invalid(p, name, "may not be specified when 'hostIPC' is true"));
    names.add(name);
  });
  if (sc.fsGroupChangePolicy !== undefined) errs.push(...checkSupported(sc.fsGroupChangePolicy, ['Always', 'OnRootMismatch'], path.child('fsGroupChangePolicy')));
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  errs.push(...validateWindowsOptions(sc.windowsOptions, path.child('windowsOptions')));
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, path.child('appArmorProfile')));
  if (sc.supplementalGroupsPolicy !== undefined) {
    errs.push(...checkSupported(sc.supplementalGroupsPolicy, ['Merge', 'Strict'], path.child('supplementalGroupsPolicy')));
  }
  if (sc.seLinuxChangePolicy !== undefined) {
    errs.push(...checkSupported(sc.seLinuxChangePolicy, ['MountOption', 'Recursive'], path.child('seLinuxChangePolicy')));
  }
  return errs;
}

/** Every container with its path, init containers first, as podshelper.VisitContainersWithPath walks them. */
function containersWithPaths(spec: PodSpec, path: FieldPath): [AnyContainer, FieldPath][] {
  return [
    ...(spec.initContainers ?? []).map((c, i): [AnyContainer, FieldPath] => [c, path.child('initContainers').index(i)]),
    ...(spec.containers ?? []).map((c, i): [AnyContainer, FieldPath] => [c, path.child('containers').index(i)]),
    ...(spec.ephemeralContainers ?? []).map((c, i): [AnyContainer, FieldPath] => [c, path.child('ephemeralContainers').index(i)]),
  ];
}

function validateOS(spec: PodSpec, path: FieldPath): FieldError[] {
  const os = spec.os;
  if (!os) return [];
  const osPath = path.child('os');
  if (!os.name) return [required(osPath.child('name'), 'cannot be empty')];
  if (!OS_NAMES.includes(os.name)) return [notSupported(osPath, os.name, OS_NAMES)];
  const errs: FieldError[] = [];
  const sc = spec.securityContext;
  const scPath = path.child('securityContext');
  if (os.name === 'linux') {
    if (sc?.windowsOptions) errs.push(forbidden(scPath.child('windowsOptions'), 'windows options cannot be set for a linux pod'));
    for (const [c, cp] of containersWithPaths(spec, path)) {
      if (c.securityContext?.windowsOptions) {
        errs.push(forbidden(cp.child('securityContext', 'windowsOptions'), 'windows options cannot be set for a linux pod'));
      }
    }
    return errs;
  }
  const notForWindows = 'cannot be set for a windows pod';
  if (sc) {
    if (sc.appArmorProfile) errs.push(forbidden(scPath.child('appArmorProfile'), notForWindows));
    if (sc.seLinuxOptions) errs.push(forbidden(scPath.child('seLinuxOptions'), notForWindows));
    if (spec.hostUsers !== undefined) errs.push(forbidden(path.child('hostUsers'), notForWindows));
    if (spec.hostPID) errs.push(forbidden(path.child('hostPID'), notForWindows));
    if (spec.hostIPC) errs.push(forbidden(path.child('hostIPC'), notForWindows));
    if (sc.seccompProfile) errs.push(forbidden(scPath.child('seccompProfile'), notForWindows));
    if (sc.fsGroup !== undefined) errs.push(forbidden(scPath.child('fsGroup'), notForWindows));
    if (sc.fsGroupChangePolicy !== undefined) errs.push(forbidden(scPath.child('fsGroupChangePolicy'), notForWindows));
    if ((sc.sysctls ?? []).length > 0) errs.push(forbidden(scPath.child('sysctls'), notForWindows));
    if (spec.shareProcessNamespace !== undefined) errs.push(forbidden(path.child('shareProcessNamespace'), notForWindows));
    if (sc.runAsUser !== undefined) errs.push(forbidden(scPath.child('runAsUser'), notForWindows));
    if (sc.runAsGroup !== undefined) errs.push(forbidden(scPath.child('runAsGroup'), notForWindows));
    if ((sc.supplementalGroups ?? []).length > 0) errs.push(forbidden(scPath.child('supplementalGroups'), notForWindows));
    if (sc.supplementalGroupsPolicy !== undefined) errs.push(forbidden(scPath.child('supplementalGroupsPolicy'), notForWindows));
    if (sc.seLinuxChangePolicy !== undefined) errs.push(forbidden(scPath.child('seLinuxChangePolicy'), notForWindows));
  }
  for (const [c, cp] of containersWithPaths(spec, path)) {
    const csc = c.securityContext;
    if (!csc) continue;
    const p = cp.child('securityContext');
    const fields = [
      'appArmorProfile',
      'seLinuxOptions',
      'seccompProfile',
      'capabilities',
      'readOnlyRootFilesystem',
      'privileged',
      'allowPrivilegeEscalation',
      'procMount',
      'runAsUser',
      'runAsGroup',
    ] as const;
    for (const f of fields) if (csc[f] !== undefined) errs.push(forbidden(p.child(f), notForWindows));
  }
  return errs;
}

function validatePodResources(spec: PodSpec, podClaimNames: ReadonlySet<string>, path: FieldPath): FieldError[] {
  const resources = spec.resources;
  if (!resources) return [];
  const errs: FieldError[] = [];
  if ((resources.claims ?? []).length > 0) errs.push(forbidden(path.child('claims'), 'claims cannot be set for Resources at pod-level'));
  const nameFn = (name: string, p: FieldPath): FieldError[] => {
    const e = validateResourceName(name, p);
    if (e.length > 0) return e;
    return isSupportedPodLevelResource(name) ? [] : [notSupported(p, name, POD_LEVEL_RESOURCES)];
  };
  errs.push(...validateResourceRequirements({ limits: resources.limits, requests: resources.requests }, nameFn, podClaimNames, path));
  const reqPath = path.child('requests');
  for (const [name, total] of aggregateContainerRequests(spec)) {
    const podValue = resources.requests?.[name];
    if (podValue === undefined || !isSupportedPodLevelResource(name)) continue;
    const podQ = parseQuantityAt(podValue, reqPath.key(name)).quantity;
    if (podQ && compareQuantity(total, podQ) > 0) {
      errs.push(invalid(reqPath.key(name), canonical(podQ), `must be greater than or equal to aggregate container requests of ${canonical(total)}`));
    }
  }
  (spec.containers ?? []).forEach((c, i) => {
    for (const [name, value] of Object.entries(c.resources?.limits ?? {})) {
      const podLimit = resources.limits?.[name];
      if (podLimit === undefined) continue;
      const cq = parseQuantityAt(value, path).quantity;
      const pq = parseQuantityAt(podLimit, path).quantity;
      if (cq && pq && compareQuantity(cq, pq) > 0) {
        const p = path.child('containers').index(i).key(name).child('limits');
        errs.push(invalid(p, canonical(cq), `must be less than or equal to pod limits of ${canonical(pq)}`));
      }
    }
  });
  return errs;
}

// ===========================================================================
// ValidatePodSpec

/**
 * Kubernetes' ValidatePodSpec. `path` is where the spec sits (`spec`, or
 * `spec.template.spec` in a workload).
 */
export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath, opts: PodSpecValidationOptions = {}): FieldError[] {
  const s: PodSpec = spec ?? {};
  const errs: FieldError[] = [];
  const grace = s.terminationGracePeriodSeconds;
  if (grace === undefined) errs.push(required(path.child('terminationGracePeriodSeconds')));
  else errs.push(...validateNonnegativeField(grace, path.child('terminationGracePeriodSeconds')));
  const hostUsers = s.hostUsers ?? true;

  const { byName, errors: volumeErrors } = validateVolumes(s.volumes ?? [], opts, path.child('volumes'));
  errs.push(...volumeErrors);

  const resourceClaims = s.resourceClaims ?? [];
  const podClaimNames = new Set<string>();
  for (const c of resourceClaims) if (c.name) podClaimNames.add(c.name);
  const claimNames = new Set<string>();
  resourceClaims.forEach((claim, i) => {
    const p = path.child('resourceClaims').index(i);
    const name = claim.name ?? '';
    if (name === '') errs.push(required(p.child('name')));
    else if (claimNames.has(name)) errs.push(duplicate(p.child('name'), name));
    else {
      errs.push(...isDNS1123Label(name, p.child('name')));
      claimNames.add(name);
    }
    const hasName = claim.resourceClaimName !== undefined;
    const hasTemplate = claim.resourceClaimTemplateName !== undefined;
    if (hasName && hasTemplate) errs.push(invalid(p, claim, 'at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified'));
    if (!hasName && !hasTemplate) errs.push(invalid(p, claim, 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
    if (hasName) errs.push(...wrapMessages(nameIsDNSSubdomain(claim.resourceClaimName ?? '', false), p.child('resourceClaimName'), claim.resourceClaimName));
    if (hasTemplate) {
      errs.push(...wrapMessages(nameIsDNSSubdomain(claim.resourceClaimTemplateName ?? '', false), p.child('resourceClaimTemplateName'), claim.resourceClaimTemplateName));
    }
  });

  const ctx: ContainerContext = { volumes: byName, podClaimNames, gracePeriod: grace, restartPolicy: s.restartPolicy ?? '', hostUsers };
  errs.push(...validateContainers(s.containers ?? [], ctx, path.child('containers')));
  errs.push(...validateInitContainers(s.initContainers ?? [], s.containers ?? [], ctx, path.child('initContainers')));
  errs.push(...validateEphemeralContainers(s.ephemeralContainers ?? [], s.containers ?? [], s.initContainers ?? [], ctx, path.child('ephemeralContainers')));
  errs.push(...validatePodResources(s, podClaimNames, path.child('resources')));

  if (s.hostNetwork) {
    (s.containers ?? []).forEach((c, i) => {
      (c.ports ?? []).forEach((port, j) => {
        const hp = port.hostPort ?? 0;
        const cp = port.containerPort ?? 0;
        if ((opts.isPod || hp !== 0) && hp !== cp) {
          errs.push(invalid(path.child('containers').index(i).child('ports').index(j).child('hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  errs.push(...checkRequiredSupported(s.restartPolicy, RESTART_POLICIES, path.child('restartPolicy')));
  errs.push(...checkRequiredSupported(s.dnsPolicy, DNS_POLICIES, path.child('dnsPolicy')));
  errs.push(...validateLabels(s.nodeSelector, path.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(s, path.child('securityContext')));
  errs.push(...validateAffinity(s.affinity, path.child('affinity')));
  errs.push(...validateDNSConfig(s.dnsConfig, s.dnsPolicy, path.child('dnsConfig')));
  const readinessGates = s.readinessGates ?? [];
  for (let i = 0; i < readinessGates.length; i++) {
    errs.push(...isQualifiedName(readinessGates[i].conditionType ?? '', path.child('readinessGates').index(i).child('conditionType')));
  }
  const schedulingGates = s.schedulingGates ?? [];
  const gates = new Set<string>();
  for (let i = 0; i < schedulingGates.length; i++) {
    const p = path.child('schedulingGates').index(i);
    const name = schedulingGates[i].name ?? '';
    errs.push(...isQualifiedName(name, p));
    if (gates.has(name)) errs.push(duplicate(p, name));
    gates.add(name);
  }
  if (s.topologySpreadConstraints !== undefined && s.topologySpreadConstraints.length > 0) {
    errs.push(...validateTopologySpreadConstraints(s.topologySpreadConstraints, path.child('topologySpreadConstraints')));
  }
  if (s.hostUsers === false) {
    const when = 'when `pod.Spec.HostUsers` is false';
    if (s.hostNetwork) errs.push(forbidden(path.child('hostNetwork'), when));
    if (s.hostPID) errs.push(forbidden(path.child('HostPID'), when));
    if (s.hostIPC) errs.push(forbidden(path.child('HostIPC'), when));
  }
  if (s.serviceAccountName) errs.push(...wrapMessages(nameIsDNSSubdomain(s.serviceAccountName, false), path.child('serviceAccountName'), s.serviceAccountName));
  if (s.nodeName) errs.push(...wrapMessages(nameIsDNSSubdomain(s.nodeName, false), path.child('nodeName'), s.nodeName));
  if (s.activeDeadlineSeconds !== undefined && (s.activeDeadlineSeconds < 1 || s.activeDeadlineSeconds > MAX_INT32)) {
    errs.push(invalid(path.child('activeDeadlineSeconds'), s.activeDeadlineSeconds, inclusiveRangeError(1, MAX_INT32)));
  }
  if (s.hostname) errs.push(...isDNS1123Label(s.hostname, path.child('hostname')));
  if (s.subdomain) errs.push(...isDNS1123Label(s.subdomain, path.child('subdomain')));
  if (s.tolerations !== undefined && s.tolerations.length > 0) errs.push(...validateTolerations(s.tolerations, path.child('tolerations')));
  const hostAliases = s.hostAliases ?? [];
  for (let i = 0; i < hostAliases.length; i++) {
    const alias = hostAliases[i];
    const p = path.child('hostAliases').index(i);
    errs.push(...isValidIP(alias.ip ?? '', p.child('ip')));
    (alias.hostnames ?? []).forEach((h, j) => errs.push(...isDNS1123Subdomain(h, p.child('hostnames').index(j))));
  }
  if (s.priorityClassName) errs.push(...wrapMessages(nameIsDNSSubdomain(s.priorityClassName, false), path.child('priorityClassName'), s.priorityClassName));
  if (s.runtimeClassName !== undefined) errs.push(...isDNS1123Subdomain(s.runtimeClassName, path.child('runtimeClassName')));
  if (s.preemptionPolicy !== undefined) errs.push(...checkRequiredSupported(s.preemptionPolicy, PREEMPTION_POLICIES, path.child('preemptionPolicy')));
  if (s.overhead !== undefined) {
    errs.push(...validateResourceRequirements({ limits: s.overhead }, validateContainerResourceName, podClaimNames, path.child('overhead')));
  }
  errs.push(...validateOS(s, path));
  return errs;
}

/** Checks only a Pod (not a template) gets: images without surrounding whitespace, tokens need a service account. */
export function validatePodOnlySpec(spec: PodSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.serviceAccountName) {
    (spec.volumes ?? []).forEach((v, vi) => {
      (v.projected?.sources ?? []).forEach((source, si) => {
        if (source.serviceAccountToken) {
          errs.push(
            forbidden(
              path.child('volumes').index(vi).child('projected', 'sources').index(si).child('serviceAccountToken'),
              'must not be specified when serviceAccountName is not set',
            ),
          );
        }
      });
    });
  }
  const containers = spec.containers ?? [];
  for (let i = 0; i < containers.length; i++) errs.push(...validateImageWhitespace(containers[i], path.child('containers').index(i)));
  const initContainers = spec.initContainers ?? [];
  for (let i = 0; i < initContainers.length; i++) errs.push(...validateImageWhitespace(initContainers[i], path.child('initContainers').index(i)));
  return errs;
}

