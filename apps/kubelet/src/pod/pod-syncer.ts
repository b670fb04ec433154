import { isNotFound, type corev1 } from '@minik8s/api';
import { ConfigMaps, Pods, Secrets, realClock, type ApiClient, type Clock, type EventRecorder } from '@minik8s/client';
import { formatDuration } from '@minik8s/flags';
import type { Logger } from '@minik8s/logging';
import {
  RuntimeError,
  type RegistryAuth,
  type ImageInfo,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type PodRef,
  type SandboxStatus,
} from '../runtime/container-runtime';
import { computePodStatus, type WaitingReason } from '../status/pod-status';
import type { StatusManager } from '../status/status-manager';
import type { PodSyncer, SyncResult } from '../pod-workers';
import { Backoff } from './backoff';
import { ContainerConfigError, expandCommand, quantityValue, resolveEnv, type EnvSources } from './env';
import { byNewest, computePodActions, containerHash, instancesByName, type ContainerToStart } from './pod-actions';
import type { VolumeManager } from './volumes';
import { formatResolvConf, hostsFileFor, resolvConfFor, type DnsSettings } from './dns';
import { graceAfterPreStop, runLifecycleHook } from './lifecycle-hooks';
import { VolumeMountError } from './volume-payloads';
import { credentialsFor } from './pull-secrets';
import { containerFieldPath } from '../events/field-path';

/** How soon a pod whose volumes could not be mounted tries again. */
const MOUNT_RETRY_MS = 2_000;

/** A postStart hook that has not finished by then fails (Kubernetes waits without bound). */
const POST_START_TIMEOUT_MS = 120_000;

export interface PodSyncerOptions {
  runtime: ContainerRuntime;
  client: ApiClient;
  statusManager: StatusManager;
  nodeName: string;
  nodeIP: string;
  /** Whether the pod network exists (non-host-network pods wait for it). */
  networkReady: () => boolean;
  volumes?: VolumeManager;
  recorder?: EventRecorder;
  logger?: Logger;
  clock?: Clock;
  /** Crash-loop back-off: 10s doubling to 5 minutes in Kubernetes. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Node capacity, for resourceFieldRef limits a container does not set. */
  nodeResources?: { cpu: number; memory: number };
  /** Cluster DNS for the pods' resolv.conf (needs `volumes` to write the files). */
  dns?: DnsSettings;
  /** Liveness/readiness/startup results, when probes run. */
  probes?: ProbeResults;
  /** Decides whether a new pod may run here; a refusal fails it with that reason. */
  admit?: (pod: corev1.Pod) => { reason: string; message: string } | undefined;
}

/** What the prober reports to the syncer. */
export interface ProbeResults {
  livenessFailed(podUid: string): Set<string>;
  readiness(): ReadonlyMap<string, boolean>;
  notStarted(): ReadonlySet<string>;
  /** Starts/stops probe workers to match the pod's running containers. */
  update(pod: corev1.Pod, containers: readonly ContainerStatus[], podIP: string): void;
  forget(podUid: string): void;
}

function podRef(pod: corev1.Pod): PodRef {
  return { uid: pod.metadata?.uid ?? '', name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default' };
}

/** A pull's duration as the kubelet's Pulled event prints it (Go's Duration, truncated to the millisecond). */
function pullDuration(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const minutes = Math.floor(whole / 60_000);
  const seconds = ((whole % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

function podDesc(pod: corev1.Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

function cpuLimit(c: corev1.Container): { nanoCpus: number; shares: number } {
  const limit = c.resources?.limits?.cpu;
  const request = c.resources?.requests?.cpu ?? limit;
  return {
    nanoCpus: limit ? Math.round(quantityValue(limit) * 1e9) : 0,
    shares: request ? Math.max(2, Math.round(quantityValue(request) * 1024)) : 2,
  };
}

/** Kubernetes' default pull policy: Always for `:latest` or no tag, else IfNotPresent. */
export function pullPolicyOf(c: corev1.Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const image = c.image ?? '';
  const afterSlash = image.slice(image.lastIndexOf('/') + 1);
  if (image.includes('@')) return 'IfNotPresent';
  return !afterSlash.includes(':') || afterSlash.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

/** The kubelet's sync of one pod against Docker: the PodSyncer the pod workers drive. */
export class KubeletPodSyncer implements PodSyncer {
  private readonly runtime: ContainerRuntime;
  private readonly clock: Clock;
  readonly crashBackoff: Backoff;
  readonly imageBackoff: Backoff;
  /** Why each container is waiting, by pod UID and container name. */
  private readonly reasons = new Map<string, Map<string, WaitingReason>>();
  private readonly envSources: EnvSources;

  constructor(private readonly options: PodSyncerOptions) {
    this.runtime = options.runtime;
    this.clock = options.clock ?? realClock;
    this.crashBackoff = new Backoff(options.backoffInitialMs ?? 10_000, options.backoffMaxMs ?? 300_000, this.clock);
    this.imageBackoff = new Backoff(options.backoffInitialMs ?? 10_000, options.backoffMaxMs ?? 300_000, this.clock);
    const client = options.client;
    const getOrUndefined = async <T>(get: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await get();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    this.envSources = {
      getConfigMap: (ns, name) => getOrUndefined(() => client.resource(ConfigMaps).namespace(ns).get(name)),
      getSecret: (ns, name) => getOrUndefined(() => client.resource(Secrets).namespace(ns).get(name)),
    };
  }

  private reasonsOf(uid: string): Map<string, WaitingReason> {
    let m = this.reasons.get(uid);
    if (!m) this.reasons.set(uid, (m = new Map()));
    return m;
  }

  /** An event about the pod, or with `container` about that container of it (its fieldPath). */
  private event(pod: corev1.Pod, type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void {
    if (!this.options.recorder) return;
    const fieldPath = container === undefined ? undefined : containerFieldPath(pod, container);
    void this.options.recorder.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, type, reason, message, fieldPath);
  }

  /** Pods this kubelet accepted; the others are refused once (OutOfpods, ...). */
  readonly admitted = new Set<string>();

  /** Fails the pod with `reason` without running it (admission refusals, deadlines). */
  private async failPod(pod: corev1.Pod, reason: string, message: string, sandboxes: readonly SandboxStatus[], containers: readonly ContainerStatus[]): Promise<SyncResult> {
    const status = computePodStatus({
      pod: this.withLatestStatus(pod),
      sandboxes,
      containers,
      reasons: this.reasonsOf(pod.metadata?.uid ?? ''),
      hostIP: this.options.nodeIP,
      now: this.clock.now(),
    });
    await this.options.statusManager.setPodStatus(pod, { ...status, phase: 'Failed', reason, message });
    this.event(pod, 'Warning', reason, message);
    return { terminal: true };
  }

  /** The pod with the newest status the API has (a static pod's comes from its mirror). */
  private withLatestStatus(pod: corev1.Pod): corev1.Pod {
    const latest = this.options.statusManager.latestStatus?.(pod);
    return latest ? { ...pod, status: latest } : pod;
  }

  async syncPod(pod: corev1.Pod): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? '';
    const phase = this.withLatestStatus(pod).status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return { terminal: true };
    let [sandboxes, containers] = await Promise.all([this.runtime.listPodSandboxes(uid), this.runtime.listContainers(uid)]);
    if (!this.admitted.has(uid)) {
      // Pods that already have containers were admitted by an earlier run of the kubelet.
      const refusal = sandboxes.length > 0 || containers.length > 0 ? undefined : this.options.admit?.(pod);
      if (refusal) return this.failPod(pod, refusal.reason, refusal.message, sandboxes, containers);
      this.admitted.add(uid);
    }
    const deadline = pod.spec?.activeDeadlineSeconds;
    const started = this.withLatestStatus(pod).status?.startTime;
    const startTime = started ? Date.parse(started) : undefined;
    let deadlineInMs: number | undefined;
    if (deadline !== undefined && startTime !== undefined) {
      deadlineInMs = startTime + deadline * 1000 - this.clock.now();
      if (deadlineInMs <= 0) return this.failPod(pod, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline', sandboxes, containers);
    }
    if (!pod.spec?.hostNetwork && !this.options.networkReady()) {
      throw new Error('network is not ready: the pod network (podCIDR) is not set up yet');
    }
    const actions = computePodActions(pod, sandboxes, containers, { livenessFailed: this.options.probes?.livenessFailed(uid) });
    const reasons = this.reasonsOf(uid);
    const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
    let requeueAfterMs: number | undefined;
    let changed = false;

    if (actions.killPod) {
      if (sandboxes.length > 0) this.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      await this.killAll(pod, containers, sandboxes, grace);
      changed = true;
    }
    for (const k of actions.containersToKill) {
      const c = containers.find((x) => x.id === k.id);
      if (c) await this.killContainer(pod, c, grace, sandboxes, k.message);
      else await this.runtime.stopContainer(k.id, grace);
      changed = true;
    }

    const toStart = actions.initContainerToStart ? [actions.initContainerToStart] : actions.containersToStart;
    // The images' local state is read while the sandbox starts, not after it: one round trip less per new pod.
    const imageLookups = new Map<string, Promise<ImageInfo | undefined>>();
    if (actions.createSandbox) {
      for (const start of toStart) {
        const image = start.container.image ?? '';
        if (imageLookups.has(image)) continue;
        const lookup = this.runtime.imageStatus(image);
        lookup.catch(() => undefined);
        imageLookups.set(image, lookup);
      }
    }

    let sandboxId = actions.sandboxId;
    let podIP = '';
    if (actions.createSandbox) {
      try {
        sandboxId = await this.createSandbox(pod, actions.attempt);
      } catch (err) {
        // The pod stays Pending (its containers ContainerCreating); the worker retries with back-off.
        this.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
        throw err;
      }
      changed = true;
      sandboxes = await this.runtime.listPodSandboxes(uid);
    }
    podIP = pod.spec?.hostNetwork ? this.options.nodeIP : (sandboxes.find((s) => s.id === sandboxId)?.ip ?? '');

    for (const start of toStart) {
      const wait = await this.startContainer(pod, sandboxId, podIP, start, reasons, imageLookups);
      if (wait === 0) changed = true;
      else if (wait !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? wait, wait);
    }

    if (changed) containers = await this.runtime.listContainers(uid);
    if (this.options.volumes && !changed && containers.some((c) => c.state === 'running')) {
      const refreshed = await this.options.volumes.refresh(pod, podIP);
      if (refreshed.length > 0) this.options.logger?.debug({ pod: podDesc(pod), volumes: refreshed }, 'updated volume contents');
      const over = await this.options.volumes.emptyDirOverLimit(pod);
      if (over) {
        // As the eviction manager: the pod fails and its containers are stopped.
        return this.failPod(pod, 'Evicted', `Usage of EmptyDir volume "${over.volume}" exceeds the limit "${over.limit}". `, sandboxes, containers);
      }
    }
    containers = await this.withTerminationMessages(pod, containers);
    await this.garbageCollect(pod, containers, sandboxes, sandboxId);
    this.options.probes?.update(pod, containers, podIP);

    const status = computePodStatus({
      pod: this.withLatestStatus(pod),
      sandboxes,
      containers,
      reasons,
      hostIP: this.options.nodeIP,
      now: this.clock.now(),
      readiness: this.options.probes?.readiness(),
      notStarted: this.options.probes?.notStarted(),
    });
    await this.options.statusManager.setPodStatus(pod, status);
    const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
    if (deadlineInMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? deadlineInMs, deadlineInMs);
    else if (deadline !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? 1_000, 1_000);
    return { terminal, requeueAfterMs };
  }

  private async createSandbox(pod: corev1.Pod, attempt: number): Promise<string> {
    const spec = pod.spec ?? {};
    const extraHosts: string[] = [];
    for (const alias of spec.hostAliases ?? []) for (const h of alias.hostnames ?? []) extraHosts.push(`${h}:${alias.ip}`);
    const id = await this.runtime.runPodSandbox({
      pod: podRef(pod),
      attempt,
      hostname: (spec.hostname || pod.metadata?.name || '').slice(0, 63),
      hostNetwork: spec.hostNetwork ?? false,
      hostPID: spec.hostPID ?? false,
      hostIPC: spec.hostIPC ?? false,
      // Pods on the pod network get the kubelet's /etc/hosts mounted; host-network pods get aliases from Docker.
      extraHosts: spec.hostNetwork ? extraHosts : [],
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    });
    this.options.logger?.info({ pod: podDesc(pod), sandbox: id.slice(0, 12), attempt }, 'started pod sandbox');
    return id;
  }

  /**
   * Starts one container, unless it is backing off. Returns 0 when it started, the milliseconds
   * to wait when it is backing off, undefined when it failed otherwise.
   */
  private async startContainer(
    pod: corev1.Pod,
    sandboxId: string,
    podIP: string,
    start: ToStart,
    reasons: Map<string, WaitingReason>,
    imageLookups: ReadonlyMap<string, Promise<ImageInfo | undefined>> = new Map(),
  ): Promise<number | undefined> {
    const c = start.container;
    const name = c.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    const key = `${uid}/${name}`;
    const prev = start.previous;
    if (prev && prev.state !== 'running') {
      const finishedAt = prev.finishedAt || prev.createdAt;
      if (this.crashBackoff.isInBackOffSince(key, finishedAt)) {
        const delay = this.crashBackoff.get(key);
        reasons.set(name, {
          reason: 'CrashLoopBackOff',
          message: `back-off ${formatDuration(delay)} restarting failed container=${name} pod=${podDesc(pod)}`,
        });
        this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${podDesc(pod)}`, name);
        return Math.max(1, this.crashBackoff.remaining(key, finishedAt));
      }
      this.crashBackoff.next(key, finishedAt);
    }

    // The image.
    const imageWait = await this.ensureImage(pod, c, reasons, imageLookups.get(c.image ?? ''));
    if (imageWait !== 0) return imageWait;

    let config: ContainerConfig;
    try {
      const env = await resolveEnv(pod, c, this.envSources, { hostIP: this.options.nodeIP, podIP }, this.options.nodeResources);
      const { command, args } = expandCommand(c, env);
      const mounts = this.options.volumes ? await this.options.volumes.mountsFor(pod, c, podIP, env) : [];
      mounts.push(...(await this.dnsMounts(pod, podIP, mounts.map((m) => m.containerPath))));
      const messagePath = c.terminationMessagePath || '/dev/termination-log';
      if (this.options.volumes && !mounts.some((m) => m.containerPath === messagePath)) {
        const hostPath = await this.options.volumes.createTerminationLog(uid, name, start.restartCount);
        mounts.push({ hostPath, containerPath: messagePath, readOnly: false });
      }
      const sc = c.securityContext ?? {};
      const psc = pod.spec?.securityContext ?? {};
      const cpu = cpuLimit(c);
      const memLimit = c.resources?.limits?.memory;
      config = {
        pod: podRef(pod),
        name,
        kind: start.kind,
        image: c.image ?? '',
        command,
        args,
        workingDir: c.workingDir,
        env,
        mounts,
        restartCount: start.restartCount,
        hash: containerHash(c),
        tty: c.tty ?? false,
        stdin: c.stdin ?? false,
        stdinOnce: c.stdinOnce ?? false,
        memoryLimit: memLimit ? Math.round(quantityValue(memLimit)) : 0,
        nanoCpus: cpu.nanoCpus,
        cpuShares: cpu.shares,
        privileged: sc.privileged ?? false,
        runAsUser: sc.runAsUser ?? psc.runAsUser,
        runAsGroup: sc.runAsGroup ?? psc.runAsGroup,
        readOnlyRootFilesystem: sc.readOnlyRootFilesystem ?? false,
        sharePid: pod.spec?.shareProcessNamespace ?? false,
        terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30,
      };
    } catch (err) {
      if (err instanceof VolumeMountError) {
        // The container waits in ContainerCreating until the volume can be set up.
        reasons.delete(name);
        this.event(pod, 'Warning', 'FailedMount', err.message);
        return MOUNT_RETRY_MS;
      }
      const reason = err instanceof ContainerConfigError ? err.reason : 'CreateContainerConfigError';
      reasons.set(name, { reason, message: (err as Error).message });
      this.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`, name);
      return undefined;
    }

    try {
      const id = await this.runtime.createContainer(sandboxId, config);
      this.event(pod, 'Normal', 'Created', `Created container ${name}`, name);
      await this.runtime.startContainer(id);
      this.event(pod, 'Normal', 'Started', `Started container ${name}`, name);
      reasons.delete(name);
      this.options.logger?.debug({ pod: podDesc(pod), container: name, id: id.slice(0, 12), restartCount: start.restartCount }, 'started container');
      const postStart = c.lifecycle?.postStart;
      if (postStart) {
        const failure = await runLifecycleHook(postStart, { runtime: this.runtime, pod, container: c, containerId: id, podIP, timeoutMs: POST_START_TIMEOUT_MS });
        if (failure) {
          // As the kubelet: the container is killed and restarts (with back-off) per the restart policy.
          this.event(pod, 'Warning', 'FailedPostStartHook', failure.message, name);
          this.event(pod, 'Normal', 'Killing', 'FailedPostStartHook', name);
          await this.runtime.stopContainer(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
        }
      }
      return 0;
    } catch (err) {
      const reason = err instanceof RuntimeError ? err.reason : 'RunContainerError';
      reasons.set(name, { reason, message: (err as Error).message });
      this.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`, name);
      // The next restart of this container backs off like a crash.
      return reason === 'RunContainerError' ? 0 : undefined;
    }
  }

  /** Termination messages of exited containers, keyed by container ID (they never change). */
  private readonly messages = new Map<string, string>();

  /**
   * Fills in the termination message of exited containers: the file at terminationMessagePath,
   * or with FallbackToLogsOnError and a failure, the last 80 lines of output.
   */
  private async withTerminationMessages(pod: corev1.Pod, containers: ContainerStatus[]): Promise<ContainerStatus[]> {
    const uid = pod.metadata?.uid ?? '';
    const specs = new Map([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name ?? '', c]));
    const out: ContainerStatus[] = [];
    for (const c of containers) {
      if (c.state !== 'exited') {
        out.push(c);
        continue;
      }
      let message = this.messages.get(c.id);
      if (message === undefined) {
        message = (await this.options.volumes?.readTerminationLog(uid, c.name, c.restartCount)) ?? '';
        if (!message && c.exitCode !== 0 && specs.get(c.name)?.terminationMessagePolicy === 'FallbackToLogsOnError') {
          message = await this.runtime.logs(c.id, 80).catch(() => '');
        }
        if (message.length > 4096) message = message.slice(-4096);
        this.messages.set(c.id, message);
      }
      out.push(message ? { ...c, message } : c);
    }
    return out;
  }

  /** /etc/hosts and /etc/resolv.conf managed by the kubelet, unless the container mounts its own. */
  private async dnsMounts(pod: corev1.Pod, podIP: string, taken: string[]): Promise<{ hostPath: string; containerPath: string; readOnly: boolean }[]> {
    const volumes = this.options.volumes;
    if (!volumes || pod.spec?.hostNetwork) return [];
    const uid = pod.metadata?.uid ?? '';
    const out: { hostPath: string; containerPath: string; readOnly: boolean }[] = [];
    const domain = this.options.dns?.clusterDomain ?? 'cluster.local';
    if (!taken.includes('/etc/hosts')) {
      out.push({ hostPath: await volumes.writePodFile(uid, 'etc-hosts', hostsFileFor(pod, podIP, domain)), containerPath: '/etc/hosts', readOnly: false });
    }
    const conf = this.options.dns ? resolvConfFor(pod.spec ?? {}, pod.metadata?.namespace ?? 'default', this.options.dns) : undefined;
    if (conf && !taken.includes('/etc/resolv.conf')) {
      out.push({ hostPath: await volumes.writePodFile(uid, 'resolv.conf', formatResolvConf(conf)), containerPath: '/etc/resolv.conf', readOnly: false });
    }
    return out;
  }

  /** 0 when the image is there; otherwise records why not and returns when to try again. */
  private async ensureImage(
    pod: corev1.Pod,
    c: corev1.Container,
    reasons: Map<string, WaitingReason>,
    lookup?: Promise<ImageInfo | undefined>,
  ): Promise<number | undefined> {
    const name = c.name ?? '';
    const image = c.image ?? '';
    const policy = pullPolicyOf(c);
    const present = await (lookup ?? this.runtime.imageStatus(image));
    if (policy === 'Never' || (present && policy === 'IfNotPresent')) {
      if (present) {
        this.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, name);
        return 0;
      }
      const message = `Container image "${image}" is not present with pull policy of Never`;
      reasons.set(name, { reason: 'ErrImageNeverPull', message });
      this.event(pod, 'Warning', 'ErrImageNeverPull', message, name);
      this.event(pod, 'Warning', 'Failed', 'Error: ErrImageNeverPull', name);
      return undefined;
    }
    const key = `${pod.metadata?.uid}/${name}/${image}`;
    const last = this.imageFailures.get(key);
    if (last !== undefined && this.imageBackoff.isInBackOffSince(key, last)) {
      if (present) return 0;
      reasons.set(name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
      this.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, name);
      this.event(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', name);
      return Math.max(1, this.imageBackoff.remaining(key, last));
    }
    try {
      this.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, name);
      const started = this.clock.now();
      const pulled = await this.runtime.pullImage(image, await this.pullCredentials(pod, image));
      this.imageFailures.delete(key);
      const took = pullDuration(this.clock.now() - started);
      this.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${pulled.size} bytes.`, name);
      return 0;
    } catch (err) {
      const now = this.clock.now();
      this.imageBackoff.next(key, now);
      this.imageFailures.set(key, now);
      // Without a registry, Always still runs what the engine has (and says so in an event).
      if (present) {
        this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}"; using the local image: ${(err as Error).message}`, name);
        return 0;
      }
      const message = (err as Error).message;
      reasons.set(name, { reason: 'ErrImagePull', message });
      this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`, name);
      this.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull', name);
      return Math.max(1, this.imageBackoff.remaining(key, now));
    }
  }

  private readonly imageFailures = new Map<string, number>();

  /** Registry credentials for `image` from the pod's imagePullSecrets; missing secrets are reported, not fatal. */
  private async pullCredentials(pod: corev1.Pod, image: string): Promise<RegistryAuth[]> {
    const names = (pod.spec?.imagePullSecrets ?? []).map((r) => r.name ?? '').filter((n) => n);
    if (names.length === 0) return [];
    const ns = pod.metadata?.namespace ?? 'default';
    const secrets: corev1.Secret[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const secret = await this.envSources.getSecret(ns, name);
      if (secret) secrets.push(secret);
      else missing.push(name);
    }
    if (missing.length > 0) {
      this.event(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
    }
    return credentialsFor(image, secrets);
  }

  private async killAll(pod: corev1.Pod, containers: readonly ContainerStatus[], sandboxes: readonly SandboxStatus[], grace: number): Promise<void> {
    const running = containers.filter((c) => c.state === 'running');
    await Promise.all(running.map((c) => this.killContainer(pod, c, grace, sandboxes)));
    for (const s of sandboxes) if (s.state === 'ready') await this.runtime.stopPodSandbox(s.id);
  }

  /**
   * Stops one container as the kubelet's killContainer does: the preStop hook first (its time
   * counts against the grace period, at least 2 s remain for the stop signal), then the stop
   * signal, then SIGKILL when the rest of the grace period runs out.
   */
  private async killContainer(pod: corev1.Pod, c: ContainerStatus, grace: number, sandboxes: readonly SandboxStatus[], message?: string): Promise<void> {
    this.event(pod, 'Normal', 'Killing', message ?? `Stopping container ${c.name}`, c.name);
    const specs = c.kind === 'init' ? pod.spec?.initContainers : pod.spec?.containers;
    const spec = specs?.find((s) => s.name === c.name);
    const preStop = spec?.lifecycle?.preStop;
    let timeout = grace;
    if (spec && preStop && grace > 0 && c.state === 'running') {
      const started = this.clock.now();
      const podIP = pod.spec?.hostNetwork ? this.options.nodeIP : (sandboxes.find((s) => s.id === c.sandboxId)?.ip ?? '');
      const failure = await runLifecycleHook(preStop, { runtime: this.runtime, pod, container: spec, containerId: c.id, podIP, timeoutMs: grace * 1000 });
      if (failure) this.event(pod, 'Warning', 'FailedPreStopHook', failure.message, c.name);
      timeout = graceAfterPreStop(grace, this.clock.now() - started);
    }
    await this.runtime.stopContainer(c.id, timeout);
  }

  /** Keeps the newest two instances of each container and the current sandbox; removes the rest. */
  private async garbageCollect(pod: corev1.Pod, containers: readonly ContainerStatus[], sandboxes: readonly SandboxStatus[], sandboxId: string): Promise<void> {
    for (const kind of ['init', 'regular'] as const) {
      for (const list of instancesByName(containers, kind).values()) {
        for (const old of list.sort(byNewest).slice(2)) {
          if (old.state === 'running') continue;
          await this.runtime.removeContainer(old.id);
          this.messages.delete(old.id);
        }
      }
    }
    for (const s of sandboxes) {
      if (s.id === sandboxId || s.state === 'ready') continue;
      const used = containers.some((c) => c.sandboxId === s.id);
      if (!used) await this.runtime.removePodSandbox(s.id);
    }
    void pod;
  }

  async syncTerminatingPod(pod: corev1.Pod, gracePeriodSeconds: number): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const [containers, sandboxes] = await Promise.all([this.runtime.listContainers(uid), this.runtime.listPodSandboxes(uid)]);
    if (pod.metadata?.deletionTimestamp) {
      this.options.logger?.info({ pod: podDesc(pod), gracePeriodSeconds }, 'killing pod');
    }
    await this.killAll(pod, containers, sandboxes, gracePeriodSeconds);
    this.options.probes?.forget(uid);
    const after = await this.withTerminationMessages(pod, await this.runtime.listContainers(uid));
    const status = computePodStatus({
      pod: this.withLatestStatus(pod),
      sandboxes: await this.runtime.listPodSandboxes(uid),
      containers: after,
      reasons: new Map(),
      hostIP: this.options.nodeIP,
      now: this.clock.now(),
      terminal: true,
    });
    await this.options.statusManager.setPodStatus(pod, status);
  }

  async syncTerminatedPod(pod: corev1.Pod, deleted: boolean): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (!deleted) return;
    await this.removePodResources(uid);
    this.reasons.delete(uid);
    this.admitted.delete(uid);
    this.crashBackoff.gc(`${uid}/`);
    this.imageBackoff.gc(`${uid}/`);
    if (pod.metadata?.deletionTimestamp) {
      try {
        await this.options.client
          .resource(Pods)
          .namespace(pod.metadata.namespace ?? 'default')
          .delete(pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
        this.options.logger?.info({ pod: podDesc(pod) }, 'pod deleted from the API');
      } catch (err) {
        if (!isNotFound(err) && !/precondition|uid/i.test((err as Error).message)) throw err;
      }
    }
  }

  /** Removes every container and sandbox of a pod, and its volumes. */
  async removePodResources(uid: string): Promise<void> {
    for (const c of await this.runtime.listContainers(uid)) {
      await this.runtime.removeContainer(c.id);
      this.messages.delete(c.id);
    }
    for (const s of await this.runtime.listPodSandboxes(uid)) await this.runtime.removePodSandbox(s.id);
    await this.options.volumes?.cleanup(uid);
  }
}

type ToStart = ContainerToStart;
