/**
 * Service and Endpoints: defaults, validation, and what Kubernetes' service
 * registry does to an update before validating it (keeping allocated IPs and
 * node ports a client left out, dropping fields a new type no longer uses).
 */
import type { Endpoints, EndpointAddress, EndpointPort, LoadBalancerStatus, Service, ServicePort, ServiceSpec } from '../generated/core/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, duplicate, forbidden, invalid, notSupported, required } from '../validation/field-path';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
  parseIP,
  portNumMessages,
  validateLabels,
} from '../validation/primitives';
import { checkRequiredSupported, checkSupported, semanticEqual, sortedValues, wrapMessages } from './core-v1-common';
import { validatePortNumOrName } from './core-v1-pod-spec';

const SPEC = FieldPath.root('spec');
const SERVICE_TYPES = sortedValues(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
const SESSION_AFFINITIES = sortedValues(['ClientIP', 'None']);
const PROTOCOLS = sortedValues(['TCP', 'UDP', 'SCTP']);
const TRAFFIC_POLICIES = sortedValues(['Cluster', 'Local']);
const IP_FAMILIES = sortedValues(['IPv4', 'IPv6']);
const IP_FAMILY_POLICIES = sortedValues(['SingleStack', 'PreferDualStack', 'RequireDualStack']);
const TRAFFIC_DISTRIBUTIONS = ['PreferClose', 'PreferSameZone', 'PreferSameNode'];
const LB_IP_MODES = sortedValues(['VIP', 'Proxy']);
const DEFAULT_CLIENT_IP_TIMEOUT = 10800;
const MAX_CLIENT_IP_TIMEOUT = 86400;
const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

function specOf(svc: Service): ServiceSpec {
  return svc.spec ?? {};
}

function externallyAccessible(spec: ServiceSpec): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0);
}

function needsHealthCheck(spec: ServiceSpec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function needsClusterIP(spec: ServiceSpec): boolean {
  return spec.type !== 'ExternalName';
}

function needsNodePort(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function isHeadless(spec: ServiceSpec): boolean {
  const ips = spec.clusterIPs ?? [];
  return ips.length === 1 && ips[0] === 'None';
}

function isIPv6(ip: string): boolean {
  const parsed = parseIP(ip);
  if (!parsed) return false;
  if (parsed.family === 4) return false;
  const b = parsed.bytes;
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return !mapped;
}

// ---------------------------------------------------------------------------
// Defaults

export function applyServiceDefaults(svc: Service): void {
  const spec = (svc.spec ??= {});
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') spec.sessionAffinityConfig = undefined;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const port of spec.ports ?? []) {
    if (!port.protocol) port.protocol = 'TCP';
    const t = port.targetPort;
    const unset = !t || ((t.type ?? 0) === 0 && !t.intVal) || (t.type === 1 && !t.strVal);
    if (unset) port.targetPort = { type: 0, intVal: port.port ?? 0 };
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type)) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    spec.allocateLoadBalancerNodePorts ??= true;
    for (const ingress of svc.status?.loadBalancer?.ingress ?? []) if (ingress.ip && !ingress.ipMode) ingress.ipMode = 'VIP';
  }
  if (spec.type !== 'ExternalName' && spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = 'SingleStack';
}

// ---------------------------------------------------------------------------
// What the service registry does before validating

/** On create, a client that sets only clusterIP gets clusterIPs filled in. */
function normalizeClusterIPsOnCreate(spec: ServiceSpec): void {
  if (spec.clusterIP && (spec.clusterIPs ?? []).length === 0) spec.clusterIPs = [spec.clusterIP];
}

function sameStrings(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** patchAllocatedValues: values the apiserver allocated survive an update that leaves them out. */
function patchAllocatedValues(spec: ServiceSpec, old: ServiceSpec): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (!spec.clusterIP) spec.clusterIP = old.clusterIP;
    if ((spec.clusterIPs ?? []).length === 0 && spec.clusterIP === old.clusterIP) spec.clusterIPs = old.clusterIPs;
    if ((spec.ipFamilies ?? []).length === 0 && spec.clusterIP === old.clusterIP) spec.ipFamilies = old.ipFamilies;
  }
  if (needsNodePort(old) && needsNodePort(spec)) {
    for (const port of spec.ports ?? []) {
      if (port.nodePort) continue;
      const match = (old.ports ?? []).find((o) => o.port === port.port && (o.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
      if (match?.nodePort) port.nodePort = match.nodePort;
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(spec) && !spec.healthCheckNodePort) spec.healthCheckNodePort = old.healthCheckNodePort;
}

/** normalizeClusterIPs for an update: keeps clusterIP and clusterIPs in step the way the client most likely meant. */
function normalizeClusterIPsOnUpdate(spec: ServiceSpec, old: ServiceSpec): void {
  if ((old.clusterIPs ?? []).length > 0 && (spec.clusterIPs ?? []).length === 0 && (old.clusterIP ?? '') === (spec.clusterIP ?? '')) {
    spec.clusterIPs = old.clusterIPs;
  }
  if ((old.clusterIP ?? '') !== (spec.clusterIP ?? '')) {
    const same = sameStrings(old.clusterIPs, spec.clusterIPs);
    if (old.clusterIP && !spec.clusterIP) {
      if (same) spec.clusterIPs = undefined;
    } else if (same) {
      spec.clusterIPs = spec.clusterIP ? [spec.clusterIP] : undefined;
    }
  }
}

function sameNodePorts(a: ServiceSpec, b: ServiceSpec): boolean {
  const x = (a.ports ?? []).map((p) => p.nodePort ?? 0);
  const y = (b.ports ?? []).map((p) => p.nodePort ?? 0);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** dropTypeDependentFields: a type change clears what the old type needed and the client did not touch. */
function dropTypeDependentFields(svc: Service, oldSvc: Service): void {
  const spec = specOf(svc);
  const old = specOf(oldSvc);
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (sameStrings(old.clusterIPs, spec.clusterIPs) && (old.clusterIP ?? '') === (spec.clusterIP ?? '')) {
      spec.clusterIP = undefined;
      spec.clusterIPs = undefined;
    }
    if (sameStrings(old.ipFamilies, spec.ipFamilies)) spec.ipFamilies = undefined;
    if (old.ipFamilyPolicy === spec.ipFamilyPolicy) spec.ipFamilyPolicy = undefined;
  }
  if (needsNodePort(old) && !needsNodePort(spec) && sameNodePorts(old, spec)) {
    for (const port of spec.ports ?? []) port.nodePort = undefined;
  }
  if (needsHealthCheck(old) && !needsHealthCheck(spec) && (old.healthCheckNodePort ?? 0) === (spec.healthCheckNodePort ?? 0)) {
    spec.healthCheckNodePort = undefined;
  }
  if (old.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (old.allocateLoadBalancerNodePorts !== undefined && old.allocateLoadBalancerNodePorts === spec.allocateLoadBalancerNodePorts) {
      spec.allocateLoadBalancerNodePorts = undefined;
    }
    if (old.loadBalancerClass === spec.loadBalancerClass) spec.loadBalancerClass = undefined;
  }
  if (externallyAccessible(old) && !externallyAccessible(spec) && old.externalTrafficPolicy === spec.externalTrafficPolicy) {
    spec.externalTrafficPolicy = undefined;
  }
  if (spec.type !== 'LoadBalancer' && svc.status) svc.status = { ...svc.status, loadBalancer: {} };
}

// ---------------------------------------------------------------------------
// Validation

/** ValidateNonSpecialIP: addresses a Service or Endpoints may not point at. */
export function validateNonSpecialIP(ip: string, path: FieldPath): FieldError[] {
  const parsed = parseIP(ip);
  if (!parsed) return [invalid(path, ip, 'must be a valid IP address')];
  let b = parsed.bytes;
  const mapped = parsed.family === 6 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) b = b.slice(12);
  const errs: FieldError[] = [];
  if (b.every((x) => x === 0)) errs.push(invalid(path, ip, `may not be unspecified (${ip})`));
  const v4 = b.length === 4;
  const loopback = v4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  if (loopback) errs.push(invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  const linkLocal = v4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
  if (linkLocal) errs.push(invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  const linkLocalMulticast = v4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02;
  if (linkLocalMulticast) errs.push(invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

function validateServicePort(port: ServicePort, requireName: boolean, names: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = port.name ?? '';
  if (requireName && name === '') {
    errs.push(required(path.child('name')));
  } else if (name !== '') {
    errs.push(...isDNS1123Label(name, path.child('name')));
    if (names.has(name)) errs.push(duplicate(path.child('name'), name));
    else names.add(name);
  }
  const num = port.port ?? 0;
  errs.push(...wrapMessages(portNumMessages(num), path.child('port'), num));
  errs.push(...checkRequiredSupported(port.protocol, PROTOCOLS, path.child('protocol')));
  errs.push(...validatePortNumOrName(port.targetPort, path.child('targetPort')));
  if (port.appProtocol !== undefined) errs.push(...isQualifiedName(port.appProtocol, path.child('appProtocol')));
  return errs;
}

function validateClusterIPsRelatedFields(spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ipsPath = SPEC.child('clusterIPs');
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(required(ipsPath));
    else if (ips[0] !== spec.clusterIP) errs.push(invalid(ipsPath, ips, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(invalid(ipsPath, ips, 'must be empty when `clusterIP` is not specified'));
  }
  const families = spec.ipFamilies ?? [];
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(notSupported(SPEC.child('ipFamilies').index(i), f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(SPEC.child('ipFamilies').index(i), f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined) errs.push(...checkSupported(spec.ipFamilyPolicy, IP_FAMILY_POLICIES, SPEC.child('ipFamilyPolicy')));
  let hasInvalid = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        hasInvalid = true;
        errs.push(invalid(ipsPath, ips, "'None' must be the first and only value"));
      }
      return;
    }
    const e = isValidIP(ip, ipsPath.index(i));
    if (e.length > 0) hasInvalid = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalid(ipsPath, ips, 'may only hold up to 2 values'));
  if (hasInvalid) return errs;
  if (ips.length > 1 && isIPv6(ips[0]) === isIPv6(ips[1])) {
    errs.push(invalid(ipsPath, ips, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec) && ips.length > 0 && families.length > 0) {
    ips.forEach((ip, i) => {
      if (i >= families.length) return;
      if (families[i] === 'IPv4' && isIPv6(ip)) errs.push(invalid(ipsPath.index(i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && !isIPv6(ip)) errs.push(invalid(ipsPath.index(i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

/** ValidateService, without the metadata checks the apiserver makes for every kind. */
export function validateService(svc: Service): FieldError[] {
  const spec = specOf(svc);
  const errs: FieldError[] = [];
  const ports = spec.ports ?? [];
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(required(SPEC.child('ports')));
  switch (spec.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) errs.push(invalid(SPEC.child('clusterIPs').index(0), 'None', `may not be set to 'None' for ${spec.type} services`));
      break;
    case 'ExternalName': {
      if ((spec.clusterIPs ?? []).length > 0) errs.push(forbidden(SPEC.child('clusterIPs'), 'may not be set for ExternalName services'));
      if ((spec.ipFamilies ?? []).length > 0) errs.push(forbidden(SPEC.child('ipFamilies'), 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined) errs.push(forbidden(SPEC.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      const cname = (spec.externalName ?? '').replace(/\.$/, '');
      if (cname !== '') errs.push(...isDNS1123Subdomain(cname, SPEC.child('externalName')));
      else errs.push(required(SPEC.child('externalName')));
      break;
    }
    default:
  }
  const names = new Set<string>();
  ports.forEach((port, i) => errs.push(...validateServicePort(port, ports.length > 1, names, SPEC.child('ports').index(i))));
  if (spec.selector !== undefined) errs.push(...validateLabels(spec.selector, SPEC.child('selector')));

  const affinity = spec.sessionAffinity ?? '';
  errs.push(...checkRequiredSupported(affinity, SESSION_AFFINITIES, SPEC.child('sessionAffinity')));
  const configPath = SPEC.child('sessionAffinityConfig');
  if (affinity === 'ClientIP') {
    const when = 'when session affinity type is ClientIP';
    const config = spec.sessionAffinityConfig;
    if (!config) errs.push(required(configPath, when));
    else if (!config.clientIP) errs.push(required(configPath.child('clientIP'), when));
    else if (config.clientIP.timeoutSeconds === undefined) errs.push(required(configPath.child('clientIP', 'timeoutSeconds'), when));
    else {
      const t = config.clientIP.timeoutSeconds;
      if (t <= 0 || t > MAX_CLIENT_IP_TIMEOUT) {
        errs.push(invalid(configPath.child('clientIP', 'timeoutSeconds'), t, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT}`));
      }
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(forbidden(configPath, 'must not be set when session affinity is None'));
  }

  errs.push(...validateClusterIPsRelatedFields(spec));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const p = SPEC.child('externalIPs').index(i);
    const e = isValidIP(ip, p);
    errs.push(...(e.length > 0 ? e : validateNonSpecialIP(ip, p)));
  });
  errs.push(...checkRequiredSupported(spec.type, SERVICE_TYPES, SPEC.child('type')));
  if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') {
    ports.forEach((port, i) => {
      if (port.nodePort) errs.push(forbidden(SPEC.child('ports').index(i).child('nodePort'), `may not be used when \`type\` is '${spec.type}'`));
    });
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((port, i) => {
    const p = SPEC.child('ports').index(i);
    if (port.nodePort) {
      const key = `${port.protocol ?? ''}/${port.nodePort}`;
      if (nodePorts.has(key)) errs.push(duplicate(p.child('nodePort'), port.nodePort));
      nodePorts.add(key);
    }
    const key = `${port.protocol ?? ''}/${port.port ?? 0}`;
    if (portKeys.has(key)) errs.push(duplicate(p, { protocol: port.protocol ?? '', port: port.port ?? 0 }));
    portKeys.add(key);
  });

  const ranges = spec.loadBalancerSourceRanges ?? [];
  const annotation = svc.metadata?.annotations?.[LB_SOURCE_RANGES_ANNOTATION];
  if (ranges.length > 0) {
    const p = SPEC.child('LoadBalancerSourceRanges');
    if (spec.type !== 'LoadBalancer') errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...isValidCIDR(r.trim(), p.index(i))));
  } else if (annotation !== undefined) {
    const p = FieldPath.root('metadata', 'annotations').key(LB_SOURCE_RANGES_ANNOTATION);
    if (spec.type !== 'LoadBalancer') errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    const value = annotation.trim();
    if (value !== '') for (const cidr of value.split(',')) errs.push(...isValidCIDR(cidr.trim(), p));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.type !== 'LoadBalancer') {
    errs.push(forbidden(SPEC.child('allocateLoadBalancerNodePorts'), "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) {
    errs.push(required(FieldPath.root('allocateLoadBalancerNodePorts')));
  }
  if (spec.type === 'LoadBalancer') {
    if (spec.loadBalancerClass !== undefined) errs.push(...isQualifiedName(spec.loadBalancerClass, SPEC.child('loadBalancerClass')));
  } else if (spec.loadBalancerClass !== undefined) {
    errs.push(forbidden(SPEC.child('loadBalancerClass'), "may only be used when `type` is 'LoadBalancer'"));
  }

  const etp = spec.externalTrafficPolicy ?? '';
  if (!externallyAccessible(spec)) {
    if (etp !== '') errs.push(invalid(SPEC.child('externalTrafficPolicy'), etp, 'may only be set for externally-accessible services'));
  } else {
    errs.push(...checkRequiredSupported(etp, TRAFFIC_POLICIES, SPEC.child('externalTrafficPolicy')));
  }
  const hc = spec.healthCheckNodePort ?? 0;
  if (!needsHealthCheck(spec)) {
    if (hc !== 0) {
      errs.push(invalid(SPEC.child('healthCheckNodePort'), hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (hc !== 0) {
    errs.push(...wrapMessages(portNumMessages(hc), SPEC.child('healthCheckNodePort'), hc));
  }
  if (spec.internalTrafficPolicy === undefined) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') errs.push(required(SPEC.child('internalTrafficPolicy')));
  } else {
    errs.push(...checkSupported(spec.internalTrafficPolicy, TRAFFIC_POLICIES, SPEC.child('internalTrafficPolicy')));
  }
  if (spec.trafficDistribution !== undefined) {
    errs.push(...checkSupported(spec.trafficDistribution, TRAFFIC_DISTRIBUTIONS, SPEC.child('trafficDistribution')));
  }
  return errs;
}

function validateLoadBalancerStatus(status: LoadBalancerStatus | undefined, spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const ingressPath = FieldPath.root('status', 'loadBalancer', 'ingress');
  const ingress = status?.ingress ?? [];
  if (spec.type !== 'LoadBalancer' && ingress.length > 0) {
    return [forbidden(ingressPath, "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  ingress.forEach((ing, i) => {
    const p = ingressPath.index(i);
    if (ing.ip) errs.push(...isValidIP(ing.ip, p.child('ip')));
    if (ing.ipMode === undefined) {
      if (ing.ip) errs.push(required(p.child('ipMode'), 'must be specified when `ip` is set'));
    } else if (!ing.ip) {
      errs.push(forbidden(p.child('ipMode'), 'may not be specified when `ip` is not set'));
    } else {
      errs.push(...checkSupported(ing.ipMode, LB_IP_MODES, p.child('ipMode')));
    }
    if (ing.hostname) {
      errs.push(...isDNS1123Subdomain(ing.hostname, p.child('hostname')));
      if (parseIP(ing.hostname)) errs.push(invalid(p.child('hostname'), ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

function validateUpgradeDowngradeClusterIPs(old: ServiceSpec, spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName') return [];
  if (isHeadless(old) && isHeadless(spec)) return [];
  const errs: FieldError[] = [];
  const before = old.clusterIPs ?? [];
  const after = spec.clusterIPs ?? [];
  const p = SPEC.child('clusterIPs');
  if (before.length === after.length) {
    before.forEach((ip, i) => {
      if (ip !== after[i]) errs.push(invalid(p.index(i), after, 'may not change once set'));
    });
  } else if (before.length > after.length) {
    if (after.length === 0) errs.push(invalid(p.index(0), after, 'primary clusterIP can not be unset'));
    if (before.length > 0 && after.length > 0 && after[0] !== before[0]) errs.push(invalid(p.index(0), after, 'may not change once set'));
    if (after.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid(SPEC.child('ipFamilyPolicy'), spec.ipFamilyPolicy ?? 'null', "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (before.length > 0 && after[0] !== before[0]) {
    errs.push(invalid(p.index(0), after, 'may not change once set'));
  }
  return errs;
}

function validateUpgradeDowngradeIPFamilies(old: ServiceSpec, spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName') return [];
  if (isHeadless(old) !== isHeadless(spec) || isHeadless(spec)) return [];
  const errs: FieldError[] = [];
  const before = old.ipFamilies ?? [];
  const after = spec.ipFamilies ?? [];
  const p = SPEC.child('ipFamilies').index(0);
  if (before.length === after.length) {
    before.forEach((f, i) => {
      if (f !== after[i]) errs.push(invalid(p, after, 'may not change once set'));
    });
  } else if (before.length > after.length) {
    if ((spec.clusterIPs ?? []).length === 0) errs.push(invalid(p, after, 'primary ipFamily can not be unset'));
    if (after.length > 0 && after[0] !== before[0]) errs.push(invalid(p, spec.clusterIPs ?? [], 'may not change once set'));
    if (after.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid(SPEC.child('ipFamilyPolicy'), spec.ipFamilyPolicy ?? 'null', "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (before.length > 0 && after.length > 0 && after[0] !== before[0]) {
    errs.push(invalid(p, spec.clusterIPs ?? [], 'may not change once set'));
  }
  return errs;
}

/** ValidateServiceUpdate: cluster IPs and IP families may not change once set, nor loadBalancerClass or healthCheckNodePort. */
export function validateServiceUpdate(svc: Service, oldSvc: Service): FieldError[] {
  const spec = specOf(svc);
  const old = specOf(oldSvc);
  const errs = [...validateUpgradeDowngradeClusterIPs(old, spec), ...validateUpgradeDowngradeIPFamilies(old, spec)];
  if (old.type === 'LoadBalancer' && spec.type === 'LoadBalancer' && old.loadBalancerClass !== spec.loadBalancerClass) {
    errs.push(invalid(SPEC.child('loadBalancerClass'), spec.loadBalancerClass ?? 'null', 'may not change once set'));
  }
  if (needsHealthCheck(old) && needsHealthCheck(spec) && (old.healthCheckNodePort ?? 0) !== (spec.healthCheckNodePort ?? 0)) {
    errs.push(forbidden(SPEC.child('healthCheckNodePort'), 'field is immutable'));
  }
  errs.push(...validateService(svc));
  if (!semanticEqual(svc.status, oldSvc.status)) errs.push(...validateLoadBalancerStatus(svc.status?.loadBalancer, spec));
  return errs;
}

export const serviceStrategy: KindStrategy<Service> = {
  nameValidator: nameIsDNS1035Label,
  applyDefaults: applyServiceDefaults,
  prepareForCreate(svc) {
    svc.status = {};
    normalizeClusterIPsOnCreate((svc.spec ??= {}));
  },
  prepareForUpdate(svc, old) {
    const spec = (svc.spec ??= {});
    patchAllocatedValues(spec, specOf(old));
    normalizeClusterIPsOnUpdate(spec, specOf(old));
    dropTypeDependentFields(svc, old);
  },
  validate: validateService,
  validateUpdate: validateServiceUpdate,
};

// ---------------------------------------------------------------------------
// Endpoints

export function applyEndpointsDefaults(ep: Endpoints): void {
  for (const subset of ep.subsets ?? []) for (const port of subset.ports ?? []) if (!port.protocol) port.protocol = 'TCP';
}

function validateEndpointAddress(address: EndpointAddress, path: FieldPath): FieldError[] {
  const ip = address.ip ?? '';
  const errs = isValidIP(ip, path.child('ip'));
  if (address.hostname) errs.push(...isDNS1123Label(address.hostname, path.child('hostname')));
  if (address.nodeName !== undefined) errs.push(...wrapMessages(nameIsDNSSubdomain(address.nodeName, false), path.child('nodeName'), address.nodeName));
  errs.push(...validateNonSpecialIP(ip, path.child('ip')));
  return errs;
}

function validateEndpointPort(port: EndpointPort, requireName: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = port.name ?? '';
  if (requireName && name === '') errs.push(required(path.child('name')));
  else if (name !== '') errs.push(...isDNS1123Label(name, path.child('name')));
  const num = port.port ?? 0;
  errs.push(...wrapMessages(portNumMessages(num), path.child('port'), num));
  errs.push(...checkRequiredSupported(port.protocol, PROTOCOLS, path.child('protocol')));
  if (port.appProtocol !== undefined) errs.push(...isQualifiedName(port.appProtocol, path.child('appProtocol')));
  return errs;
}

export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = FieldPath.root('subsets').index(i);
    const ready = ss.addresses ?? [];
    const notReady = ss.notReadyAddresses ?? [];
    if (ready.length === 0 && notReady.length === 0) errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    ready.forEach((a, j) => errs.push(...validateEndpointAddress(a, p.child('addresses').index(j))));
    notReady.forEach((a, j) => errs.push(...validateEndpointAddress(a, p.child('notReadyAddresses').index(j))));
    const ports = ss.ports ?? [];
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, p.child('ports').index(j))));
  });
  return errs;
}

export const endpointsStrategy: KindStrategy<Endpoints> = {
  applyDefaults: applyEndpointsDefaults,
  validate: validateEndpoints,
  validateUpdate: (ep) => validateEndpoints(ep),
};
