/**
 * The cluster-scoped core kinds: Namespace and Node.
 */
import type { Namespace, Node, NodeConfigSource, Taint } from '../generated/core/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, duplicate, forbidden, invalid, internalError, required } from '../validation/field-path';
import {
  configMapKeyMessages,
  isValidCIDR,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  parseCIDR,
  qualifiedNameMessages,
  validateLabelName,
  validateNamespaceName,
} from '../validation/primitives';
import { joinedLabelValueMessages, semanticEqual, validateTaintEffect, wrapMessages } from './core-v1-common';
import { parseQuantityAt, validateResourceQuantityValue } from './core-v1-resources';

// ---------------------------------------------------------------------------
// Namespace

const KUBERNETES_FINALIZER = 'kubernetes';
const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';

export function applyNamespaceDefaults(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (name) ns.metadata = { ...ns.metadata, labels: { ...(ns.metadata?.labels ?? {}), [METADATA_NAME_LABEL]: name } };
  const status = (ns.status ??= {});
  if (!status.phase) status.phase = 'Active';
}

/** A spec.finalizers entry: a qualified name, and `kubernetes` is the only unprefixed one. */
function validateFinalizerName(value: string, path: FieldPath): FieldError[] {
  const errs = qualifiedNameMessages(value).map((m) => invalid(path, value, m));
  if (!value.includes('/') && value !== KUBERNETES_FINALIZER) {
    errs.push(invalid(path, value, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

export function validateNamespace(ns: Namespace): FieldError[] {
  // Kubernetes reports each finalizer at the list's path.
  return (ns.spec?.finalizers ?? []).flatMap((f) => validateFinalizerName(f, FieldPath.root('spec', 'finalizers')));
}

/** Namespace updates: finalizers are checked, and a status write must agree with deletionTimestamp. */
export function validateNamespaceUpdate(ns: Namespace, old: Namespace): FieldError[] {
  const errs = validateNamespace(ns);
  if (!semanticEqual(ns.status?.phase, old.status?.phase)) {
    const phase = ns.status?.phase ?? '';
    const p = FieldPath.root('status', 'Phase');
    if (!ns.metadata?.deletionTimestamp) {
      if (phase !== 'Active') errs.push(invalid(p, phase, "may only be 'Active' if `deletionTimestamp` is empty"));
    } else if (phase !== 'Terminating') {
      errs.push(invalid(p, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
    }
  }
  return errs;
}

export const namespaceStrategy: KindStrategy<Namespace> = {
  nameValidator: nameIsDNSLabel,
  applyDefaults: applyNamespaceDefaults,
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
    const spec = (ns.spec ??= {});
    const finalizers = spec.finalizers ?? [];
    if (!finalizers.includes(KUBERNETES_FINALIZER)) spec.finalizers = [...finalizers, KUBERNETES_FINALIZER];
  },
  prepareForUpdate(ns, old) {
    // Finalizers change only through the finalize subresource.
    ns.spec = { ...ns.spec, finalizers: old.spec?.finalizers };
  },
  validate: validateNamespace,
  validateUpdate: validateNamespaceUpdate,
};

// ---------------------------------------------------------------------------
// Node

export function applyNodeDefaults(node: Node): void {
  const spec = (node.spec ??= {});
  // v1 keeps podCIDR and podCIDRs in step: the singular is the first of the plural.
  if (spec.podCIDR && (spec.podCIDRs ?? []).length === 0) spec.podCIDRs = [spec.podCIDR];
  else if (!spec.podCIDR && (spec.podCIDRs ?? []).length > 0) spec.podCIDR = spec.podCIDRs?.[0];
  const status = node.status;
  if (status && status.allocatable === undefined && status.capacity !== undefined) status.allocatable = { ...status.capacity };
}

function validateTaints(taints: readonly Taint[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Map<string, Set<string>>();
  taints.forEach((t, i) => {
    const idx = path.index(i);
    const key = t.key ?? '';
    const effect = t.effect ?? '';
    errs.push(...validateLabelName(key, idx.child('key')));
    const msg = joinedLabelValueMessages(t.value ?? '');
    if (msg !== undefined) errs.push(invalid(idx.child('value'), t.value ?? '', msg));
    errs.push(...validateTaintEffect(effect, false, idx.child('effect')));
    const keys = unique.get(effect) ?? new Set<string>();
    if (keys.has(key)) {
      const e = duplicate(idx, t);
      e.detail = 'taints must be unique by key and effect pair';
      errs.push(e);
      return;
    }
    keys.add(key);
    unique.set(effect, keys);
  });
  return errs;
}

function validateNodeResources(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ['capacity', 'allocatable'] as const) {
    for (const [name, value] of Object.entries(node.status?.[field] ?? {})) {
      const p = FieldPath.root('status', field, name);
      const { quantity, errors } = parseQuantityAt(value, p);
      errs.push(...errors);
      if (quantity) errs.push(...validateResourceQuantityValue(name, quantity, p));
    }
  }
  return errs;
}

function validatePodCIDRs(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const cidrs = node.spec?.podCIDRs ?? [];
  const p = FieldPath.root('spec', 'podCIDRs');
  cidrs.forEach((c, i) => errs.push(...isValidCIDR(c, p.index(i))));
  const podCIDR = node.spec?.podCIDR;
  if (podCIDR && cidrs.length > 0 && podCIDR !== cidrs[0]) errs.push(...isValidCIDR(podCIDR, FieldPath.root('spec', 'podCIDR')));
  if (cidrs.length > 1) {
    const parsed = cidrs.map((c) => parseCIDR(c));
    if (parsed.some((c) => c === null)) {
      errs.push(internalError(p, 'invalid PodCIDRs. failed to check with dual stack with error:invalid CIDR'));
    } else if (cidrs.length > 2 || parsed[0]?.ip.family === parsed[1]?.ip.family) {
      errs.push(invalid(p, cidrs, 'may specify no more than one CIDR for each IP family'));
    }
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(p.index(i), c));
      seen.add(c);
    });
  }
  return errs;
}

export function validateNode(node: Node): FieldError[] {
  return [
    // Kubernetes reports taints under metadata, a long-standing quirk kept for clients that match on it.
    ...validateTaints(node.spec?.taints ?? [], FieldPath.root('metadata', 'taints')),
    ...validateNodeResources(node),
    ...validatePodCIDRs(node),
  ];
}

function validateConfigMapNodeConfigSource(source: NonNullable<NodeConfigSource['configMap']>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (source.uid) errs.push(forbidden(path.child('uid'), 'uid must not be set in spec'));
  if (source.resourceVersion) errs.push(forbidden(path.child('resourceVersion'), 'resourceVersion must not be set in spec'));
  if (!source.namespace) errs.push(required(path.child('namespace'), 'namespace must be set'));
  else errs.push(...wrapMessages(validateNamespaceName(source.namespace, false), path.child('namespace'), source.namespace));
  if (!source.name) errs.push(required(path.child('name'), 'name must be set'));
  else errs.push(...wrapMessages(nameIsDNSSubdomain(source.name, false), path.child('name'), source.name));
  if (!source.kubeletConfigKey) errs.push(required(path.child('kubeletConfigKey'), 'kubeletConfigKey must be set'));
  else errs.push(...wrapMessages(configMapKeyMessages(source.kubeletConfigKey), path.child('kubeletConfigKey'), source.kubeletConfigKey));
  return errs;
}

/** ValidateNodeUpdate: podCIDRs, providerID and externalID are set once. */
export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs = [...validateNodeResources(node), ...validatePodCIDRs(node)];
  const addresses = new Set<string>();
  (node.status?.addresses ?? []).forEach((a, i) => {
    const key = `${a.type ?? ''}/${a.address ?? ''}`;
    if (addresses.has(key)) errs.push(duplicate(FieldPath.root('status', 'addresses').index(i), a));
    addresses.add(key);
  });
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  const newCIDRs = node.spec?.podCIDRs ?? [];
  const cidrMsg = 'node updates may not change podCIDR except from "" to valid';
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== newCIDRs.length) errs.push(forbidden(FieldPath.root('spec', 'podCIDRs'), cidrMsg));
    else oldCIDRs.forEach((c, i) => {
      if (c !== newCIDRs[i]) errs.push(forbidden(FieldPath.root('spec', 'podCIDRs'), cidrMsg));
    });
  }
  const oldProvider = old.spec?.providerID ?? '';
  if (oldProvider !== '' && oldProvider !== (node.spec?.providerID ?? '')) {
    errs.push(forbidden(FieldPath.root('spec', 'providerID'), 'node updates may not change providerID except from "" to valid'));
  }
  const configMap = node.spec?.configSource?.configMap;
  if (node.spec?.configSource) {
    const p = FieldPath.root('spec', 'configSource');
    if (configMap) errs.push(...validateConfigMapNodeConfigSource(configMap, p.child('configMap')));
    else errs.push(invalid(p, node.spec.configSource, 'exactly one reference subfield must be non-nil'));
  }
  errs.push(...validateTaints(node.spec?.taints ?? [], FieldPath.root('metadata', 'taints')));
  if ((node.spec?.externalID ?? '') !== (old.spec?.externalID ?? '')) {
    errs.push(forbidden(FieldPath.root('spec', 'externalID'), 'may not be updated'));
  }
  return errs;
}

export const nodeStrategy: KindStrategy<Node> = {
  applyDefaults: applyNodeDefaults,
  validate: validateNode,
  validateUpdate: validateNodeUpdate,
};
