/**
 * What the kubelet needs from a container engine, in the spirit of the CRI: pod sandboxes that
 * hold the network namespace, containers that join them, and images. `DockerRuntime` implements
 * it on Docker; tests use a fake.
 */

export interface RuntimeVersion {
  /** `docker` */
  name: string;
  version: string;
  apiVersion: string;
}

export interface PodRef {
  uid: string;
  name: string;
  namespace: string;
}

export interface SandboxConfig {
  pod: PodRef;
  /** Restarts of the sandbox itself. */
  attempt: number;
  hostname: string;
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  /** Lines for /etc/hosts beyond localhost and the pod's own name ("ip name..."). */
  extraHosts: string[];
  dns?: { servers: string[]; searches: string[]; options: string[] };
  terminationGracePeriodSeconds: number;
  labels?: Record<string, string>;
}

export type SandboxState = 'ready' | 'notready';

export interface SandboxStatus {
  id: string;
  pod: PodRef;
  attempt: number;
  state: SandboxState;
  /** The pod's IP on the pod network ('' for host-network pods: the node's IP is used). */
  ip: string;
  hostNetwork: boolean;
  createdAt: number;
}

export type ContainerKind = 'init' | 'regular';

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerConfig {
  pod: PodRef;
  name: string;
  kind: ContainerKind;
  image: string;
  /** Overrides the image's ENTRYPOINT when set (Kubernetes' `command`). */
  command?: string[];
  /** Overrides the image's CMD when set, or when `command` is set (Kubernetes' `args`). */
  args?: string[];
  workingDir?: string;
  env: { name: string; value: string }[];
  mounts: Mount[];
  restartCount: number;
  /** Changes when the container's spec changes: a running container with another hash is restarted. */
  hash: string;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  /** Memory limit in bytes (0: none). */
  memoryLimit: number;
  /** CPU limit in nano CPUs (0: none). */
  nanoCpus: number;
  cpuShares: number;
  privileged: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem: boolean;
  sharePid: boolean;
  terminationGracePeriodSeconds: number;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  pod: PodRef;
  name: string;
  kind: ContainerKind;
  sandboxId: string;
  restartCount: number;
  hash: string;
  state: ContainerState;
  image: string;
  imageRef: string;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  oomKilled: boolean;
  /** The engine's error when the container could not start, if any. */
  error: string;
  /** The termination message (from terminationMessagePath or the logs), filled in by the kubelet. */
  message?: string;
}

/** Registry credentials for a pull (from a pod's imagePullSecrets), in Docker's AuthConfig shape. */
export interface RegistryAuth {
  username: string;
  password: string;
  /** The registry the credentials are for, as the docker config names it. */
  serveraddress: string;
  email?: string;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

/** A failure with a Kubernetes waiting reason (ErrImagePull, CreateContainerError, ...). */
export class RuntimeError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;
  /** Throws when the engine does not answer. */
  ping(): Promise<void>;
  /** Creates (or finds) the node's pod network on `cidr`. */
  ensurePodNetwork(cidr: string): Promise<void>;

  runPodSandbox(config: SandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  /** Sandboxes this node made; for one pod when `podUid` is given. */
  listPodSandboxes(podUid?: string): Promise<SandboxStatus[]>;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM (or the image's stop signal), then SIGKILL after `timeoutSeconds`. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** Containers (not sandboxes) this node made, running or not; for one pod when `podUid` is given. */
  listContainers(podUid?: string): Promise<ContainerStatus[]>;
  /** UIDs of every pod with a sandbox or container this node made (cheap: no per-container inspect). */
  listPodUids(): Promise<Set<string>>;
  /** The last `tailLines` lines of a container's output (stdout and stderr). */
  logs(id: string, tailLines: number): Promise<string>;
  /** Runs a command in a running container; resolves to its exit code and output. */
  exec(id: string, command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;

  /** The local image, or undefined when the engine does not have it. */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  /**
   * Pulls an image, trying each of `auths` in turn (anonymously when there are none); throws
   * RuntimeError('ErrImagePull') when that fails.
   */
  pullImage(image: string, auths?: readonly RegistryAuth[]): Promise<ImageInfo>;
  listImages(): Promise<ImageInfo[]>;
}
