import { isNotFound, type ApiObject, type corev1, type OwnerReference } from '@minik8s/api';
import { Pods, type ApiClient, type EventRecorder } from '@minik8s/client';

/**
 * Kubernetes' PodControlInterface: the one way controllers create and delete pods, so tests can
 * count what a controller asked for with a fake.
 */
export interface PodControl {
  createPod(namespace: string, template: corev1.PodTemplateSpec, owner: ApiObject, ref: OwnerReference, generateName?: string): Promise<corev1.Pod>;
  deletePod(namespace: string, name: string, owner: ApiObject): Promise<void>;
  patchPod(namespace: string, name: string, patch: unknown): Promise<void>;
}

/** Builds a pod from a template as Kubernetes' controllers do: labels, annotations, owner, prefix. */
export function podFromTemplate(template: corev1.PodTemplateSpec, namespace: string, ref: OwnerReference, generateName: string): corev1.Pod {
  return {
    metadata: {
      generateName,
      namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}) },
      finalizers: [...(template.metadata?.finalizers ?? [])],
      ownerReferences: [ref],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

export class RealPodControl implements PodControl {
  constructor(
    private readonly client: ApiClient,
    private readonly recorder: EventRecorder,
  ) {}

  async createPod(namespace: string, template: corev1.PodTemplateSpec, owner: ApiObject, ref: OwnerReference, generateName?: string): Promise<corev1.Pod> {
    const pod = podFromTemplate(template, namespace, ref, generateName ?? `${owner.metadata?.name ?? 'pod'}-`);
    try {
      const created = await this.client.resource(Pods).namespace(namespace).create(pod);
      await this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      return created;
    } catch (err) {
      await this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  async deletePod(namespace: string, name: string, owner: ApiObject): Promise<void> {
    try {
      await this.client.resource(Pods).namespace(namespace).delete(name);
      await this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      await this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  async patchPod(namespace: string, name: string, patch: unknown): Promise<void> {
    await this.client.resource(Pods).namespace(namespace).patch(name, 'application/merge-patch+json', patch);
  }
}
