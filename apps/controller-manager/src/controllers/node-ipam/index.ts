// The node IPAM controller: a podCIDR for every Node from --cluster-cidr.
export { nodeIpamControllerFactory, newNodeIpamController, NodeIpamController, NODE_IPAM_CONTROLLER_NAME, nodePodCidrs } from './node-ipam-controller';
export type { NodeCidrClient, NodeIpamControllerDeps } from './node-ipam-controller';
export { CidrSet, CidrSetError, cidrSetsFor, formatCidr, parseCidr } from './cidr-set';
