import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Pods } from '@minik8s/client';
import { silentLogger, createLogger } from '@minik8s/logging';
import {
  ControlPlaneHarness,
  TEST_LABEL,
  type ApiServerHarness,
  buildBusyboxImage,
  buildPauseImage,
  ensureDockerEngine,
  removeDockerObjectsByLabel,
  waitFor,
} from '@minik8s/testing';
import { Kubelet, type KubeletConfig } from '../kubelet';
import { DockerRuntime } from '../runtime/docker-runtime';

/** What the Docker integration tests share: etcd, an apiserver, images, a kubelet. */
export class KubeletFixture {
  controlPlane!: ControlPlaneHarness;
  client!: ApiClient;
  kubelet: Kubelet | undefined;
  readonly runId = Math.random().toString(36).slice(2, 8);
  readonly label = `${TEST_LABEL}=kubelet-${this.runId}`;
  readonly busybox = `minik8s-kubelet-test/busybox:${this.runId}`;
  readonly pause = `minik8s-kubelet-test/pause:${this.runId}`;
  readonly nodeName = `kubelet-it-${this.runId}`;
  readonly podCIDR: string;
  readonly rootDir = mkdtempSync(join(tmpdir(), 'minik8s-kubelet-'));
  readonly docker = new DockerRuntime({ nodeName: 'unused', podInfraImage: 'unused' }).docker;

  constructor(podCIDR = '10.244.250.0/24') {
    this.podCIDR = podCIDR;
  }

  async setUp(): Promise<void> {
    await ensureDockerEngine();
    const labelValue = `kubelet-${this.runId}`;
    await Promise.all([buildBusyboxImage(this.busybox, { testLabelValue: labelValue }), buildPauseImage(this.pause, { testLabelValue: labelValue })]);
    this.controlPlane = await ControlPlaneHarness.start();
    this.client = new ApiClient(this.controlPlane.address, { timeoutMs: 10_000 });
  }

  /** The apiserver alone, for tests that dial it themselves. */
  get apiserver(): ApiServerHarness {
    return this.controlPlane.apiserver;
  }

  config(overrides: Partial<KubeletConfig> = {}): KubeletConfig {
    return {
      server: this.apiserver.address,
      nodeName: this.nodeName,
      nodeIP: '127.0.0.1',
      podCIDR: this.podCIDR,
      rootDir: this.rootDir,
      podInfraImage: this.pause,
      podNetworkName: `minik8s-test-${this.runId}`,
      dockerLabels: { [TEST_LABEL]: `kubelet-${this.runId}` },
      logger: process.env.KUBELET_TEST_LOG ? createLogger({ component: 'kubelet', level: process.env.KUBELET_TEST_LOG, format: 'json' }) : silentLogger(),
      clusterDNS: ['10.96.0.10'],
      nodeStatusUpdateIntervalMs: 1_000,
      leaseRenewIntervalMs: 1_000,
      resyncIntervalMs: 2_000,
      housekeepingIntervalMs: 1_000,
      backoffInitialMs: 1_000,
      backoffMaxMs: 4_000,
      errorBackoffMs: 200,
      ...overrides,
    };
  }

  async startKubelet(overrides: Partial<KubeletConfig> = {}): Promise<Kubelet> {
    this.kubelet = await Kubelet.start(this.config(overrides));
    return this.kubelet;
  }

  async stopKubelet(): Promise<void> {
    await this.kubelet?.stop();
    this.kubelet = undefined;
  }

  async tearDown(): Promise<void> {
    await this.stopKubelet().catch(() => undefined);
    await removeDockerObjectsByLabel(this.label).catch(() => undefined);
    this.client?.close();
    await this.controlPlane?.stop();
    rmSync(this.rootDir, { recursive: true, force: true });
  }

  pods(namespace = 'default') {
    return this.client.resource(Pods).namespace(namespace);
  }

  /** A pod already bound to the test node. */
  pod(name: string, spec: Partial<corev1.PodSpec>, labels: Record<string, string> = {}): corev1.Pod {
    return {
      metadata: { name, namespace: 'default', labels },
      spec: {
        nodeName: this.nodeName,
        terminationGracePeriodSeconds: 2,
        ...spec,
        containers: (spec.containers ?? []).map((c) => ({ image: this.busybox, imagePullPolicy: 'IfNotPresent', ...c })),
        initContainers: spec.initContainers?.map((c) => ({ image: this.busybox, imagePullPolicy: 'IfNotPresent', ...c })),
      },
    };
  }

  async waitForPod(name: string, check: (pod: corev1.Pod) => boolean, options: { timeoutMs?: number; description?: string } = {}): Promise<corev1.Pod> {
    let last: corev1.Pod | undefined;
    try {
      return await waitFor(
        async () => {
          last = await this.pods().get(name);
          return check(last) ? last : undefined;
        },
        { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, description: options.description ?? `pod ${name}` },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status, null, 1)}`);
    }
  }

  /** The Docker containers (sandbox included) of a pod, by the kubelet's labels. */
  async containersOf(uid: string) {
    return this.docker.listContainers({ all: true, filters: { label: [`io.kubernetes.pod.uid=${uid}`] } });
  }
}

export function statusOf(pod: corev1.Pod, name: string): corev1.ContainerStatus | undefined {
  return [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === name);
}

export function conditionOf(pod: corev1.Pod, type: string): corev1.PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** Whether an IPv4 address is inside a CIDR. */
export function inCidr(ip: string, cidr: string): boolean {
  const toInt = (s: string): number => s.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
  const [base, bits] = cidr.split('/');
  const mask = (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}
