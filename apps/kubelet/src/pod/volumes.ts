import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { isNotFound, type corev1 } from '@minik8s/api';
import { ConfigMaps, PersistentVolumeClaims, PersistentVolumes, Secrets, type ApiClient } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Mount } from '../runtime/container-runtime';
import { writeAtomically, type Payload } from './atomic-writer';
import { ContainerConfigError, expandVars, quantityValue } from './env';
import {
  DEFAULT_MODE,
  VolumeMountError,
  configMapPayload,
  downwardAPIPayload,
  projectedPayload,
  secretPayload,
  type PayloadSources,
} from './volume-payloads';

const run = promisify(execFile);

export interface VolumeManagerOptions {
  nodeIP?: string;
  /** Node capacity, for downwardAPI resourceFieldRef limits a container does not set. */
  nodeResources?: { cpu: number; memory: number };
  logger?: Logger;
}

/** Volumes whose files come from the API and follow it while the pod runs. */
function isProjected(v: corev1.Volume): boolean {
  return !!(v.configMap || v.secret || v.downwardAPI || v.projected);
}

/** The plugin directory name Kubernetes uses for each volume type. */
function pluginOf(v: corev1.Volume): string {
  if (v.configMap) return 'kubernetes.io~configmap';
  if (v.secret) return 'kubernetes.io~secret';
  if (v.downwardAPI) return 'kubernetes.io~downward-api';
  if (v.projected) return 'kubernetes.io~projected';
  return 'kubernetes.io~empty-dir';
}

/**
 * Pod volumes as bind mounts. emptyDir (on disk, or tmpfs for medium Memory) lives in
 * `<rootDir>/pods/<uid>/volumes/<plugin>/<name>`; configMap, secret, downwardAPI and projected
 * volumes are written there atomically and rewritten as their sources change; hostPath and
 * persistentVolumeClaim (the bound PersistentVolume's hostPath or local path) mount the node's path.
 */
export class VolumeManager {
  constructor(
    private readonly rootDir: string,
    private readonly client: ApiClient,
    private readonly options: VolumeManagerOptions = {},
  ) {}

  podDir(uid: string): string {
    return join(this.rootDir, 'pods', uid);
  }

  private volumeDir(uid: string, plugin: string, name: string): string {
    return join(this.podDir(uid), 'volumes', plugin, name);
  }

  private async getOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
    try {
      return await get();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private sources(podIP: string): PayloadSources {
    return {
      getConfigMap: (ns, name) => this.getOrUndefined(() => this.client.resource(ConfigMaps).namespace(ns).get(name)),
      getSecret: (ns, name) => this.getOrUndefined(() => this.client.resource(Secrets).namespace(ns).get(name)),
      ips: { hostIP: this.options.nodeIP ?? '', podIP },
      node: this.options.nodeResources ?? { cpu: 0, memory: 0 },
    };
  }

  /** Prepares the volumes `container` mounts and returns its mounts. */
  async mountsFor(pod: corev1.Pod, container: corev1.Container, podIP = '', env: readonly { name: string; value: string }[] = []): Promise<Mount[]> {
    const vars = new Map(env.map((e) => [e.name, e.value]));
    const uid = pod.metadata?.uid ?? '';
    const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name ?? '', v]));
    const mounts: Mount[] = [];
    const prepared = new Map<string, string>();
    for (const vm of container.volumeMounts ?? []) {
      const name = vm.name ?? '';
      const volume = volumes.get(name);
      if (!volume) throw new ContainerConfigError(`cannot find volume "${name}" to mount into container "${container.name}"`);
      let source = prepared.get(name);
      if (source === undefined) {
        source = await this.setUp(pod, uid, volume, podIP);
        prepared.set(name, source);
      }
      let hostPath = source;
      // subPathExpr: $(VAR) from the container's environment, as Kubernetes expands it.
      const subPath = vm.subPathExpr ? expandVars(vm.subPathExpr, vars) : vm.subPath;
      if (subPath) {
        hostPath = normalize(join(source, subPath));
        if (hostPath !== source && !hostPath.startsWith(source + '/')) throw new ContainerConfigError(`subPath "${subPath}" must not reach outside the volume`);
        // A missing subPath is created as a directory, as the kubelet does.
        if (!(await stat(hostPath).catch(() => undefined))) await mkdir(hostPath, { recursive: true, mode: 0o755 });
      }
      const readOnly = (vm.readOnly ?? false) || isProjected(volume) || (volume.persistentVolumeClaim?.readOnly ?? false);
      mounts.push({ hostPath, containerPath: vm.mountPath ?? '', readOnly });
    }
    return mounts;
  }

  /** The files of an API-backed volume, or undefined for other volume types. */
  private async payloadOf(pod: corev1.Pod, volume: corev1.Volume, podIP: string): Promise<Payload | undefined> {
    const name = volume.name ?? '';
    const sources = this.sources(podIP);
    if (volume.configMap) return configMapPayload(pod, name, volume.configMap, volume.configMap.defaultMode ?? DEFAULT_MODE, sources);
    if (volume.secret) {
      const src = volume.secret;
      return secretPayload(pod, name, { name: src.secretName, items: src.items, optional: src.optional }, src.defaultMode ?? DEFAULT_MODE, sources);
    }
    if (volume.downwardAPI) return downwardAPIPayload(pod, name, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? DEFAULT_MODE, sources);
    if (volume.projected) return projectedPayload(pod, name, volume.projected, sources);
    return undefined;
  }

  private async setUp(pod: corev1.Pod, uid: string, volume: corev1.Volume, podIP: string): Promise<string> {
    const name = volume.name ?? '';
    if (volume.emptyDir) {
      const dir = this.volumeDir(uid, 'kubernetes.io~empty-dir', name);
      await mkdir(dir, { recursive: true });
      if (volume.emptyDir.medium === 'Memory') await this.mountTmpfs(dir, name, volume.emptyDir.sizeLimit);
      await chmod(dir, 0o777);
      return dir;
    }
    if (volume.hostPath) return this.setUpHostPath(name, volume.hostPath.path ?? '', volume.hostPath.type ?? '');
    if (volume.persistentVolumeClaim) return this.setUpClaim(pod, name, volume.persistentVolumeClaim.claimName ?? '');
    const payload = await this.payloadOf(pod, volume, podIP);
    if (payload) {
      const dir = this.volumeDir(uid, pluginOf(volume), name);
      try {
        await writeAtomically(dir, payload);
      } catch (err) {
        throw new VolumeMountError(name, `MountVolume.SetUp failed for volume "${name}" : ${(err as Error).message}`);
      }
      return dir;
    }
    throw new VolumeMountError(
      name,
      `MountVolume.SetUp failed for volume "${name}" : this kubelet supports emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim volumes`,
    );
  }

  private async setUpHostPath(volume: string, path: string, type: string): Promise<string> {
    if (type === 'DirectoryOrCreate') await mkdir(path, { recursive: true, mode: 0o755 });
    else if (type === 'FileOrCreate') {
      await mkdir(dirname(path), { recursive: true });
      await (await open(path, 'a', 0o644)).close();
    } else if (type) {
      const s = await stat(path).catch(() => undefined);
      const ok =
        type === 'Directory' ? s?.isDirectory() : type === 'File' ? s?.isFile() : type === 'Socket' ? s?.isSocket() : type === 'CharDevice' ? s?.isCharacterDevice() : type === 'BlockDevice' ? s?.isBlockDevice() : true;
      if (!ok) throw new VolumeMountError(volume, `MountVolume.SetUp failed for volume "${volume}" : hostPath type check failed: ${path} is not a ${type === 'Directory' ? 'directory' : type === 'File' ? 'file' : type}`);
    }
    return path;
  }

  /** The node path of the PersistentVolume a Bound claim holds. */
  private async setUpClaim(pod: corev1.Pod, volume: string, claimName: string): Promise<string> {
    const ns = pod.metadata?.namespace ?? 'default';
    const unmounted = (why: string): VolumeMountError =>
      new VolumeMountError(volume, `Unable to attach or mount volumes: unmounted volumes=[${volume}]: error processing PVC ${ns}/${claimName}: ${why}`);
    const claim = await this.getOrUndefined(() => this.client.resource(PersistentVolumeClaims).namespace(ns).get(claimName));
    if (!claim) throw unmounted(`persistentvolumeclaim "${claimName}" not found`);
    if (claim.status?.phase !== 'Bound' || !claim.spec?.volumeName) throw unmounted('PVC is not bound');
    const pv = await this.getOrUndefined(() => this.client.resource(PersistentVolumes).get(claim.spec?.volumeName ?? ''));
    if (!pv) throw unmounted(`persistentvolume "${claim.spec.volumeName}" not found`);
    if (pv.spec?.hostPath) return this.setUpHostPath(volume, pv.spec.hostPath.path ?? '', pv.spec.hostPath.type ?? '');
    if (pv.spec?.local) {
      const path = pv.spec.local.path ?? '';
      if (!(await stat(path).catch(() => undefined))) throw unmounted(`local volume path "${path}" does not exist on the node`);
      return path;
    }
    throw unmounted(`persistentvolume "${pv.metadata?.name}" is neither hostPath nor local: this kubelet cannot mount it`);
  }

  /** Mounts a tmpfs on `dir` (medium Memory), sized by sizeLimit when set; once per pod. */
  private async mountTmpfs(dir: string, volume: string, sizeLimit: string | undefined): Promise<void> {
    if ((await mountsUnder(dir)).includes(dir)) return;
    const size = sizeLimit ? `,size=${Math.ceil(quantityValue(sizeLimit))}` : '';
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir]);
    } catch (err) {
      throw new VolumeMountError(volume, `MountVolume.SetUp failed for volume "${volume}" : mount tmpfs on ${dir}: ${(err as Error).message.trim()}`);
    }
  }

  /**
   * The first disk-backed emptyDir whose usage exceeds its sizeLimit (the eviction manager's
   * local-storage check); tmpfs volumes are held to their limit by the mount itself.
   */
  async emptyDirOverLimit(pod: corev1.Pod): Promise<{ volume: string; limit: string } | undefined> {
    const uid = pod.metadata?.uid ?? '';
    for (const volume of pod.spec?.volumes ?? []) {
      const limit = volume.emptyDir?.sizeLimit;
      if (!limit || volume.emptyDir?.medium === 'Memory') continue;
      const used = await diskUsage(this.volumeDir(uid, 'kubernetes.io~empty-dir', volume.name ?? ''));
      if (used > quantityValue(limit)) return { volume: volume.name ?? '', limit };
    }
    return undefined;
  }

  /**
   * Rewrites the configMap, secret, downwardAPI and projected volumes that are set up, so a running
   * pod sees its ConfigMaps, Secrets, labels and annotations change (Kubernetes' periodic remount).
   * A source that has disappeared leaves the last files in place. Returns the names rewritten.
   */
  async refresh(pod: corev1.Pod, podIP: string): Promise<string[]> {
    const uid = pod.metadata?.uid ?? '';
    const changed: string[] = [];
    for (const volume of pod.spec?.volumes ?? []) {
      if (!isProjected(volume)) continue;
      const dir = this.volumeDir(uid, pluginOf(volume), volume.name ?? '');
      if (!(await stat(join(dir, '..data')).catch(() => undefined))) continue;
      try {
        const payload = await this.payloadOf(pod, volume, podIP);
        if (payload && (await writeAtomically(dir, payload))) changed.push(volume.name ?? '');
      } catch (err) {
        this.options.logger?.debug({ volume: volume.name, err: (err as Error).message }, 'could not refresh a volume');
      }
    }
    return changed;
  }

  /** Writes a kubelet-managed file of the pod (etc-hosts, resolv.conf) and returns its path. */
  async writePodFile(uid: string, name: string, content: string): Promise<string> {
    const dir = this.podDir(uid);
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    await writeFile(path, content, { mode: 0o644 });
    return path;
  }

  /** The host file a container instance writes its termination message to. */
  terminationLogPath(uid: string, container: string, restartCount: number): string {
    return join(this.podDir(uid), 'containers', container, String(restartCount), 'termination-log');
  }

  /** Creates an empty, world-writable termination log for a container instance. */
  async createTerminationLog(uid: string, container: string, restartCount: number): Promise<string> {
    const path = this.terminationLogPath(uid, container, restartCount);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '', { mode: 0o666 });
    await chmod(path, 0o666);
    return path;
  }

  /** Reads up to `limit` bytes of a container instance's termination message ('' when none). */
  async readTerminationLog(uid: string, container: string, restartCount: number, limit = 4096): Promise<string> {
    try {
      const handle = await open(this.terminationLogPath(uid, container, restartCount), 'r');
      try {
        const buf = Buffer.alloc(limit);
        const { bytesRead } = await handle.read(buf, 0, limit, 0);
        return buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        await handle.close();
      }
    } catch {
      return '';
    }
  }

  /** Unmounts the pod's tmpfs volumes and removes its directory (emptyDirs and projected files). */
  async cleanup(uid: string): Promise<void> {
    const dir = this.podDir(uid);
    for (const mount of (await mountsUnder(dir)).reverse()) {
      await run('umount', ['-l', mount]).catch((err: Error) => this.options.logger?.warn({ mount, err: err.message }, 'could not unmount a pod volume'));
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bytes allocated under `dir`, as `du` counts them (blocks, each hard link once); 0 when it is missing. */
async function diskUsage(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) continue;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    total += st.blocks * 512;
    if (st.isDirectory()) total += await diskUsage(path, seen);
  }
  return total;
}

/** Mount points at or below `dir`, from /proc/self/mounts (octal escapes decoded). */
async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  return table
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === dir || m.startsWith(dir + '/'));
}
