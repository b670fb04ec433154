import type { QueuedPodInfo, QueueSortPlugin } from '../../framework/interfaces';
import { Names } from '../names';

/** Higher spec.priority first; among equals, the pod that entered the queue earlier. */
export class PrioritySort implements QueueSortPlugin {
  readonly name = Names.PrioritySort;

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = a.podInfo.priority;
    const pb = b.podInfo.priority;
    return pa > pb || (pa === pb && a.timestamp < b.timestamp);
  }
}

export function newPrioritySort(): PrioritySort {
  return new PrioritySort();
}
