/** Data a plugin keeps for one pod's scheduling cycle; `clone` is called when preemption forks the state. */
export interface StateData {
  clone(): StateData;
}

/**
 * Per-cycle scratch space shared by the plugins (framework.CycleState): PreFilter computes
 * once, Filter reads on every node. Also records which plugins skipped themselves.
 */
export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Filter plugins whose PreFilter returned Skip. */
  skipFilterPlugins: Set<string> = new Set();
  /** Score plugins whose PreScore returned Skip. */
  skipScorePlugins: Set<string> = new Set();
  /** The Filter plugins that run this cycle (set by the framework after PreFilter). */
  activeFilters: readonly unknown[] | undefined;

  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: StateData): void {
    this.data.set(key, value);
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v.clone());
    c.skipFilterPlugins = new Set(this.skipFilterPlugins);
    c.skipScorePlugins = new Set(this.skipScorePlugins);
    c.activeFilters = this.activeFilters;
    return c;
  }
}
