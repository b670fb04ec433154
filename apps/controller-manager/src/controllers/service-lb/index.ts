// The load-balancer controller: LoadBalancer Services get addresses from --load-balancer-ip-range.
export { serviceLbControllerFactory, newServiceLbController, ServiceLbController, SERVICE_LB_CONTROLLER_NAME } from './service-lb-controller';
export type { ServiceLbControllerDeps, ServiceStatusClient } from './service-lb-controller';
export { IpPool, IpPoolError, parseIpRanges } from './ip-pool';
