import { realClock, type Clock } from './clock';

interface Expectation {
  adds: number;
  deletes: Set<string>;
  setAt: number;
}

/** How long an unmet expectation blocks its controller before it is assumed lost. */
const EXPECTATION_TTL_MS = 5 * 60 * 1000;

/**
 * Kubernetes' ControllerExpectations: before creating N pods a controller records that it
 * expects N; until its informer has seen them (or the TTL passes), `satisfied` is false and
 * the controller does not act again, so a stale cache never doubles its pods.
 */
export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly clock: Clock = realClock) {}

  expectCreations(key: string, count: number): void {
    this.byKey.set(key, { adds: count, deletes: new Set(), setAt: this.clock.now() });
  }

  expectDeletions(key: string, uids: Iterable<string>): void {
    this.byKey.set(key, { adds: 0, deletes: new Set(uids), setAt: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** A creation that will never be observed (the create call failed). */
  creationFailed(key: string): void {
    this.creationObserved(key);
  }

  deletionObserved(key: string, uid: string): void {
    this.byKey.get(key)?.deletes.delete(uid);
  }

  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.clock.now() - e.setAt > EXPECTATION_TTL_MS;
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}
