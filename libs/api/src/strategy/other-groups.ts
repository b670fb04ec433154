import type { Scheme } from '../scheme/scheme';
import { cronJobStrategy, jobStrategy } from './other-groups-batch';
import { leaseStrategy } from './other-groups-coordination';
import { endpointSliceStrategy } from './other-groups-discovery';
import { priorityClassStrategy } from './other-groups-scheduling';
import { storageClassStrategy } from './other-groups-storage';

/** Attaches the defaults and validation of the batch, coordination, discovery, storage and scheduling kinds. */
export function registerOtherStrategies(scheme: Scheme): void {
  scheme.setStrategy('batch', 'Job', jobStrategy);
  scheme.setStrategy('batch', 'CronJob', cronJobStrategy);
  scheme.setStrategy('coordination.k8s.io', 'Lease', leaseStrategy);
  scheme.setStrategy('discovery.k8s.io', 'EndpointSlice', endpointSliceStrategy);
  scheme.setStrategy('storage.k8s.io', 'StorageClass', storageClassStrategy);
  scheme.setStrategy('scheduling.k8s.io', 'PriorityClass', priorityClassStrategy);
}
