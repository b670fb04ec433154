/**
 * The cluster's records, computed from Services, Endpoints, EndpointSlices and Pods as the
 * Kubernetes DNS specification lays them out. Everything here is a pure function of the objects
 * a `ClusterView` returns; the view over the informer caches lives in cluster-cache.ts.
 */
import { isIPv4 } from 'node:net';
import type { corev1, discoveryv1 } from '@minik8s/api';
import { RRClass, RRType, type RecordData, type ResourceRecord } from './dns-message';

/** The label EndpointSlices carry to name their Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Read-only lookups over the cluster's objects; answers must come from local caches. */
export interface ClusterView {
  service(namespace: string, name: string): corev1.Service | undefined;
  /** Services whose spec.clusterIP or spec.clusterIPs hold `ip`. */
  servicesByClusterIP(ip: string): corev1.Service[];
  /** Whether a Service or a Pod lives in the namespace (so `<ns>.svc.<zone>` exists). */
  hasNamespace(namespace: string): boolean;
  endpoints(namespace: string, name: string): corev1.Endpoints | undefined;
  endpointSlices(namespace: string, serviceName: string): discoveryv1.EndpointSlice[];
  /** Endpoints and EndpointSlices that list `ip` among their addresses. */
  endpointsByIP(ip: string): corev1.Endpoints[];
  endpointSlicesByIP(ip: string): discoveryv1.EndpointSlice[];
  podsByIP(ip: string): corev1.Pod[];
}

/** One backend of a Service as DNS sees it. */
export interface ServiceEndpoint {
  ip: string;
  /** The endpoint's hostname (a StatefulSet pod's name, or a pod's spec.hostname). */
  hostname?: string;
  ports: { name: string; port: number; protocol: string }[];
}

/** The answer for one name in the cluster zone. */
export type ZoneLookup =
  | { kind: 'nxdomain' }
  /** The name exists; `answers` may be empty (NODATA) or end in a CNAME out of the zone. */
  | { kind: 'found'; answers: ResourceRecord[]; additionals: ResourceRecord[] };

export interface ZoneOptions {
  /** The cluster domain, canonical: `cluster.local`. */
  zone: string;
  ttl: number;
}

export function isHeadless(service: corev1.Service): boolean {
  return service.spec?.clusterIP === 'None';
}

export function isExternalName(service: corev1.Service): boolean {
  return service.spec?.type === 'ExternalName';
}

/** `10.244.1.5` → `10-244-1-5`, the label the specification uses for pods and nameless endpoints. */
export function dashedIP(ip: string): string {
  return ip.replace(/\./g, '-');
}

/** `10-244-1-5` → `10.244.1.5`, or undefined when the label is not a dashed IPv4 address. */
export function undashIP(label: string): string | undefined {
  const ip = label.replace(/-/g, '.');
  return /^\d+-\d+-\d+-\d+$/.test(label) && isIPv4(ip) ? ip : undefined;
}

/** `10.96.0.10` → `10.0.96.10.in-addr.arpa`. */
export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** `10.0.96.10.in-addr.arpa` → `10.96.0.10`; undefined for other names (or partial ones). */
export function ipFromReverseName(name: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
  if (!m) return undefined;
  const ip = `${m[4]}.${m[3]}.${m[2]}.${m[1]}`;
  return isIPv4(ip) ? ip : undefined;
}

function clusterIPs(service: corev1.Service): string[] {
  const ips = [service.spec?.clusterIP ?? '', ...(service.spec?.clusterIPs ?? [])];
  return [...new Set(ips.filter((ip) => ip && ip !== 'None' && isIPv4(ip)))];
}

/**
 * The backends DNS publishes for a Service: its EndpointSlices when it has any, else its
 * Endpoints. Only ready addresses count, unless the Service publishes not-ready ones. IPv4 only;
 * an address listed twice is merged.
 */
export function serviceEndpoints(
  service: corev1.Service,
  endpoints: corev1.Endpoints | undefined,
  slices: readonly discoveryv1.EndpointSlice[],
): ServiceEndpoint[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const byIP = new Map<string, ServiceEndpoint>();
  const add = (ip: string | undefined, hostname: string | undefined, ports: ServiceEndpoint['ports']): void => {
    if (!ip || !isIPv4(ip)) return;
    const known = byIP.get(ip);
    if (!known) {
      byIP.set(ip, { ip, hostname: hostname || undefined, ports: [...ports] });
      return;
    }
    known.hostname ??= hostname || undefined;
    for (const p of ports) {
      if (!known.ports.some((k) => k.name === p.name && k.port === p.port && k.protocol === p.protocol)) known.ports.push(p);
    }
  };
  const portsOf = (ports: readonly { name?: string; port?: number; protocol?: string }[] | undefined): ServiceEndpoint['ports'] =>
    (ports ?? []).filter((p) => p.port).map((p) => ({ name: p.name ?? '', port: p.port ?? 0, protocol: (p.protocol || 'TCP').toUpperCase() }));

  const usable = slices.filter((s) => (s.addressType ?? 'IPv4') === 'IPv4');
  if (usable.length > 0) {
    for (const slice of usable) {
      const ports = portsOf(slice.ports);
      for (const ep of slice.endpoints ?? []) {
        // A nil ready condition means ready (discovery/v1).
        if (!publishNotReady && ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses ?? []) add(ip, ep.hostname, ports);
      }
    }
  } else {
    for (const subset of endpoints?.subsets ?? []) {
      const ports = portsOf(subset.ports);
      const addresses = publishNotReady ? [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])] : (subset.addresses ?? []);
      for (const a of addresses) add(a.ip, a.hostname, ports);
    }
  }
  return [...byIP.values()].sort((a, b) => compareIPs(a.ip, b.ip));
}

function compareIPs(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** The label an endpoint answers to under its headless Service: its hostname, else its dashed IP. */
export function endpointLabel(ep: ServiceEndpoint): string {
  return ep.hostname ?? dashedIP(ep.ip);
}

function endpointsOf(view: ClusterView, service: corev1.Service): ServiceEndpoint[] {
  const ns = service.metadata?.namespace ?? '';
  const name = service.metadata?.name ?? '';
  return serviceEndpoints(service, view.endpoints(ns, name), view.endpointSlices(ns, name));
}

function record(name: string, ttl: number, data: RecordData): ResourceRecord {
  return { name, class: RRClass.IN, ttl, ...data };
}

function srvWeight(count: number): number {
  return Math.max(1, Math.floor(100 / Math.max(count, 1)));
}

/** Whether a query of `qtype` asks for records of type `type` (ANY asks for all). */
function wants(qtype: number, type: number): boolean {
  return qtype === type || qtype === RRType.ANY;
}

/**
 * Looks up `name` (canonical, inside `options.zone`) for `qtype`. Names under the zone:
 *   <svc>.<ns>.svc                   A: ClusterIP, or each ready endpoint of a headless Service;
 *                                    CNAME: an ExternalName Service's target
 *   <host>.<svc>.<ns>.svc            A: the endpoint of a headless Service with that hostname
 *                                    (or dashed IP)
 *   _<port>._<proto>.<svc>.<ns>.svc  SRV: the named port, on the Service or on each endpoint
 *   <a-b-c-d>.<ns>.pod               A: a pod of that namespace with that IP
 */
export function lookupZone(view: ClusterView, name: string, qtype: number, options: ZoneOptions): ZoneLookup {
  const { zone, ttl } = options;
  const nxdomain: ZoneLookup = { kind: 'nxdomain' };
  const found = (answers: ResourceRecord[] = [], additionals: ResourceRecord[] = []): ZoneLookup => ({ kind: 'found', answers, additionals });
  const rel = name === zone ? [] : name.slice(0, -(zone.length + 1)).split('.');
  const labels = rel.reverse(); // from the zone down: ['svc', ns, svc, ...]

  if (labels.length === 0) {
    if (wants(qtype, RRType.SOA)) return found([soaRecord(zone, ttl)]);
    if (wants(qtype, RRType.NS)) return found([record(zone, ttl, { type: 'NS', target: nameserverName(zone) })]);
    return found();
  }
  const [kind, ns] = labels;
  if (kind === 'dns' && labels.length === 2 && ns === 'ns') {
    // The nameserver named in the SOA and NS records: the kube-dns Service.
    const self = view.service('kube-system', 'kube-dns');
    if (!self) return found();
    return found(wants(qtype, RRType.A) ? clusterIPs(self).map((ip) => record(name, ttl, { type: 'A', address: ip })) : []);
  }
  if (kind === 'pod') {
    if (labels.length === 1) return found();
    if (labels.length === 2) return view.hasNamespace(ns) ? found() : nxdomain;
    if (labels.length !== 3) return nxdomain;
    const ip = undashIP(labels[2]);
    if (!ip) return nxdomain;
    const pod = view.podsByIP(ip).find((p) => p.metadata?.namespace === ns && podHoldsIP(p, ip));
    if (!pod) return nxdomain;
    return found(wants(qtype, RRType.A) ? [record(name, ttl, { type: 'A', address: ip })] : []);
  }
  if (kind !== 'svc') return nxdomain;
  if (labels.length === 1) return found();
  if (labels.length === 2) return view.hasNamespace(ns) ? found() : nxdomain;
  const service = view.service(ns, labels[2]);
  if (!service) return nxdomain;
  const serviceName = `${labels[2]}.${ns}.svc.${zone}`;

  if (labels.length === 3) {
    if (isExternalName(service)) {
      const target = (service.spec?.externalName ?? '').replace(/\.$/, '').toLowerCase();
      return target ? found([record(name, ttl, { type: 'CNAME', target })]) : found();
    }
    const answers: ResourceRecord[] = [];
    const additionals: ResourceRecord[] = [];
    if (isHeadless(service)) {
      const eps = endpointsOf(view, service);
      if (wants(qtype, RRType.A)) for (const ep of eps) answers.push(record(name, ttl, { type: 'A', address: ep.ip }));
      if (wants(qtype, RRType.SRV)) {
        const srv = headlessSrv(eps, serviceName, ttl, () => true, name);
        answers.push(...srv.answers);
        if (qtype === RRType.SRV) additionals.push(...srv.additionals);
      }
    } else {
      if (wants(qtype, RRType.A)) for (const ip of clusterIPs(service)) answers.push(record(name, ttl, { type: 'A', address: ip }));
      if (wants(qtype, RRType.SRV)) {
        for (const p of service.spec?.ports ?? []) {
          if (!p.port) continue;
          answers.push(record(name, ttl, { type: 'SRV', priority: 0, weight: 100, port: p.port, target: serviceName }));
        }
        if (qtype === RRType.SRV && answers.length > 0) {
          for (const ip of clusterIPs(service)) additionals.push(record(serviceName, ttl, { type: 'A', address: ip }));
        }
      }
    }
    return found(answers, additionals);
  }

  if (labels.length === 4 && !labels[3].startsWith('_')) {
    // <host>.<svc>.<ns>.svc: one endpoint of a headless Service.
    if (!isHeadless(service)) return nxdomain;
    const ep = endpointsOf(view, service).find((e) => endpointLabel(e) === labels[3]);
    if (!ep) return nxdomain;
    return found(wants(qtype, RRType.A) ? [record(name, ttl, { type: 'A', address: ep.ip })] : []);
  }

  // _<port>._<proto>.<svc>.<ns>.svc (and _<proto>.<svc>.<ns>.svc, which exists when a port uses it).
  const proto = labels[3];
  if (!proto.startsWith('_') || labels.length > 5) return nxdomain;
  const protocol = proto.slice(1).toUpperCase();
  if (isExternalName(service)) return nxdomain;
  const ofProtocol = (p: { protocol?: string }): boolean => (p.protocol || 'TCP').toUpperCase() === protocol;
  // A headless Service may declare no ports; its endpoints' ports then name them.
  const eps = isHeadless(service) ? endpointsOf(view, service) : [];
  const ports = [...(service.spec?.ports ?? []), ...eps.flatMap((e) => e.ports)].filter(ofProtocol);
  if (labels.length === 4) return ports.length > 0 ? found() : nxdomain;
  const portLabel = labels[4];
  if (!portLabel.startsWith('_') || portLabel.length < 2) return nxdomain;
  const portName = portLabel.slice(1);
  const matches = (p: { name?: string; protocol?: string }): boolean => (p.name ?? '').toLowerCase() === portName && ofProtocol(p);
  if (!ports.some(matches)) return nxdomain;
  if (!wants(qtype, RRType.SRV)) return found();
  if (isHeadless(service)) {
    const srv = headlessSrv(eps, serviceName, ttl, matches, name);
    return found(srv.answers, srv.additionals);
  }
  const answers = (service.spec?.ports ?? [])
    .filter(matches)
    .map((p) => record(name, ttl, { type: 'SRV', priority: 0, weight: 100, port: p.port ?? 0, target: serviceName }));
  const additionals = clusterIPs(service).map((ip) => record(serviceName, ttl, { type: 'A', address: ip }));
  return found(answers, additionals);
}

/** SRV records pointing at each endpoint's own name, with those names' A records as additionals. */
function headlessSrv(
  eps: ServiceEndpoint[],
  serviceName: string,
  ttl: number,
  matches: (p: { name?: string; protocol?: string }) => boolean,
  owner: string,
): { answers: ResourceRecord[]; additionals: ResourceRecord[] } {
  const picked: { ep: ServiceEndpoint; port: number }[] = [];
  for (const ep of eps) for (const p of ep.ports) if (matches(p)) picked.push({ ep, port: p.port });
  const weight = srvWeight(picked.length);
  const answers = picked.map(({ ep, port }) =>
    record(owner, ttl, { type: 'SRV', priority: 0, weight, port, target: `${endpointLabel(ep)}.${serviceName}` }),
  );
  const seen = new Set<string>();
  const additionals: ResourceRecord[] = [];
  for (const { ep } of picked) {
    if (seen.has(ep.ip)) continue;
    seen.add(ep.ip);
    additionals.push(record(`${endpointLabel(ep)}.${serviceName}`, ttl, { type: 'A', address: ep.ip }));
  }
  return { answers, additionals };
}

function podHoldsIP(pod: corev1.Pod, ip: string): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return pod.status?.podIP === ip || (pod.status?.podIPs ?? []).some((p) => p.ip === ip);
}

/**
 * The names an IPv4 address maps back to: a Service's ClusterIP gives the Service's name; an
 * address of a headless Service's endpoint gives that endpoint's name; any other pod IP gives
 * the pod's `a-b-c-d.<ns>.pod` name. Empty when the address is not the cluster's.
 */
export function reverseTargets(view: ClusterView, ip: string, zone: string): string[] {
  const services = view.servicesByClusterIP(ip).filter((s) => !isExternalName(s) && clusterIPs(s).includes(ip));
  if (services.length > 0) return unique(services.map((s) => `${s.metadata?.name}.${s.metadata?.namespace}.svc.${zone}`));

  const targets: string[] = [];
  const owners = new Set<string>();
  for (const e of view.endpointsByIP(ip)) owners.add(`${e.metadata?.namespace}/${e.metadata?.name}`);
  for (const s of view.endpointSlicesByIP(ip)) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (svc) owners.add(`${s.metadata?.namespace}/${svc}`);
  }
  for (const owner of [...owners].sort()) {
    const [ns, name] = owner.split('/');
    const service = view.service(ns, name);
    if (!service || !isHeadless(service)) continue;
    const ep = endpointsOf(view, service).find((e) => e.ip === ip);
    if (ep) targets.push(`${endpointLabel(ep)}.${name}.${ns}.svc.${zone}`);
  }
  if (targets.length > 0) return unique(targets);

  const pods = view.podsByIP(ip).filter((p) => podHoldsIP(p, ip) && !p.spec?.hostNetwork);
  return unique(pods.map((p) => `${dashedIP(ip)}.${p.metadata?.namespace}.pod.${zone}`));
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

export function nameserverName(zone: string): string {
  return `ns.dns.${zone}`;
}

/** The zone's SOA; its minimum (the negative-caching TTL) is the record TTL. */
export function soaRecord(zone: string, ttl: number, serial = 1): ResourceRecord {
  return record(zone, ttl, {
    type: 'SOA',
    mname: nameserverName(zone),
    rname: `hostmaster.${zone}`,
    serial,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: ttl,
  });
}

/** A ClusterView over plain arrays, for tests and one-off lookups. */
export function staticView(objects: {
  services?: corev1.Service[];
  endpoints?: corev1.Endpoints[];
  endpointSlices?: discoveryv1.EndpointSlice[];
  pods?: corev1.Pod[];
}): ClusterView {
  const services = objects.services ?? [];
  const endpoints = objects.endpoints ?? [];
  const slices = objects.endpointSlices ?? [];
  const pods = objects.pods ?? [];
  const is = (o: { metadata?: { namespace?: string; name?: string } }, ns: string, name: string): boolean =>
    o.metadata?.namespace === ns && o.metadata?.name === name;
  return {
    service: (ns, name) => services.find((s) => is(s, ns, name)),
    servicesByClusterIP: (ip) => services.filter((s) => clusterIPs(s).includes(ip)),
    hasNamespace: (ns) => services.some((s) => s.metadata?.namespace === ns) || pods.some((p) => p.metadata?.namespace === ns),
    endpoints: (ns, name) => endpoints.find((e) => is(e, ns, name)),
    endpointSlices: (ns, svc) => slices.filter((s) => s.metadata?.namespace === ns && s.metadata?.labels?.[SERVICE_NAME_LABEL] === svc),
    endpointsByIP: (ip) => endpoints.filter((e) => endpointsAddresses(e).includes(ip)),
    endpointSlicesByIP: (ip) => slices.filter((s) => sliceAddresses(s).includes(ip)),
    podsByIP: (ip) => pods.filter((p) => podIPs(p).includes(ip)),
  };
}

/** Index helpers shared with the informer-backed view. */
export function serviceClusterIPs(service: corev1.Service): string[] {
  return clusterIPs(service);
}

export function endpointsAddresses(e: corev1.Endpoints): string[] {
  const ips: string[] = [];
  for (const s of e.subsets ?? []) for (const a of [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]) if (a.ip) ips.push(a.ip);
  return [...new Set(ips)];
}

export function sliceAddresses(s: discoveryv1.EndpointSlice): string[] {
  return [...new Set((s.endpoints ?? []).flatMap((e) => e.addresses ?? []))];
}

export function podIPs(p: corev1.Pod): string[] {
  const ips = [p.status?.podIP ?? '', ...(p.status?.podIPs ?? []).map((i) => i.ip ?? '')];
  return [...new Set(ips.filter(Boolean))];
}
