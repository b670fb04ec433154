import type { corev1 } from '@minik8s/api';

// One definition of toleration matching for every component, in the api lib.
export { findUntoleratedTaint, toleratesTaint, tolerationsTolerateTaint } from '@minik8s/api';

/** NoSchedule and NoExecute taints keep pods off a node; PreferNoSchedule only lowers its score. */
export function isNoScheduleOrNoExecute(t: corev1.Taint): boolean {
  return t.effect === 'NoSchedule' || t.effect === 'NoExecute';
}
