// The in-process API for tests and benchmarks: `new HollowNodes({ client, count }).start()`.
export { HollowNodes, NODE_NAME_INDEX, type HollowNodesStats, type RegistrationReport } from './hollow-nodes';
export { ConfigError, DEFAULTS, parseNodeLabels, parseTaints, resolveConfig, type HollowNodesConfig, type HollowNodesOptions } from './config';
export {
  ANNOTATIONS,
  EXIT_AFTER_ANNOTATION,
  EXIT_CODE_ANNOTATION,
  READY_AFTER_ANNOTATION,
  READY_ANNOTATION,
  STOP_EXIT_CODE_ANNOTATION,
} from './annotations';
export { NODE_LEASE_NAMESPACE, type HollowNode } from './node-registration';
