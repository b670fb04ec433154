import type { corev1, discoveryv1 } from '@minik8s/api';
import { LABEL_SERVICE_NAME } from './endpoint-util';

/** The generation recorded for a slice this controller deleted and expects to see go. */
const DELETION_EXPECTED = -1;

function serviceKeyOf(slice: discoveryv1.EndpointSlice): string {
  return `${slice.metadata?.namespace ?? ''}/${slice.metadata?.labels?.[LABEL_SERVICE_NAME] ?? ''}`;
}

/**
 * What this controller last wrote, per Service: each slice's generation by uid (or that it was
 * deleted). It tells the controller's own writes, seen again through the informer, from
 * somebody else's (which need a sync), and a cache that has not caught up with those writes yet
 * (Kubernetes' EndpointSliceTracker; the apiserver bumps an EndpointSlice's generation on every
 * change to it other than metadata).
 */
export class EndpointSliceTracker {
  private readonly generations = new Map<string, Map<string, number>>();
  private readonly serviceUids = new Map<string, string>();

  private forSlice(slice: discoveryv1.EndpointSlice, create: boolean): Map<string, number> | undefined {
    const key = serviceKeyOf(slice);
    let byUid = this.generations.get(key);
    if (!byUid && create) this.generations.set(key, (byUid = new Map()));
    return byUid;
  }

  has(slice: discoveryv1.EndpointSlice): boolean {
    return this.forSlice(slice, false)?.has(slice.metadata?.uid ?? '') ?? false;
  }

  /** True unless this is a generation of the slice that this controller wrote itself. */
  shouldSync(slice: discoveryv1.EndpointSlice): boolean {
    const known = this.forSlice(slice, false)?.get(slice.metadata?.uid ?? '');
    return known === undefined || (slice.metadata?.generation ?? 0) > known;
  }

  /**
   * True when the cache lags this controller's writes for the Service: a slice older than what it
   * wrote, a slice it deleted still there, or a slice it wrote not there yet. Writes made for an
   * earlier Service of the same name no longer count.
   */
  staleSlices(service: corev1.Service, slices: readonly discoveryv1.EndpointSlice[]): boolean {
    const key = `${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`;
    const uid = service.metadata?.uid ?? '';
    const trackedUid = this.serviceUids.get(key);
    if (trackedUid && uid && trackedUid !== uid) this.generations.delete(key);
    this.serviceUids.set(key, uid);
    const byUid = this.generations.get(key);
    if (!byUid) return false;
    const provided = new Set<string>();
    for (const slice of slices) {
      const sliceUid = slice.metadata?.uid ?? '';
      provided.add(sliceUid);
      const known = byUid.get(sliceUid);
      if (known !== undefined && (known === DELETION_EXPECTED || known > (slice.metadata?.generation ?? 0))) return true;
    }
    for (const [sliceUid, generation] of byUid) {
      if (generation !== DELETION_EXPECTED && !provided.has(sliceUid)) return true;
    }
    return false;
  }

  /** Records a slice as this controller just wrote it. */
  update(slice: discoveryv1.EndpointSlice): void {
    this.forSlice(slice, true)?.set(slice.metadata?.uid ?? '', slice.metadata?.generation ?? 0);
  }

  expectDeletion(slice: discoveryv1.EndpointSlice): void {
    this.forSlice(slice, true)?.set(slice.metadata?.uid ?? '', DELETION_EXPECTED);
  }

  /** Forgets a deleted slice; true if this controller deleted it (or never wrote it). */
  handleDeletion(slice: discoveryv1.EndpointSlice): boolean {
    const byUid = this.forSlice(slice, false);
    const uid = slice.metadata?.uid ?? '';
    const known = byUid?.get(uid);
    byUid?.delete(uid);
    return known === undefined || known === DELETION_EXPECTED;
  }

  deleteService(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.generations.delete(key);
    this.serviceUids.delete(key);
  }
}
