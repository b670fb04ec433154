import { Expectations, type Clock } from '@minik8s/client';

/**
 * Kubernetes' SetExpectations(key, adds, dels) on the client lib's Expectations, which hold
 * either creations or deletions per key: one instance counts the creations, another tracks the
 * UIDs of the pods being deleted, and a key is satisfied when both are (or have expired).
 */
export class DaemonExpectations {
  private readonly creations: Expectations;
  private readonly deletions: Expectations;

  constructor(clock: Clock) {
    this.creations = new Expectations(clock);
    this.deletions = new Expectations(clock);
  }

  /** Replaces `key`'s expectations: `creations` pods to be seen, and these pods to go. */
  set(key: string, creations: number, deletionUids: Iterable<string>): void {
    this.creations.expectCreations(key, creations);
    this.deletions.expectDeletions(key, deletionUids);
  }

  creationObserved(key: string): void {
    this.creations.creationObserved(key);
  }

  /** A creation that will never be observed (the call failed, or was never made). */
  creationFailed(key: string): void {
    this.creations.creationFailed(key);
  }

  deletionObserved(key: string, uid: string): void {
    this.deletions.deletionObserved(key, uid);
  }

  satisfied(key: string): boolean {
    return this.creations.satisfied(key) && this.deletions.satisfied(key);
  }

  delete(key: string): void {
    this.creations.delete(key);
    this.deletions.delete(key);
  }
}
