import type { PluginFactory } from '../framework/interfaces';
import type { PluginRef, Registry } from '../framework/framework';
import { newDefaultBinder } from './default-binder/default-binder';
import { newDefaultPreemption } from './default-preemption/default-preemption';
import { newImageLocality } from './image-locality/image-locality';
import { newInterPodAffinity } from './inter-pod-affinity/inter-pod-affinity';
import { Names } from './names';
import { newNodeAffinity } from './node-affinity/node-affinity';
import { newNodeName } from './node-name/node-name';
import { newNodePorts } from './node-ports/node-ports';
import { newNodeResourcesBalancedAllocation } from './node-resources-balanced-allocation/node-resources-balanced-allocation';
import { newNodeResourcesFit } from './node-resources-fit/node-resources-fit';
import { newNodeUnschedulable } from './node-unschedulable/node-unschedulable';
import { newPodTopologySpread } from './pod-topology-spread/pod-topology-spread';
import { newPrioritySort } from './priority-sort/priority-sort';
import { newSchedulingGates } from './scheduling-gates/scheduling-gates';
import { newTaintToleration } from './taint-toleration/taint-toleration';
import { newVolumeBinding } from './volume-binding/volume-binding';

/** Every in-tree plugin, by name: the one registry the framework builds profiles from. */
export function inTreeRegistry(): Map<string, PluginFactory> {
  return new Map<string, PluginFactory>([
    [Names.SchedulingGates, newSchedulingGates],
    [Names.PrioritySort, newPrioritySort],
    [Names.NodeUnschedulable, newNodeUnschedulable],
    [Names.NodeName, newNodeName],
    [Names.TaintToleration, newTaintToleration],
    [Names.NodeAffinity, newNodeAffinity],
    [Names.NodePorts, newNodePorts],
    [Names.NodeResourcesFit, newNodeResourcesFit],
    [Names.VolumeBinding, newVolumeBinding],
    [Names.PodTopologySpread, newPodTopologySpread],
    [Names.InterPodAffinity, newInterPodAffinity],
    [Names.DefaultPreemption, newDefaultPreemption],
    [Names.NodeResourcesBalancedAllocation, newNodeResourcesBalancedAllocation],
    [Names.ImageLocality, newImageLocality],
    [Names.DefaultBinder, newDefaultBinder],
  ]);
}

/**
 * The default profile's plugins, in kube-scheduler's order (which decides whose rejection a
 * node reports first), with its default score weights.
 */
export const DEFAULT_PLUGINS: readonly PluginRef[] = [
  { name: Names.SchedulingGates },
  { name: Names.PrioritySort },
  { name: Names.NodeUnschedulable },
  { name: Names.NodeName },
  { name: Names.TaintToleration, weight: 3 },
  { name: Names.NodeAffinity, weight: 2 },
  { name: Names.NodePorts },
  { name: Names.NodeResourcesFit, weight: 1 },
  { name: Names.VolumeBinding },
  { name: Names.PodTopologySpread, weight: 2 },
  { name: Names.InterPodAffinity, weight: 2 },
  { name: Names.DefaultPreemption },
  { name: Names.NodeResourcesBalancedAllocation, weight: 1 },
  { name: Names.ImageLocality, weight: 1 },
  { name: Names.DefaultBinder },
];

export const registry: Registry = inTreeRegistry();
