// The Endpoints controller: an Endpoints per Service with a selector.
export {
  endpointsControllerFactory,
  newEndpointsController,
  EndpointsController,
  ENDPOINTS_CONTROLLER_NAME,
  LABEL_ENDPOINTS_MANAGED_BY,
  ENDPOINTS_MANAGED_BY,
  endpointsLabels,
} from './endpoints-controller';
export type { EndpointsClient, EndpointsControllerDeps } from './endpoints-controller';
export { computeSubsets, repackSubsets, truncateSubsets, subsetsEqual, podToEndpointAddress, MAX_ENDPOINTS_CAPACITY, ANNOTATION_OVER_CAPACITY } from './subsets';
export type { ComputedSubsets } from './subsets';
