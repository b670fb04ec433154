/**
 * discovery.k8s.io/v1 EndpointSlice: port defaults, addresses checked against
 * the slice's address type, and an address type fixed at creation.
 */
import type { Endpoint, EndpointHints, EndpointPort, EndpointSlice } from '../generated/discovery/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, duplicate, invalid, notSupported, required, tooMany } from '../validation/field-path';
import {
  type ParsedIP,
  dns1123LabelMessages,
  dns1123SubdomainMessages,
  isDNS1123Label,
  isQualifiedName,
  isValidIPv4Address,
  isValidIPv6Address,
  isValidLabelValue,
  nameIsDNSSubdomain,
  parseIP,
  validateLabels,
} from '../validation/primitives';
import { validateImmutableField } from './apps-v1-common';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_ENDPOINTS = 1000;
const MAX_ZONE_HINTS = 8;
const MAX_NODE_HINTS = 8;

export function applyEndpointSliceDefaults(slice: EndpointSlice): void {
  for (const port of slice.ports ?? []) {
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
}

/** The IPv4 view of an address when it is IPv4 or IPv4-mapped IPv6, as Go's To4 gives it. */
function ipv4Bytes(ip: ParsedIP): Uint8Array | undefined {
  if (ip.family === 4) return ip.bytes;
  const b = ip.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return undefined;
  return b[10] === 0xff && b[11] === 0xff ? b.subarray(12) : undefined;
}

/**
 * ValidateEndpointIP: unspecified, loopback and link-local addresses make no
 * sense as endpoints (link-local ones usually belong to the node).
 */
export function validateEndpointIP(address: string, path: FieldPath): FieldError[] {
  const ip = parseIP(address);
  if (ip === null) return [invalid(path, address, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const v4 = ipv4Bytes(ip);
  const b = ip.bytes;
  const unspecified = v4 ? v4.every((x) => x === 0) : b.every((x) => x === 0);
  const loopback = v4 ? v4[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  const linkLocalUnicast = v4 ? v4[0] === 169 && v4[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
  const linkLocalMulticast = v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02;
  if (unspecified) errs.push(invalid(path, address, `may not be unspecified (${address})`));
  if (loopback) errs.push(invalid(path, address, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocalUnicast) errs.push(invalid(path, address, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast) errs.push(invalid(path, address, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** IsFullyQualifiedDomainName: a DNS subdomain of at least two labels; a trailing dot is allowed. */
export function validateFullyQualifiedDomainName(value: string, path: FieldPath): FieldError[] {
  if (value === '') return [required(path)];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const subdomain = dns1123SubdomainMessages(name);
  if (subdomain.length > 0) return [invalid(path, name, subdomain.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const msgs = dns1123LabelMessages(label);
    if (msgs.length > 0) return [invalid(path, label, msgs.join(','))];
  }
  return [];
}

function validateHints(hints: EndpointHints, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const zones = hints.forZones ?? [];
  const zonesPath = path.child('forZones');
  if (zones.length > MAX_ZONE_HINTS) return [tooMany(zonesPath, zones.length, MAX_ZONE_HINTS)];
  const zoneNames = new Set<string>();
  zones.forEach((zone, i) => {
    const p = zonesPath.index(i).child('name');
    const name = zone.name ?? '';
    if (zoneNames.has(name)) errs.push(duplicate(p, name));
    else zoneNames.add(name);
    errs.push(...isValidLabelValue(name, p));
  });
  const nodes = hints.forNodes ?? [];
  const nodesPath = path.child('forNodes');
  if (nodes.length > MAX_NODE_HINTS) return [...errs, tooMany(nodesPath, nodes.length, MAX_NODE_HINTS)];
  const nodeNames = new Set<string>();
  nodes.forEach((node, i) => {
    const p = nodesPath.index(i).child('name');
    const name = node.name ?? '';
    if (nodeNames.has(name)) errs.push(duplicate(p, name));
    else nodeNames.add(name);
    for (const msg of nameIsDNSSubdomain(name, false)) errs.push(invalid(p, name, msg));
  });
  return errs;
}

function validateEndpoint(endpoint: Endpoint, addressType: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const addresses = endpoint.addresses ?? [];
  const addressesPath = path.child('addresses');
  if (addresses.length === 0) errs.push(required(addressesPath, 'must contain at least 1 address'));
  else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(addressesPath, addresses.length, MAX_ADDRESSES));
  addresses.forEach((address, i) => {
    const p = addressesPath.index(i);
    // Unknown address types were reported already; their addresses are not checked.
    if (addressType === 'IPv4') errs.push(...isValidIPv4Address(address, p), ...validateEndpointIP(address, p));
    else if (addressType === 'IPv6') errs.push(...isValidIPv6Address(address, p), ...validateEndpointIP(address, p));
    else if (addressType === 'FQDN') errs.push(...validateFullyQualifiedDomainName(address, p));
  });
  if (endpoint.nodeName !== undefined) {
    for (const msg of nameIsDNSSubdomain(endpoint.nodeName, false)) errs.push(invalid(path.child('nodeName'), endpoint.nodeName, msg));
  }
  const topology = endpoint.deprecatedTopology ?? {};
  const topologyPath = path.child('deprecatedTopology');
  const topologyCount = Object.keys(topology).length;
  if (topologyCount > MAX_TOPOLOGY_LABELS) errs.push(tooMany(topologyPath, topologyCount, MAX_TOPOLOGY_LABELS));
  errs.push(...validateLabels(topology, topologyPath));
  if (endpoint.hostname !== undefined) errs.push(...isDNS1123Label(endpoint.hostname, path.child('hostname')));
  if (endpoint.hints) errs.push(...validateHints(endpoint.hints, path.child('hints')));
  return errs;
}

function validatePorts(ports: readonly EndpointPort[], path: FieldPath): FieldError[] {
  if (ports.length > MAX_PORTS) return [tooMany(path, ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = path.index(i);
    const name = port.name ?? '';
    if (name !== '') errs.push(...isDNS1123Label(name, p.child('name')));
    if (names.has(name)) errs.push(duplicate(p.child('name'), name));
    else names.add(name);
    if (port.protocol === undefined) errs.push(required(p.child('protocol')));
    else if (!PORT_PROTOCOLS.includes(port.protocol)) errs.push(notSupported(p.child('protocol'), port.protocol, PORT_PROTOCOLS));
    if (port.appProtocol !== undefined) errs.push(...isQualifiedName(port.appProtocol, p.child('appProtocol')));
  });
  return errs;
}

export function validateEndpointSlice(slice: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const addressType = slice.addressType ?? '';
  const typePath = FieldPath.root('addressType');
  if (addressType === '') errs.push(required(typePath));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(notSupported(typePath, addressType, ADDRESS_TYPES));
  const endpoints = slice.endpoints ?? [];
  const endpointsPath = FieldPath.root('endpoints');
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany(endpointsPath, endpoints.length, MAX_ENDPOINTS));
  else endpoints.forEach((endpoint, i) => errs.push(...validateEndpoint(endpoint, addressType, endpointsPath.index(i))));
  errs.push(...validatePorts(slice.ports ?? [], FieldPath.root('ports')));
  return errs;
}

export function validateEndpointSliceUpdate(slice: EndpointSlice, old: EndpointSlice): FieldError[] {
  return [...validateEndpointSlice(slice), ...validateImmutableField(slice.addressType, old.addressType, FieldPath.root('addressType'))];
}

export const endpointSliceStrategy: KindStrategy<EndpointSlice> = {
  applyDefaults: applyEndpointSliceDefaults,
  validate: validateEndpointSlice,
  validateUpdate: validateEndpointSliceUpdate,
};
