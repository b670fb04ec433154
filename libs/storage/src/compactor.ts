import { StatusError } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import type { EtcdStore } from './etcd-store';

/**
 * The key through which every apiserver on one etcd takes turns compacting it: Kubernetes'
 * own, so minik8s and Kubernetes apiservers would not compact the same etcd twice per interval.
 */
export const COMPACT_REVISION_KEY = 'compact_rev_key';

/**
 * Keeps etcd's history from growing for ever, as kube-apiserver's compactor does: every interval,
 * one apiserver (whichever first bumps the version of COMPACT_REVISION_KEY from the version all
 * of them last saw) compacts etcd to the revision it saw one interval earlier. So at least one
 * interval of history stays for watches and paged lists to resume from; what is older becomes
 * Expired (410 Gone) for them, and they relist.
 */
export class Compactor {
  /** The version of COMPACT_REVISION_KEY this apiserver last saw. */
  private keyVersion = 0;
  /** The store's revision at this apiserver's last round; 0 before the first. */
  private lastRevision = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: EtcdStore,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Runs a round every interval, the first one interval from now; a no-op for an interval of 0. */
  start(): void {
    if (this.intervalMs <= 0 || this.timer || this.stopped) return;
    const next = (): void => {
      this.timer = setTimeout(() => {
        void this.round()
          .catch((err: unknown) => this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'etcd compaction failed'))
          .finally(() => {
            if (!this.stopped) next();
          });
      }, this.intervalMs);
      this.timer.unref();
    };
    next();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * One turn: claims the interval by bumping the key's version, and if this apiserver got it,
   * compacts to the revision of its previous round. Returns that revision, or undefined when
   * another apiserver had the turn or this is the first round (nothing seen an interval ago).
   */
  async round(): Promise<number | undefined> {
    const previous = this.lastRevision;
    const claim = await this.store.putIfVersion(COMPACT_REVISION_KEY, Buffer.from(String(previous)), this.keyVersion);
    this.keyVersion = claim.version;
    this.lastRevision = claim.revision;
    if (!claim.ok || previous === 0) return undefined;
    try {
      await this.store.compact(previous, { physical: false });
    } catch (err) {
      // Another apiserver compacted past this revision already: nothing left to do.
      if (err instanceof StatusError && err.reason === 'Expired') return undefined;
      throw err;
    }
    this.logger.debug({ revision: previous }, 'compacted etcd');
    return previous;
  }
}
