import {
  RuntimeError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type ImageInfo,
  type RegistryAuth,
  type RuntimeVersion,
  type SandboxConfig,
  type SandboxStatus,
} from '../runtime/container-runtime';

/**
 * An in-memory ContainerRuntime: sandboxes get IPs from 10.9.0.0/24, containers run until a test
 * makes them exit, and every call is recorded.
 */
export class FakeRuntime implements ContainerRuntime {
  sandboxes = new Map<string, SandboxStatus>();
  containers = new Map<string, ContainerStatus & { config: ContainerConfig }>();
  images = new Map<string, ImageInfo>();
  calls: string[] = [];
  down = false;
  now = 1_000_000;
  private seq = 0;
  /** Images whose pull fails. */
  pullFails = true;

  constructor(images: string[] = ['busybox:1']) {
    for (const i of images) this.images.set(i, { id: `sha256:${i}`, repoTags: [i], repoDigests: [], size: 1 });
  }

  private id(prefix: string): string {
    return `${prefix}${++this.seq}`;
  }

  private check(): void {
    if (this.down) throw new Error('connect ENOENT /var/run/docker.sock');
  }

  async version(): Promise<RuntimeVersion> {
    this.check();
    return { name: 'docker', version: '20.10.24', apiVersion: '1.41' };
  }
  async ping(): Promise<void> {
    this.check();
  }
  async ensurePodNetwork(): Promise<void> {
    this.check();
  }
  /** When set, runPodSandbox fails with it. */
  sandboxError: Error | undefined;
  async runPodSandbox(config: SandboxConfig): Promise<string> {
    this.check();
    if (this.sandboxError) throw this.sandboxError;
    const id = this.id('sb');
    this.calls.push(`runPodSandbox ${config.pod.name} ${config.attempt}`);
    this.sandboxes.set(id, {
      id,
      pod: config.pod,
      attempt: config.attempt,
      state: 'ready',
      ip: config.hostNetwork ? '' : `10.9.0.${this.seq}`,
      hostNetwork: config.hostNetwork,
      createdAt: this.now++,
    });
    return id;
  }
  async stopPodSandbox(id: string): Promise<void> {
    this.calls.push(`stopPodSandbox ${id}`);
    const s = this.sandboxes.get(id);
    if (s) s.state = 'notready';
  }
  async removePodSandbox(id: string): Promise<void> {
    this.calls.push(`removePodSandbox ${id}`);
    this.sandboxes.delete(id);
  }
  async listPodSandboxes(podUid?: string): Promise<SandboxStatus[]> {
    this.check();
    return [...this.sandboxes.values()].filter((s) => !podUid || s.pod.uid === podUid).map((s) => ({ ...s }));
  }
  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.check();
    const id = this.id('c');
    this.calls.push(`createContainer ${config.name} ${config.restartCount}`);
    this.containers.set(id, {
      id,
      pod: config.pod,
      name: config.name,
      kind: config.kind,
      sandboxId,
      restartCount: config.restartCount,
      hash: config.hash,
      state: 'created',
      image: config.image,
      imageRef: `sha256:${config.image}`,
      createdAt: this.now++,
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      oomKilled: false,
      error: '',
      config,
    });
    return id;
  }
  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('RunContainerError', 'no such container');
    this.calls.push(`startContainer ${c.name}`);
    c.state = 'running';
    c.startedAt = this.now++;
  }
  async stopContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') return;
    this.calls.push(`stopContainer ${c.name}`);
    this.exit(id, 137);
  }
  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c) this.calls.push(`removeContainer ${c.name}`);
    this.containers.delete(id);
  }
  async listContainers(podUid?: string): Promise<ContainerStatus[]> {
    this.check();
    return [...this.containers.values()].filter((c) => !podUid || c.pod.uid === podUid).map(({ config: _config, ...c }) => ({ ...c }));
  }
  async listPodUids(): Promise<Set<string>> {
    return new Set([...this.sandboxes.values(), ...this.containers.values()].map((x) => x.pod.uid));
  }
  logOutput = new Map<string, string>();
  async logs(id: string): Promise<string> {
    return this.logOutput.get(id) ?? '';
  }
  /** What exec answers (hooks and probes). */
  execResult = { exitCode: 0, output: '' };
  async exec(id: string, command: string[]): Promise<{ exitCode: number; output: string }> {
    this.calls.push(`exec ${this.containers.get(id)?.name ?? id} ${command.join(' ')}`);
    return this.execResult;
  }
  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    this.check();
    return this.images.get(image);
  }
  /** The credentials of each pull, in order. */
  readonly pullAuths: (readonly RegistryAuth[])[] = [];
  async pullImage(image: string, auths: readonly RegistryAuth[] = []): Promise<ImageInfo> {
    this.calls.push(`pullImage ${image}`);
    this.pullAuths.push(auths);
    if (this.pullFails) throw new RuntimeError('ErrImagePull', `failed to pull and unpack image "${image}": no registry`);
    const info = { id: `sha256:${image}`, repoTags: [image], repoDigests: [], size: 1 };
    this.images.set(image, info);
    return info;
  }
  async listImages(): Promise<ImageInfo[]> {
    return [...this.images.values()];
  }

  /** Makes a running container exit with `code`. */
  exit(id: string, code: number, oomKilled = false): void {
    const c = this.containers.get(id);
    if (!c) return;
    c.state = 'exited';
    c.exitCode = code;
    c.oomKilled = oomKilled;
    c.finishedAt = this.now++;
  }

  /** The newest container of that name. */
  latest(name: string): (ContainerStatus & { config: ContainerConfig }) | undefined {
    return [...this.containers.values()].filter((c) => c.name === name).sort((a, b) => b.restartCount - a.restartCount)[0];
  }
}
