import { cpus } from 'node:os';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import type { Logger } from '@minik8s/logging';
import {
  RuntimeError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerState,
  type ContainerStatus,
  type ImageInfo,
  type PodRef,
  type RegistryAuth,
  type RuntimeVersion,
  type SandboxConfig,
  type SandboxStatus,
} from './container-runtime';
import {
  LABEL_CONTAINER_HASH,
  LABEL_CONTAINER_KIND,
  LABEL_CONTAINER_NAME,
  LABEL_GRACE_PERIOD,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_NETWORK,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  LABEL_TYPE,
  SANDBOX_CONTAINER_NAME,
  TYPE_CONTAINER,
  TYPE_SANDBOX,
} from './labels';
import { StartLimiter } from './start-limiter';

export interface DockerRuntimeOptions {
  /** unix:///var/run/docker.sock (default) or tcp://host:port. */
  dockerHost?: string;
  nodeName: string;
  podInfraImage: string;
  /** The bridge network pods join; default `minik8s-<node>`. */
  networkName?: string;
  /** Added to every container and network this runtime makes (tests label what they create). */
  extraLabels?: Record<string, string>;
  /** Container starts the engine runs at once (see StartLimiter); default twice the CPUs. */
  maxParallelStarts?: number;
  /** --container-log-max-size in bytes: each container's log file is rotated past it (default 10Mi). */
  containerLogMaxSize?: number;
  /** --container-log-max-files: the log files kept per container, the current one included (default 5). */
  containerLogMaxFiles?: number;
  logger?: Logger;
}

/** The kubelet's defaults for --container-log-max-size (10Mi) and --container-log-max-files. */
export const DEFAULT_CONTAINER_LOG_MAX_SIZE = 10 * 1024 * 1024;
export const DEFAULT_CONTAINER_LOG_MAX_FILES = 5;

/** The default bound on starts in flight: twice the CPUs, enough to keep the engine busy while one start waits on I/O. */
export function defaultMaxParallelStarts(): number {
  return 2 * Math.max(1, cpus().length);
}

/** A dockerode connection from a DOCKER_HOST-style URL. */
export function dockerFromHost(host: string | undefined): Docker {
  if (!host) return new Docker({ socketPath: '/var/run/docker.sock' });
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function errorMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return e.json?.message ?? e.message ?? String(err);
}

function parseTime(value: string | undefined): number {
  if (!value || value.startsWith('0001-01-01')) return 0;
  const t = Date.parse(value);
  return Number.isNaN(t) ? 0 : t;
}

/** Kubernetes' dockershim names: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>. */
export function containerName(pod: PodRef, name: string, attempt: number): string {
  return `k8s_${name}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
}

/** The first usable address of an IPv4 CIDR: the bridge's gateway. */
export function gatewayOf(cidr: string): string {
  const [ip] = cidr.split('/');
  const parts = ip.split('.').map(Number);
  const n = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  const prefix = Number(cidr.split('/')[1] ?? 32);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const gw = ((n & mask) + 1) >>> 0;
  return [gw >>> 24, (gw >>> 16) & 255, (gw >>> 8) & 255, gw & 255].join('.');
}

function podRefFromLabels(labels: Record<string, string>): PodRef {
  return { uid: labels[LABEL_POD_UID] ?? '', name: labels[LABEL_POD_NAME] ?? '', namespace: labels[LABEL_POD_NAMESPACE] ?? '' };
}

/** The ContainerRuntime on a Docker engine, through its HTTP API (dockerode). */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  readonly networkName: string;
  private readonly nodeName: string;
  private readonly podInfraImage: string;
  private readonly extraLabels: Record<string, string>;
  private readonly logger?: Logger;
  private readonly starts: StartLimiter;
  private readonly logConfig: { Type: 'json-file'; Config: { 'max-size': string; 'max-file': string } };

  constructor(options: DockerRuntimeOptions) {
    this.docker = dockerFromHost(options.dockerHost);
    this.nodeName = options.nodeName;
    this.podInfraImage = options.podInfraImage;
    this.networkName = options.networkName ?? `minik8s-${options.nodeName}`;
    this.extraLabels = options.extraLabels ?? {};
    this.logger = options.logger;
    this.starts = new StartLimiter(options.maxParallelStarts || defaultMaxParallelStarts());
    // The engine's default driver keeps a container's output forever (json-file without max-size),
    // so one chatty container fills the node's disk; Kubernetes bounds every container's log, and
    // so do we. json-file rotates by itself, and `docker logs` (the kubelet's logs, --previous and
    // --tail included) reads across the rotated files, so nothing but the oldest lines is lost.
    // Naming the driver, not only its options, keeps this true on an engine whose daemon.json
    // picked a driver that does not rotate or that `docker logs` cannot read.
    this.logConfig = {
      Type: 'json-file',
      Config: {
        'max-size': String(options.containerLogMaxSize ?? DEFAULT_CONTAINER_LOG_MAX_SIZE),
        'max-file': String(options.containerLogMaxFiles ?? DEFAULT_CONTAINER_LOG_MAX_FILES),
      },
    };
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.docker.version();
    return { name: 'docker', version: v.Version, apiVersion: v.ApiVersion };
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async ensurePodNetwork(cidr: string): Promise<void> {
    const existing = await this.docker.listNetworks({ filters: { name: [this.networkName] } });
    const mine = existing.find((n) => n.Name === this.networkName);
    if (mine) {
      const subnets = (mine.IPAM?.Config ?? []).map((c) => c.Subnet);
      if (subnets.includes(cidr)) return;
      this.logger?.warn({ network: this.networkName, subnets, cidr }, 'pod network has another subnet; recreating it');
      await this.docker.getNetwork(mine.Id).remove();
    }
    try {
      await this.docker.createNetwork({
        Name: this.networkName,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: cidr, Gateway: gatewayOf(cidr) }] },
        Labels: { ...this.extraLabels, [LABEL_POD_NETWORK]: this.nodeName, [LABEL_NODE]: this.nodeName },
      });
      this.logger?.info({ network: this.networkName, cidr }, 'created the pod network');
    } catch (err) {
      if (statusCode(err) === 409) return;
      throw new Error(`could not create the pod network ${this.networkName} on ${cidr}: ${errorMessage(err)}`);
    }
  }

  private baseLabels(pod: PodRef, containerName: string, type: string): Record<string, string> {
    return {
      ...this.extraLabels,
      [LABEL_NODE]: this.nodeName,
      [LABEL_TYPE]: type,
      [LABEL_POD_UID]: pod.uid,
      [LABEL_POD_NAME]: pod.name,
      [LABEL_POD_NAMESPACE]: pod.namespace,
      [LABEL_CONTAINER_NAME]: containerName,
    };
  }

  /** Removes a container of that name left by an earlier attempt that failed halfway. */
  private async removeByName(name: string): Promise<void> {
    try {
      await this.docker.getContainer(name).remove({ force: true, v: true });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }

  /**
   * Creates a container under its dockershim name. A container of that name left by an earlier
   * attempt that failed halfway is removed on the 409 only, which saves a round trip per start.
   */
  private async createNamed(options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(options);
    } catch (err) {
      if (statusCode(err) !== 409 || !options.name) throw err;
      await this.removeByName(options.name);
      return this.docker.createContainer(options);
    }
  }

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    // The pause image is looked for (and pulled) only when the create says it is missing: one
    // round trip less for each of the first pods after a start.
    const name = containerName(config.pod, SANDBOX_CONTAINER_NAME, config.attempt);
    const labels = {
      ...(config.labels ?? {}),
      ...this.baseLabels(config.pod, SANDBOX_CONTAINER_NAME, TYPE_SANDBOX),
      [LABEL_RESTART_COUNT]: String(config.attempt),
      [LABEL_GRACE_PERIOD]: String(config.terminationGracePeriodSeconds),
    };
    let container: Docker.Container;
    try {
      container = await this.createNamed(this.sandboxOptions(name, labels, config));
    } catch (err) {
      // No pause image (yet, or removed since).
      if (statusCode(err) !== 404) throw err;
      if (!(await this.imageStatus(this.podInfraImage))) await this.pullImage(this.podInfraImage);
      container = await this.createNamed(this.sandboxOptions(name, labels, config));
    }
    try {
      await this.starts.run('sandbox', () => container.start());
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new RuntimeError('CreatePodSandboxError', `failed to start sandbox container for pod "${config.pod.name}": ${errorMessage(err)}`);
    }
    return container.id;
  }

  private sandboxOptions(name: string, labels: Record<string, string>, config: SandboxConfig): Docker.ContainerCreateOptions {
    return {
      name,
      Image: this.podInfraImage,
      Hostname: config.hostNetwork ? undefined : config.hostname,
      Labels: labels,
      HostConfig: {
        NetworkMode: config.hostNetwork ? 'host' : this.networkName,
        IpcMode: config.hostIPC ? 'host' : 'shareable',
        PidMode: config.hostPID ? 'host' : '',
        ExtraHosts: config.extraHosts,
        Dns: config.dns?.servers,
        DnsSearch: config.dns?.searches,
        DnsOptions: config.dns?.options,
        RestartPolicy: { Name: 'no' },
        // The pause image prints nothing, but --pod-infra-image may name one that does: every
        // container the kubelet makes is bounded, not only those of the pod's spec.
        LogConfig: this.logConfig,
      },
    };
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.stopContainer(id, 0);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.removeContainer(id);
  }

  private filters(type: string, podUid?: string): { label: string[] } {
    const label = [`${LABEL_NODE}=${this.nodeName}`, `${LABEL_TYPE}=${type}`];
    if (podUid) label.push(`${LABEL_POD_UID}=${podUid}`);
    return { label };
  }

  async listPodSandboxes(podUid?: string): Promise<SandboxStatus[]> {
    const list = await this.docker.listContainers({ all: true, filters: this.filters(TYPE_SANDBOX, podUid) });
    return list.map((c) => {
      const hostNetwork = c.HostConfig?.NetworkMode === 'host';
      const net = c.NetworkSettings?.Networks?.[this.networkName];
      return {
        id: c.Id,
        pod: podRefFromLabels(c.Labels),
        attempt: Number(c.Labels[LABEL_RESTART_COUNT] ?? 0),
        state: c.State === 'running' ? 'ready' : 'notready',
        ip: c.State === 'running' && !hostNetwork ? (net?.IPAddress ?? '') : '',
        hostNetwork,
        createdAt: c.Created * 1000,
      };
    });
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const name = containerName(config.pod, config.name, config.restartCount);
    const labels = {
      ...this.baseLabels(config.pod, config.name, TYPE_CONTAINER),
      [LABEL_RESTART_COUNT]: String(config.restartCount),
      [LABEL_CONTAINER_HASH]: config.hash,
      [LABEL_CONTAINER_KIND]: config.kind,
      [LABEL_GRACE_PERIOD]: String(config.terminationGracePeriodSeconds),
    };
    const sandbox = `container:${sandboxId}`;
    const user = config.runAsUser !== undefined ? `${config.runAsUser}${config.runAsGroup !== undefined ? `:${config.runAsGroup}` : ''}` : undefined;
    try {
      const container = await this.createNamed({
        name,
        Image: config.image,
        Entrypoint: config.command && config.command.length > 0 ? config.command : undefined,
        Cmd: config.args && config.args.length > 0 ? config.args : config.command && config.command.length > 0 ? [] : undefined,
        WorkingDir: config.workingDir || undefined,
        Env: config.env.map((e) => `${e.name}=${e.value}`),
        Labels: labels,
        Tty: config.tty,
        OpenStdin: config.stdin,
        StdinOnce: config.stdinOnce,
        User: user,
        HostConfig: {
          NetworkMode: sandbox,
          IpcMode: sandbox,
          PidMode: config.sharePid ? sandbox : '',
          Binds: config.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
          Memory: config.memoryLimit || undefined,
          NanoCpus: config.nanoCpus || undefined,
          CpuShares: config.cpuShares || undefined,
          Privileged: config.privileged,
          ReadonlyRootfs: config.readOnlyRootFilesystem,
          RestartPolicy: { Name: 'no' },
          LogConfig: this.logConfig,
        },
      });
      return container.id;
    } catch (err) {
      throw new RuntimeError('CreateContainerError', errorMessage(err));
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.starts.run('container', () => this.docker.getContainer(id).start());
    } catch (err) {
      if (statusCode(err) === 304) return;
      throw new RuntimeError('RunContainerError', errorMessage(err));
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.floor(timeoutSeconds)) });
    } catch (err) {
      const code = statusCode(err);
      if (code === 304 || code === 404) return;
      throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    this.inspected.delete(id);
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = statusCode(err);
      // 409: removal already in progress.
      if (code === 404 || code === 409) return;
      throw err;
    }
  }

  /**
   * Inspected statuses by container ID, with the list's State they were read at. What inspect adds
   * (start and finish times, exit code) cannot change while the State stays the same, so a steady
   * pod costs one list per sync instead of one inspect per container.
   */
  private readonly inspected = new Map<string, { state: string; status: ContainerStatus }>();

  async listContainers(podUid?: string): Promise<ContainerStatus[]> {
    const list = await this.docker.listContainers({ all: true, filters: this.filters(TYPE_CONTAINER, podUid) });
    if (!podUid) {
      const live = new Set(list.map((c) => c.Id));
      for (const id of this.inspected.keys()) if (!live.has(id)) this.inspected.delete(id);
    }
    const out: ContainerStatus[] = [];
    for (const c of list) {
      const cached = this.inspected.get(c.Id);
      if (cached && cached.state === c.State) {
        out.push(cached.status);
        continue;
      }
      let info: Docker.ContainerInspectInfo;
      try {
        info = await this.docker.getContainer(c.Id).inspect();
      } catch (err) {
        if (statusCode(err) === 404) continue;
        throw err;
      }
      const labels = info.Config.Labels ?? {};
      const s = info.State;
      let state: ContainerState = 'unknown';
      if (s.Running || s.Restarting || s.Paused) state = 'running';
      else if (s.Status === 'created') state = 'created';
      else if (s.Status === 'exited' || s.Status === 'dead') state = 'exited';
      const sandboxId = (info.HostConfig.NetworkMode ?? '').replace(/^container:/, '');
      const status: ContainerStatus = {
        id: info.Id,
        pod: podRefFromLabels(labels),
        name: labels[LABEL_CONTAINER_NAME] ?? '',
        kind: labels[LABEL_CONTAINER_KIND] === 'init' ? 'init' : 'regular',
        sandboxId,
        restartCount: Number(labels[LABEL_RESTART_COUNT] ?? 0),
        hash: labels[LABEL_CONTAINER_HASH] ?? '',
        state,
        image: info.Config.Image,
        imageRef: info.Image,
        createdAt: parseTime(info.Created),
        startedAt: parseTime(s.StartedAt),
        finishedAt: parseTime(s.FinishedAt),
        exitCode: s.ExitCode ?? 0,
        oomKilled: s.OOMKilled ?? false,
        error: s.Error ?? '',
      };
      // Only settled states: 'created' or 'restarting' may move on without the list noticing.
      if (c.State === 'running' || c.State === 'exited' || c.State === 'dead') this.inspected.set(c.Id, { state: c.State, status });
      out.push(status);
    }
    return out;
  }

  async listPodUids(): Promise<Set<string>> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE}=${this.nodeName}`] } });
    const live = new Set(list.map((c) => c.Id));
    for (const id of this.inspected.keys()) if (!live.has(id)) this.inspected.delete(id);
    return new Set(list.map((c) => c.Labels[LABEL_POD_UID]).filter((u): u is string => !!u));
  }

  async logs(id: string, tailLines: number): Promise<string> {
    const raw = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail: tailLines })) as unknown as Buffer;
    // Without a TTY the engine frames each chunk with an 8-byte header.
    const out: Buffer[] = [];
    for (let i = 0; i + 8 <= raw.length; ) {
      const size = raw.readUInt32BE(i + 4);
      if (raw[i] > 2 || raw[i + 1] !== 0) return raw.toString('utf8');
      out.push(raw.subarray(i + 8, i + 8 + size));
      i += 8 + size;
    }
    return Buffer.concat(out).toString('utf8');
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const sink = new PassThrough();
    let output = '';
    sink.on('data', (d: Buffer) => {
      if (output.length < 64 * 1024) output += d.toString();
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`command timed out after ${timeoutMs}ms`));
      }, timeoutMs);
      stream.on('end', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? 0, output };
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return { id: info.Id, repoTags: info.RepoTags ?? [], repoDigests: info.RepoDigests ?? [], size: info.Size };
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async pullImage(image: string, auths: readonly RegistryAuth[] = []): Promise<ImageInfo> {
    // As the kubelet's puller: each matching credential in turn, anonymously when none matches.
    const attempts: (RegistryAuth | undefined)[] = auths.length > 0 ? [...auths] : [undefined];
    let lastError: unknown;
    for (const auth of attempts) {
      try {
        const stream = (await this.docker.pull(image, auth ? { authconfig: { ...auth } } : {})) as NodeJS.ReadableStream;
        await new Promise<void>((resolve, reject) => {
          this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
        });
        lastError = undefined;
        break;
      } catch (err) {
        lastError = err;
      }
    }
    if (lastError !== undefined) {
      throw new RuntimeError('ErrImagePull', `failed to pull and unpack image "${image}": ${errorMessage(lastError)}`);
    }
    const info = await this.imageStatus(image);
    if (!info) throw new RuntimeError('ErrImagePull', `image "${image}" is not present after pulling it`);
    return info;
  }

  async listImages(): Promise<ImageInfo[]> {
    const images = await this.docker.listImages();
    return images.map((i) => ({ id: i.Id, repoTags: i.RepoTags ?? [], repoDigests: i.RepoDigests ?? [], size: i.Size }));
  }

  /**
   * Container events of this node's containers (start, die, oom...), as pod UIDs: the kubelet
   * syncs a pod as soon as one of its containers changes. Returns a function that stops it.
   */
  async watchEvents(onPod: (podUid: string) => void, onError: (err: unknown) => void): Promise<() => void> {
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], label: [`${LABEL_NODE}=${this.nodeName}`], event: ['die', 'oom'] },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        try {
          const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
          const uid = event.Actor?.Attributes?.[LABEL_POD_UID];
          if (uid) onPod(uid);
        } catch {
          // A partial line; the rest follows.
        }
      }
    });
    let ended = false;
    const fail = (err: unknown): void => {
      if (ended) return;
      ended = true;
      onError(err);
    };
    stream.on('error', fail);
    stream.on('end', () => fail(new Error('the Docker event stream ended')));
    return () => stream.destroy?.();
  }
}
