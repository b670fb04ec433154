// The EndpointSlice controller, and the pod and Service helpers it shares with the Endpoints controller.
export {
  endpointSliceControllerFactory,
  newEndpointSliceController,
  EndpointSliceController,
  ENDPOINTSLICE_CONTROLLER_NAME,
  ENDPOINTSLICE_MANAGED_BY,
  StaleInformerCacheError,
} from './endpointslice-controller';
export type { EndpointSliceClient, EndpointSliceControllerDeps } from './endpointslice-controller';
export { planSlices, DEFAULT_MAX_ENDPOINTS_PER_SLICE } from './reconciler';
export type { SlicePlan, SliceReconcileInput } from './reconciler';
export { EndpointSliceTracker } from './slice-tracker';
export { TriggerTimeTracker } from './trigger-time-tracker';
export * from './endpoint-util';
export { addressTypesForService, endpointPorts, podToEndpoint, sliceLabels, LABEL_TOPOLOGY_ZONE } from './desired-endpoints';
