/** A real etcd and apiserver for integration tests, with helpers to make nodes and pods. Test-only. */
import type { corev1 } from '@minik8s/api';
import { ApiClient, Events, Nodes, Pods } from '@minik8s/client';
import { ControlPlaneHarness, type ApiServerHarness, waitFor } from '@minik8s/testing';

export class TestCluster {
  private constructor(
    readonly controlPlane: ControlPlaneHarness,
    readonly client: ApiClient,
  ) {}

  static async start(): Promise<TestCluster> {
    const controlPlane = await ControlPlaneHarness.start();
    return new TestCluster(controlPlane, new ApiClient(controlPlane.address, { timeoutMs: 20_000 }));
  }

  /** The apiserver alone, for the scheduler processes and hollow nodes the tests point at it. */
  get apiserver(): ApiServerHarness {
    return this.controlPlane.apiserver;
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.controlPlane.stop();
  }

  /** A Ready node with these allocatable resources (pods defaults to 110). */
  async createNode(
    name: string,
    resources: Record<string, string>,
    opts: { labels?: Record<string, string>; taints?: corev1.Taint[]; unschedulable?: boolean } = {},
  ): Promise<corev1.Node> {
    const allocatable = { pods: '110', ...resources };
    return this.client.resource(Nodes).create({
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...opts.labels } },
      spec: { taints: opts.taints, unschedulable: opts.unschedulable },
      status: {
        capacity: allocatable,
        allocatable,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      },
    });
  }

  async createPod(pod: corev1.Pod): Promise<corev1.Pod> {
    return this.client.resource(Pods).namespace(pod.metadata?.namespace ?? 'default').create(pod);
  }

  async getPod(name: string, namespace = 'default'): Promise<corev1.Pod> {
    return this.client.resource(Pods).namespace(namespace).get(name);
  }

  async listPods(namespace = 'default'): Promise<corev1.Pod[]> {
    return (await this.client.resource(Pods).namespace(namespace).list()).items;
  }

  /** Waits until the pod is bound and returns its node. */
  async waitForBound(name: string, namespace = 'default', timeoutMs = 20_000): Promise<string> {
    return waitFor(async () => (await this.getPod(name, namespace)).spec?.nodeName, { timeoutMs, description: `pod ${namespace}/${name} to be bound` });
  }

  async eventsFor(name: string, namespace = 'default'): Promise<corev1.Event[]> {
    const events = (await this.client.resource(Events).namespace(namespace).list()).items;
    return events.filter((e) => e.involvedObject?.name === name);
  }

  /** Deletes every pod in the namespace at once (as the kubelet finishes a graceful delete) and every node. */
  async reset(namespace = 'default'): Promise<void> {
    const pods = this.client.resource(Pods).namespace(namespace);
    for (const p of await this.listPods(namespace)) {
      await pods.delete(p.metadata?.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
    const nodes = this.client.resource(Nodes);
    for (const n of (await nodes.list()).items) await nodes.delete(n.metadata?.name ?? '').catch(() => undefined);
    await this.client
      .resource(Events)
      .namespace(namespace)
      .deleteCollection()
      .catch(() => undefined);
    await waitFor(async () => (await this.listPods(namespace)).length === 0 && (await nodes.list()).items.length === 0, { description: 'cluster reset' });
  }
}

export function podScheduledCondition(pod: corev1.Pod): corev1.PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
}
