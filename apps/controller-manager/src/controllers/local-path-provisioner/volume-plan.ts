import { compareQuantity, parseQuantity, type corev1, type storagev1 } from '@minik8s/api';

/**
 * The pure decisions of the local-path provisioner: which claims it serves, on which node a
 * volume goes, and the PersistentVolume that describes it (shaped like the volumes Rancher's
 * local-path-provisioner makes: a hostPath directory pinned to its node by nodeAffinity).
 */

export const LOCAL_PATH_PROVISIONER = 'minik8s.io/local-path';
export const DEFAULT_BASE_PATH = '/var/lib/minik8s/local-path';
export const DEFAULT_HELPER_IMAGE = 'minik8s/busybox:1.36';
/** StorageClass parameters the provisioner reads. */
export const PARAM_BASE_PATH = 'basePath';
export const PARAM_HELPER_IMAGE = 'helperImage';

export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** Holds a provisioned volume until its directory is removed from the node (Delete policy). */
export const LOCAL_PATH_FINALIZER = 'minik8s.io/local-path-cleanup';

export function servesClass(klass: storagev1.StorageClass | undefined): klass is storagev1.StorageClass {
  return klass?.provisioner === LOCAL_PATH_PROVISIONER;
}

export function basePathOf(klass: storagev1.StorageClass): string {
  const base = klass.parameters?.[PARAM_BASE_PATH] || DEFAULT_BASE_PATH;
  return base.replace(/\/+$/, '') || '/';
}

export function helperImageOf(klass: storagev1.StorageClass | undefined): string {
  return klass?.parameters?.[PARAM_HELPER_IMAGE] || DEFAULT_HELPER_IMAGE;
}

/** Kubernetes names a dynamically provisioned volume after its claim's uid. */
export function volumeNameFor(claim: corev1.PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid ?? ''}`;
}

export function isNodeReady(node: corev1.Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** A TopologySelectorTerm list (StorageClass.allowedTopologies) against a node's labels; empty allows all. */
export function topologyAllows(terms: readonly corev1.TopologySelectorTerm[] | undefined, node: corev1.Node): boolean {
  if (!terms || terms.length === 0) return true;
  const labels = node.metadata?.labels ?? {};
  return terms.some((term) =>
    (term.matchLabelExpressions ?? []).every((req) => Object.hasOwn(labels, req.key ?? '') && (req.values ?? []).includes(labels[req.key ?? ''])),
  );
}

/** The node a volume lives on, from the nodeAffinity the provisioner gave it. */
export function nodeOfVolume(pv: corev1.PersistentVolume): string | undefined {
  for (const term of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const req of term.matchExpressions ?? []) {
      if (req.key === HOSTNAME_LABEL && req.operator === 'In' && req.values?.length === 1) return req.values[0];
    }
  }
  return undefined;
}

/**
 * For an Immediate class: a Ready, schedulable node the class allows, the one holding the fewest
 * local-path volumes (ties by name), so volumes spread. Undefined when no node fits.
 */
export function pickNode(nodes: readonly corev1.Node[], klass: storagev1.StorageClass, volumes: readonly corev1.PersistentVolume[]): corev1.Node | undefined {
  const load = new Map<string, number>();
  for (const pv of volumes) {
    if (pv.metadata?.annotations?.[ANN_PROVISIONED_BY] !== LOCAL_PATH_PROVISIONER) continue;
    const node = nodeOfVolume(pv);
    if (node) load.set(node, (load.get(node) ?? 0) + 1);
  }
  const fit = nodes.filter((n) => isNodeReady(n) && !n.spec?.unschedulable && !n.metadata?.deletionTimestamp && topologyAllows(klass.allowedTopologies, n));
  fit.sort((a, b) => (load.get(a.metadata?.name ?? '') ?? 0) - (load.get(b.metadata?.name ?? '') ?? 0) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return fit[0];
}

/** The value of the node's hostname label, by which the volume's nodeAffinity selects it. */
export function hostnameOf(node: corev1.Node): string {
  return node.metadata?.labels?.[HOSTNAME_LABEL] ?? node.metadata?.name ?? '';
}

/**
 * The volume for `claim` on `hostname`: capacity as requested, the claim's access modes and
 * volume mode, the class's reclaim policy and mount options, a hostPath directory under the
 * class's base path, and pre-bound to the claim so the binder binds exactly these two.
 */
export function provisionedVolume(claim: corev1.PersistentVolumeClaim, klass: storagev1.StorageClass, hostname: string): corev1.PersistentVolume {
  const name = volumeNameFor(claim);
  const reclaim = klass.reclaimPolicy || 'Delete';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER },
      // Only a volume whose directory must go needs holding until it has gone.
      finalizers: reclaim === 'Delete' ? [LOCAL_PATH_FINALIZER] : undefined,
    },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      accessModes: [...(claim.spec?.accessModes ?? ['ReadWriteOnce'])],
      volumeMode: claim.spec?.volumeMode || 'Filesystem',
      persistentVolumeReclaimPolicy: reclaim,
      storageClassName: klass.metadata?.name,
      mountOptions: klass.mountOptions?.length ? [...klass.mountOptions] : undefined,
      hostPath: { path: `${basePathOf(klass)}/${name}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [hostname] }] }] } },
      claimRef: {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: claim.metadata?.namespace,
        name: claim.metadata?.name,
        uid: claim.metadata?.uid,
        resourceVersion: claim.metadata?.resourceVersion,
      },
    },
  };
}

/** Whether the claim asks for more than its bound volume holds: an expansion, which local paths cannot do. */
export function wantsExpansion(claim: corev1.PersistentVolumeClaim, pv: corev1.PersistentVolume): boolean {
  const want = claim.spec?.resources?.requests?.storage;
  const have = pv.spec?.capacity?.storage;
  if (!want || !have) return false;
  try {
    return compareQuantity(parseQuantity(want), parseQuantity(have)) > 0;
  } catch {
    return false;
  }
}
