import type { CycleState } from '../../framework/cycle-state';
import type { BindPlugin, Handle } from '../../framework/interfaces';
import type { PodInfo } from '../../framework/pod-info';
import { asStatus, type PluginStatus } from '../../framework/status';
import { Names } from '../names';

/** Binds through the pods/binding subresource, with the pod's uid as a precondition. */
export class DefaultBinder implements BindPlugin {
  readonly name = Names.DefaultBinder;

  constructor(private readonly handle: Handle) {}

  async bind(_state: CycleState, pod: PodInfo, nodeName: string): Promise<PluginStatus> {
    const client = this.handle.client;
    if (!client) return asStatus(new Error('no API client to bind with'));
    try {
      await client.bind(pod.namespace, pod.name, nodeName, pod.pod.metadata?.uid);
      return null;
    } catch (err) {
      return asStatus(err);
    }
  }
}

export function newDefaultBinder(_args: Record<string, unknown> | undefined, handle: Handle): DefaultBinder {
  return new DefaultBinder(handle);
}
