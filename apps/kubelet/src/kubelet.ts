import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { isAlreadyExists, isNotFound, type corev1 } from '@minik8s/api';
import { ApiClient, EventRecorder, Informer, Nodes, Pods, realClock, type Clock } from '@minik8s/client';
import { silentLogger, type Logger } from '@minik8s/logging';
import { NodeStatusManager } from './node/node-status';
import { readHostResources } from './node/host-info';
import { KubeletPodSyncer } from './pod/pod-syncer';
import { admitPod } from './pod/admission';
import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION, isMirrorPod, mirrorPodFor, readStaticPods } from './pod/static-pods';
import { VolumeManager } from './pod/volumes';
import { PodWorkers } from './pod-workers';
import { containerFieldPath } from './events/field-path';
import { ProberManager } from './prober/prober-manager';
import type { ContainerRuntime } from './runtime/container-runtime';
import { DockerRuntime, dockerFromHost } from './runtime/docker-runtime';
import { StreamingServer } from './streaming/streaming-server';
import { StatusManager } from './status/status-manager';

function readTextOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

export interface KubeletConfig {
  server: string;
  nodeName: string;
  nodeIP: string;
  hostname?: string;
  /** Used when the Node has no spec.podCIDR; written into the Node when the kubelet creates it. */
  podCIDR?: string;
  rootDir: string;
  dockerHost?: string;
  podInfraImage: string;
  podNetworkName?: string;
  maxPods?: number;
  nodeLabels?: Record<string, string>;
  taints?: corev1.Taint[];
  kubeletPort?: number;
  /** --address: serve logs/exec/attach/port-forward on address:kubeletPort; no stream server when unset. */
  address?: string;
  /** --pod-manifest-path: static pods, read every staticPodIntervalMs (20s). */
  podManifestPath?: string;
  staticPodIntervalMs?: number;
  /** --cluster-dns, --cluster-domain, --resolv-conf */
  clusterDNS?: string[];
  clusterDomain?: string;
  resolvConf?: string;
  logger?: Logger;
  clock?: Clock;
  /** Another runtime than Docker (tests). */
  runtime?: ContainerRuntime;
  /** Labels added to every Docker object the kubelet makes (tests clean up by them). */
  dockerLabels?: Record<string, string>;
  /** Container starts the engine runs at once (0 or unset: twice the CPUs). */
  maxParallelContainerStarts?: number;
  /** --container-log-max-size in bytes and --container-log-max-files (unset: 10Mi and 5). */
  containerLogMaxSize?: number;
  containerLogMaxFiles?: number;
  nodeStatusUpdateIntervalMs?: number;
  leaseRenewIntervalMs?: number;
  leaseDurationSeconds?: number;
  resyncIntervalMs?: number;
  housekeepingIntervalMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  errorBackoffMs?: number;
}

/**
 * The node agent: registers the Node and keeps its status and Lease fresh, watches the pods bound
 * to the node, and runs them on the container runtime through one worker per pod.
 */
export class Kubelet {
  readonly client: ApiClient;
  readonly runtime: ContainerRuntime;
  readonly nodeStatus: NodeStatusManager;
  readonly podInformer: Informer<corev1.Pod>;
  readonly nodeInformer: Informer<corev1.Node>;
  readonly podWorkers: PodWorkers;
  readonly syncer: KubeletPodSyncer;
  readonly prober: ProberManager;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private podCIDR = '';
  private networkReady = false;
  private networkError = 'no podCIDR assigned to the node yet';
  private stopEvents: (() => void) | undefined;
  /** Static pods by UID, from --pod-manifest-path. */
  private readonly staticPods = new Map<string, corev1.Pod>();
  private eventsTimer: NodeJS.Timeout | undefined;
  private streaming: StreamingServer | undefined;

  private constructor(private readonly config: KubeletConfig) {
    this.logger = config.logger ?? silentLogger();
    this.clock = config.clock ?? realClock;
    this.client = new ApiClient(config.server);
    this.runtime =
      config.runtime ??
      new DockerRuntime({
        dockerHost: config.dockerHost,
        nodeName: config.nodeName,
        podInfraImage: config.podInfraImage,
        networkName: config.podNetworkName,
        extraLabels: config.dockerLabels,
        maxParallelStarts: config.maxParallelContainerStarts,
        containerLogMaxSize: config.containerLogMaxSize,
        containerLogMaxFiles: config.containerLogMaxFiles,
        logger: this.logger,
      });
    mkdirSync(config.rootDir, { recursive: true });
    this.nodeStatus = new NodeStatusManager({
      client: this.client,
      runtime: this.runtime,
      nodeName: config.nodeName,
      nodeIP: config.nodeIP,
      hostname: config.hostname ?? config.nodeName,
      rootDir: config.rootDir,
      maxPods: config.maxPods ?? 110,
      labels: config.nodeLabels ?? {},
      taints: config.taints ?? [],
      podCIDR: config.podCIDR,
      kubeletPort: config.kubeletPort ?? 10250,
      runtimeEndpoint: config.dockerHost ?? 'unix:///var/run/docker.sock',
      networkStatus: () => ({ ready: this.networkReady, message: this.networkError }),
      logger: this.logger,
      clock: this.clock,
      leaseDurationSeconds: config.leaseDurationSeconds,
    });
    this.podInformer = new Informer<corev1.Pod>(this.client, this.client.kindInfo(Pods), {
      fieldSelector: `spec.nodeName=${config.nodeName}`,
      logger: this.logger,
    });
    this.nodeInformer = new Informer<corev1.Node>(this.client, this.client.kindInfo(Nodes), {
      fieldSelector: `metadata.name=${config.nodeName}`,
      logger: this.logger,
    });
    const recorder = new EventRecorder(this.client, { component: 'kubelet', host: config.nodeName }, { logger: this.logger });
    this.prober = new ProberManager(this.runtime, {
      logger: this.logger,
      clock: this.clock,
      onUnhealthy: (uid, container, _type, message) => {
        const pod = this.podInformer.list().find((p) => p.metadata?.uid === uid);
        if (pod) void recorder.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'Unhealthy', message, containerFieldPath(pod, container));
      },
      onChange: (uid, container, type, ok) => {
        if (!ok && type === 'liveness') {
          const pod = this.podInformer.list().find((p) => p.metadata?.uid === uid);
          this.logger.info({ pod: pod?.metadata?.name, container }, 'liveness probe failed; restarting the container');
        }
        this.podWorkers.poke(uid);
      },
    });
    const statusManager = new StatusManager(this.client, (ns, name) => this.podInformer.get(ns, name), this.logger);
    this.syncer = new KubeletPodSyncer({
      runtime: this.runtime,
      client: this.client,
      statusManager,
      nodeName: config.nodeName,
      nodeIP: config.nodeIP,
      networkReady: () => this.networkReady,
      volumes: new VolumeManager(config.rootDir, this.client, { nodeIP: config.nodeIP, nodeResources: { cpu: os.cpus().length, memory: os.totalmem() }, logger: this.logger }),
      recorder,
      probes: this.prober,
      dns: {
        clusterDNS: config.clusterDNS ?? [],
        clusterDomain: config.clusterDomain ?? 'cluster.local',
        hostResolvConf: readTextOr(config.resolvConf ?? '/etc/resolv.conf', ''),
      },
      logger: this.logger,
      clock: this.clock,
      backoffInitialMs: config.backoffInitialMs,
      backoffMaxMs: config.backoffMaxMs,
      nodeResources: { cpu: os.cpus().length, memory: os.totalmem() },
      admit: (pod) => {
        const active = this.podInformer
          .list()
          .filter((p) => p.metadata?.uid !== pod.metadata?.uid && this.syncer.admitted.has(p.metadata?.uid ?? '') && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
        return admitPod(pod, active, { pods: config.maxPods ?? 110, cpuMilli: os.cpus().length * 1000, memoryBytes: Math.max(0, os.totalmem() - 100 * 1024 * 1024) });
      },
    });
    this.podWorkers = new PodWorkers(this.syncer, {
      logger: this.logger,
      resyncIntervalMs: config.resyncIntervalMs,
      errorBackoffMs: config.errorBackoffMs,
    });
  }

  static async start(config: KubeletConfig): Promise<Kubelet> {
    const kubelet = new Kubelet(config);
    await kubelet.run();
    return kubelet;
  }

  private every(ms: number, fn: () => Promise<unknown>, what: string): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      fn()
        .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, `${what} failed`))
        .finally(() => (busy = false));
    }, ms);
    this.timers.push(timer);
  }

  private async run(): Promise<void> {
    if (this.config.address !== undefined) {
      const docker = this.runtime instanceof DockerRuntime ? this.runtime.docker : dockerFromHost(this.config.dockerHost);
      const getPod = (namespace: string, name: string): corev1.Pod | undefined => this.podInformer.get(namespace, name);
      this.streaming = new StreamingServer({ docker, nodeName: this.config.nodeName, getPod, logger: this.logger });
      await this.streaming.start(this.config.address, this.config.kubeletPort ?? 10250);
    }
    // Register, retrying until the apiserver answers.
    for (let delay = 500; ; delay = Math.min(delay * 2, 7_000)) {
      try {
        await this.nodeStatus.register();
        break;
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn({ err: (err as Error).message }, 'unable to register node; retrying');
        await this.clock.sleep(delay);
      }
    }
    await this.nodeStatus.renewLease().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'lease renewal failed'));

    this.nodeInformer.addEventHandler({
      onAdd: (node) => void this.onNode(node),
      onUpdate: (_old, node) => void this.onNode(node),
    });
    this.nodeInformer.start();
    await this.nodeInformer.waitForCacheSync();
    if (!this.podCIDR && this.config.podCIDR) await this.setPodCIDR(this.config.podCIDR);

    // Mirror pods only show static pods in the API: they are never run themselves.
    this.podInformer.addEventHandler({
      onAdd: (pod) => (isMirrorPod(pod) ? undefined : this.podWorkers.updatePod(pod)),
      onUpdate: (_old, pod) => (isMirrorPod(pod) ? void this.syncMirrorPods().catch(() => undefined) : this.podWorkers.updatePod(pod)),
      onDelete: (pod) => (isMirrorPod(pod) ? void this.syncMirrorPods().catch(() => undefined) : this.podWorkers.removePod(pod)),
    });
    this.podInformer.start();
    await this.podInformer.waitForCacheSync();
    this.logger.info({ node: this.config.nodeName, pods: this.podInformer.list().length }, 'kubelet started');

    if (this.config.podManifestPath) {
      await this.syncStaticPods().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'static pods failed'));
      this.every(this.config.staticPodIntervalMs ?? 20_000, () => this.syncStaticPods(), 'static pods');
    }
    await this.watchRuntimeEvents();
    await this.housekeeping().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'housekeeping failed'));

    this.every(this.config.nodeStatusUpdateIntervalMs ?? 10_000, () => this.statusTick(), 'node status update');
    this.every(this.config.leaseRenewIntervalMs ?? 10_000, () => this.nodeStatus.renewLease(), 'lease renewal');
    this.every(this.config.housekeepingIntervalMs ?? 2_000, () => this.housekeeping(), 'housekeeping');
  }

  private async statusTick(): Promise<void> {
    const wasDown = this.nodeStatus.runtimeError !== undefined;
    if (this.podCIDR && !this.networkReady) await this.setPodCIDR(this.podCIDR);
    await this.nodeStatus.updateStatus();
    if (this.nodeStatus.runtimeError !== undefined) return;
    if (!this.stopEvents && !this.eventsTimer) await this.watchRuntimeEvents();
    if (wasDown) {
      this.logger.info('container runtime is back');
      this.syncAllPods();
    }
  }

  private async onNode(node: corev1.Node): Promise<void> {
    const cidr = node.spec?.podCIDR || this.config.podCIDR || '';
    if (cidr && cidr !== this.podCIDR) await this.setPodCIDR(cidr);
  }

  private async setPodCIDR(cidr: string): Promise<void> {
    const changed = cidr !== this.podCIDR;
    this.podCIDR = cidr;
    try {
      await this.runtime.ensurePodNetwork(cidr);
      const wasReady = this.networkReady;
      this.networkReady = true;
      this.networkError = '';
      if (changed || !wasReady) {
        this.logger.info({ podCIDR: cidr }, 'pod network ready');
        await this.nodeStatus.updateStatus().catch(() => undefined);
        this.syncAllPods();
      }
    } catch (err) {
      this.networkReady = false;
      this.networkError = `pod network on ${cidr} is not ready: ${(err as Error).message}`;
      this.logger.warn({ podCIDR: cidr, err: (err as Error).message }, 'could not set up the pod network');
    }
  }

  /** Container start/die events sync the pod at once, instead of at the next resync. */
  private async watchRuntimeEvents(): Promise<void> {
    const runtime = this.runtime as Partial<DockerRuntime>;
    if (!runtime.watchEvents || this.stopped) return;
    try {
      this.stopEvents = await runtime.watchEvents.call(
        this.runtime,
        (uid) => this.podWorkers.poke(uid),
        (err) => {
          if (this.stopped) return;
          this.logger.debug({ err: (err as Error).message }, 'runtime event stream broke; reconnecting');
          this.stopEvents = undefined;
          this.eventsTimer = setTimeout(() => {
            this.eventsTimer = undefined;
            void this.watchRuntimeEvents();
          }, 2_000);
        },
      );
    } catch (err) {
      this.stopEvents = undefined;
      this.logger.debug({ err: (err as Error).message }, 'could not watch runtime events');
    }
  }

  /**
   * Removes the containers and sandboxes of pods that are neither in the API (bound to this node)
   * nor handled by a pod worker: what is left of pods deleted while the kubelet was down.
   */
  async housekeeping(): Promise<void> {
    if (!this.podInformer.hasSynced() || this.nodeStatus.runtimeError !== undefined) return;
    const known = new Set([...this.podInformer.list().map((p) => p.metadata?.uid ?? ''), ...this.staticPods.keys()]);
    for (const uid of await this.runtime.listPodUids()) {
      if (known.has(uid) || this.podWorkers.has(uid)) continue;
      this.logger.info({ uid }, 'removing the containers of a pod that no longer exists');
      await this.syncer.removePodResources(uid);
    }
  }

  /** Queues a sync of every pod the kubelet runs: bound API pods (not mirrors) and static pods. */
  private syncAllPods(): void {
    for (const pod of this.podInformer.list()) if (!isMirrorPod(pod)) this.podWorkers.updatePod(pod);
    for (const pod of this.staticPods.values()) this.podWorkers.updatePod(pod);
    for (const uid of this.podWorkers.uids()) this.podWorkers.poke(uid);
  }

  /**
   * Reads the static pod manifests: new ones start, changed ones are replaced, removed ones stop.
   * Then brings the mirror pods in the API in line.
   */
  async syncStaticPods(): Promise<void> {
    const dir = this.config.podManifestPath;
    if (!dir) return;
    const { pods, errors } = await readStaticPods(dir, this.config.nodeName, this.client.scheme);
    for (const e of errors) this.logger.warn({ err: e }, 'could not read a static pod manifest');
    const next = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
    for (const [uid, pod] of this.staticPods) {
      if (next.has(uid)) continue;
      this.staticPods.delete(uid);
      this.logger.info({ pod: pod.metadata?.name }, 'static pod removed');
      this.podWorkers.removePod(pod);
    }
    for (const [uid, pod] of next) {
      if (this.staticPods.has(uid)) continue;
      this.staticPods.set(uid, pod);
      this.logger.info({ pod: pod.metadata?.name, uid }, 'static pod added');
      this.podWorkers.updatePod(pod);
    }
    await this.syncMirrorPods();
  }

  private mirrorSync: Promise<void> | undefined;

  /** One mirror pod per static pod; stale, deleted or orphaned mirrors are replaced or removed. */
  syncMirrorPods(): Promise<void> {
    this.mirrorSync ??= this.doSyncMirrorPods().finally(() => (this.mirrorSync = undefined));
    return this.mirrorSync;
  }

  private async doSyncMirrorPods(): Promise<void> {
    if (!this.config.podManifestPath || !this.podInformer.hasSynced()) return;
    const wanted = new Map([...this.staticPods.values()].map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p]));
    const deleteMirror = async (mirror: corev1.Pod): Promise<void> => {
      try {
        await this.client
          .resource(Pods)
          .namespace(mirror.metadata?.namespace)
          .delete(mirror.metadata?.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    };
    for (const mirror of this.podInformer.list().filter(isMirrorPod)) {
      const key = `${mirror.metadata?.namespace}/${mirror.metadata?.name}`;
      const pod = wanted.get(key);
      const stale = !pod || mirror.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
      if (stale || mirror.metadata?.deletionTimestamp) {
        this.logger.info({ pod: key, stale }, 'deleting mirror pod');
        await deleteMirror(mirror);
      }
    }
    for (const [key, pod] of wanted) {
      const existing = this.podInformer.get(pod.metadata?.namespace, pod.metadata?.name ?? '');
      if (existing && isMirrorPod(existing) && !existing.metadata?.deletionTimestamp && existing.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] === pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION]) continue;
      if (existing && !isMirrorPod(existing)) {
        this.logger.warn({ pod: key }, 'a pod that is not a mirror pod has the static pod\'s name; leaving it');
        continue;
      }
      try {
        await this.client.resource(Pods).create(mirrorPodFor(pod, { name: this.config.nodeName, uid: this.nodeStatus.uid }));
        this.logger.info({ pod: key }, 'created mirror pod');
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  /** Free memory and storage now (for tests and debugging). */
  hostResources(): ReturnType<typeof readHostResources> {
    return readHostResources(this.config.rootDir);
  }

  get podNetworkReady(): boolean {
    return this.networkReady;
  }

  /** Stops the kubelet; its containers keep running, as with the real kubelet. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.eventsTimer) clearTimeout(this.eventsTimer);
    this.stopEvents?.();
    await this.streaming?.stop();
    await this.podWorkers.stop();
    this.prober.stop();
    await this.podInformer.stop();
    await this.nodeInformer.stop();
    this.client.close();
  }
}
