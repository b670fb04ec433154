import { describe, expect, it } from 'vitest';
import { metricValue, samples } from './prom';

const PAGE = `# HELP apiserver_registered_watchers Number of currently registered watchers for a given resource.
# TYPE apiserver_registered_watchers gauge
apiserver_registered_watchers{group="",resource="pods"} 1000
apiserver_registered_watchers{group="apps",resource="deployments"} 3
# TYPE etcd_debugging_mvcc_watcher_total gauge
etcd_debugging_mvcc_watcher_total 28
etcd_debugging_mvcc_watcher_total_other 5
process_cpu_seconds_total 12.5
`;

describe('prometheus text', () => {
  it('reads a labelled sample', () => {
    expect(metricValue(PAGE, 'apiserver_registered_watchers', { group: '', resource: 'pods' })).toBe(1000);
  });
  it('sums every sample when no labels are given', () => {
    expect(metricValue(PAGE, 'apiserver_registered_watchers')).toBe(1003);
  });
  it('does not confuse a metric with a longer name', () => {
    expect(metricValue(PAGE, 'etcd_debugging_mvcc_watcher_total')).toBe(28);
    expect(samples(PAGE, 'etcd_debugging_mvcc_watcher_total')).toHaveLength(1);
  });
  it('says when a metric is missing', () => {
    expect(metricValue(PAGE, 'nope')).toBeUndefined();
    expect(metricValue(PAGE, 'apiserver_registered_watchers', { resource: 'nodes' })).toBeUndefined();
  });
});
