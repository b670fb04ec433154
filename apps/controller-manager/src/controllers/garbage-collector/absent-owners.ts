/**
 * Owners a live GET (or an observed delete) showed to be gone, so the dependents of one
 * deleted owner do not each ask the apiserver again. uids are never reused, so an entry never
 * goes stale; the oldest entries are dropped beyond `capacity`.
 */
export class AbsentOwnerCache {
  private readonly entries = new Set<string>();

  constructor(private readonly capacity = 1000) {}

  static key(namespace: string | undefined, uid: string): string {
    return `${namespace ?? ''}/${uid}`;
  }

  has(key: string): boolean {
    if (!this.entries.has(key)) return false;
    // Recently used entries move to the back, LRU style.
    this.entries.delete(key);
    this.entries.add(key);
    return true;
  }

  add(key: string): void {
    this.entries.delete(key);
    this.entries.add(key);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.values().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
