import type { coordinationv1, corev1 } from '@minik8s/api';

/** Where kubelets keep their heartbeat Leases, one per node, named after it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The conditions set to Unknown when a node stops reporting (NetworkUnavailable is left alone). */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export const NODE_STATUS_UNKNOWN_REASON = 'NodeStatusUnknown';
export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
export const NODE_STATUS_NEVER_UPDATED_REASON = 'NodeStatusNeverUpdated';
export const NODE_STATUS_NEVER_UPDATED_MESSAGE = 'Kubelet never posted node status.';

/** metav1.Time text: RFC 3339 in whole seconds. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Parses metav1.Time and MicroTime text (`2024-05-01T12:00:00Z`, `…:00.123456Z`, offsets) to
 * milliseconds, keeping sub-millisecond digits as a fraction so two MicroTimes compare exactly.
 */
export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(value.trim());
  if (!m) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const whole = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(whole)) return undefined;
  const fraction = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return whole + fraction;
}

export function nodeCondition(node: corev1.Node, type: string): corev1.NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** What the controller last saw of one node, in its own clock (Kubernetes' nodeHealthData). */
export interface NodeHealth {
  /** When a fresh heartbeat (status or lease) was last seen. */
  probeTimestamp: number;
  /** When the Ready condition was last seen to change. */
  readyTransitionTimestamp: number;
  /** The Ready condition as last seen; undefined when the node had none. */
  readyCondition?: corev1.NodeCondition;
  /** The lease's renewTime as last seen (ms, with fraction). */
  leaseRenewTime?: number;
}

export interface HealthObservation {
  health: NodeHealth;
  /** How long the node may go without a heartbeat: the startup grace until it posts Ready. */
  gracePeriodMs: number;
  /** The Ready condition as the node has it now (a made-up Unknown one when it has none). */
  observedReady: corev1.NodeCondition;
}

/**
 * Kubernetes' tryUpdateNodeHealth bookkeeping, without the write: the probe timestamp moves to
 * `now` whenever the Ready condition's lastHeartbeatTime or the Lease's renewTime changes, so
 * staleness is measured in the controller's clock and never compares clocks across machines.
 * A node first seen gets a full grace period from `now`; one that has never posted a Ready
 * condition is measured from its creationTimestamp with the startup grace period.
 */
export function observeNodeHealth(
  saved: NodeHealth | undefined,
  node: corev1.Node,
  lease: coordinationv1.Lease | undefined,
  now: number,
  gracePeriodMs: number,
  startupGracePeriodMs: number,
): HealthObservation {
  const ready = nodeCondition(node, 'Ready');
  const created = node.metadata?.creationTimestamp;
  let health: NodeHealth;
  let grace: number;
  let observedReady: corev1.NodeCondition;
  if (!ready) {
    observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: created, lastTransitionTime: created };
    grace = startupGracePeriodMs;
    const createdMs = parseTime(created) ?? now;
    health = saved ? { ...saved, readyCondition: undefined } : { probeTimestamp: createdMs, readyTransitionTimestamp: createdMs };
  } else {
    observedReady = { ...ready };
    grace = gracePeriodMs;
    const previous = saved?.readyCondition;
    if (!saved || !previous) {
      health = { probeTimestamp: now, readyTransitionTimestamp: now, readyCondition: { ...ready }, leaseRenewTime: saved?.leaseRenewTime };
    } else if (previous.lastHeartbeatTime !== ready.lastHeartbeatTime) {
      const transitioned = previous.lastTransitionTime !== ready.lastTransitionTime;
      health = {
        probeTimestamp: now,
        readyTransitionTimestamp: transitioned ? now : saved.readyTransitionTimestamp,
        readyCondition: { ...ready },
        leaseRenewTime: saved.leaseRenewTime,
      };
    } else {
      health = { ...saved };
    }
  }
  // A renewed lease is a heartbeat too, and the cheaper one kubelets send most often.
  const renewTime = parseTime(lease?.spec?.renewTime);
  if (renewTime !== undefined && (health.leaseRenewTime === undefined || health.leaseRenewTime < renewTime)) {
    health = { ...health, leaseRenewTime: renewTime, probeTimestamp: now };
  }
  return { health, gracePeriodMs: grace, observedReady };
}

/**
 * The node's status with the monitored conditions set to Unknown, as the controller posts it for
 * a node that stopped reporting: existing ones keep their heartbeat and get a transition now;
 * missing ones are added as never updated. Undefined when they are all Unknown already.
 */
export function unknownConditions(node: corev1.Node, now: number): corev1.NodeCondition[] | undefined {
  const nowText = formatTime(now);
  const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const current = conditions.find((c) => c.type === type);
    if (!current) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: NODE_STATUS_NEVER_UPDATED_REASON,
        message: NODE_STATUS_NEVER_UPDATED_MESSAGE,
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: nowText,
      });
      changed = true;
    } else if (current.status !== 'Unknown') {
      current.status = 'Unknown';
      current.reason = NODE_STATUS_UNKNOWN_REASON;
      current.message = NODE_STATUS_UNKNOWN_MESSAGE;
      current.lastTransitionTime = nowText;
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}
