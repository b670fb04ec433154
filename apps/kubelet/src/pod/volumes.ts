import { chmod, mkdir, rm, stat, writeFile, open } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { isNotFound, type corev1 } from '@minik8s/api';
import { ConfigMaps, Secrets, type ApiClient } from '@minik8s/client';
import type { Mount } from '../runtime/container-runtime';
import { ContainerConfigError } from './env';

/**
 * Pod volumes as bind mounts from `<rootDir>/pods/<uid>/volumes/<plugin>/<name>`: emptyDir,
 * hostPath, configMap and secret (files written from the API objects on every sync).
 */
export class VolumeManager {
  constructor(
    private readonly rootDir: string,
    private readonly client: ApiClient,
  ) {}

  podDir(uid: string): string {
    return join(this.rootDir, 'pods', uid);
  }

  private volumeDir(uid: string, plugin: string, name: string): string {
    return join(this.podDir(uid), 'volumes', plugin, name);
  }

  /** Prepares the volumes `container` mounts and returns its mounts. */
  async mountsFor(pod: corev1.Pod, container: corev1.Container): Promise<Mount[]> {
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
        source = await this.setUp(pod, uid, volume);
        prepared.set(name, source);
      }
      let hostPath = source;
      if (vm.subPath) {
        hostPath = normalize(join(source, vm.subPath));
        if (!hostPath.startsWith(source)) throw new ContainerConfigError(`subPath "${vm.subPath}" must not reach outside the volume`);
        await mkdir(hostPath, { recursive: true }).catch(() => undefined);
      }
      const readOnly = vm.readOnly ?? (volume.configMap || volume.secret ? true : false);
      mounts.push({ hostPath, containerPath: vm.mountPath ?? '', readOnly });
    }
    return mounts;
  }

  private async setUp(pod: corev1.Pod, uid: string, volume: corev1.Volume): Promise<string> {
    const name = volume.name ?? '';
    const ns = pod.metadata?.namespace ?? 'default';
    if (volume.emptyDir) {
      const dir = this.volumeDir(uid, 'kubernetes.io~empty-dir', name);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
      return dir;
    }
    if (volume.hostPath) {
      const path = volume.hostPath.path ?? '';
      const type = volume.hostPath.type ?? '';
      if (type === 'DirectoryOrCreate') await mkdir(path, { recursive: true });
      else if (type === 'FileOrCreate') {
        await mkdir(dirname(path), { recursive: true });
        await (await open(path, 'a')).close();
      } else if (type === 'Directory' || type === 'File') {
        const s = await stat(path).catch(() => undefined);
        if (!s || (type === 'Directory' ? !s.isDirectory() : !s.isFile())) {
          throw new ContainerConfigError(`hostPath type check failed: ${path} is not a ${type === 'Directory' ? 'directory' : 'file'}`);
        }
      }
      return path;
    }
    if (volume.configMap) {
      const src = volume.configMap;
      let cm: corev1.ConfigMap | undefined;
      try {
        cm = await this.client.resource(ConfigMaps).namespace(ns).get(src.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (!cm && !src.optional) throw new ContainerConfigError(`configmap "${src.name}" not found`);
      const data: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(cm?.data ?? {})) data[k] = Buffer.from(v, 'utf8');
      for (const [k, v] of Object.entries(cm?.binaryData ?? {})) data[k] = Buffer.from(v);
      return this.writeFiles(this.volumeDir(uid, 'kubernetes.io~configmap', name), data, src.items, src.defaultMode ?? 0o644, src.optional ?? false);
    }
    if (volume.secret) {
      const src = volume.secret;
      let secret: corev1.Secret | undefined;
      try {
        secret = await this.client.resource(Secrets).namespace(ns).get(src.secretName ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (!secret && !src.optional) throw new ContainerConfigError(`secret "${src.secretName}" not found`);
      const data: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(secret?.data ?? {})) data[k] = Buffer.from(v);
      return this.writeFiles(this.volumeDir(uid, 'kubernetes.io~secret', name), data, src.items, src.defaultMode ?? 0o644, src.optional ?? false);
    }
    throw new ContainerConfigError(`volume "${name}": this kubelet supports emptyDir, hostPath, configMap and secret volumes`);
  }

  private async writeFiles(
    dir: string,
    data: Record<string, Buffer>,
    items: corev1.KeyToPath[] | undefined,
    defaultMode: number,
    optional: boolean,
  ): Promise<string> {
    await mkdir(dir, { recursive: true });
    const files: [string, Buffer, number][] = [];
    if (items && items.length > 0) {
      for (const item of items) {
        const value = data[item.key ?? ''];
        if (value === undefined) {
          if (optional) continue;
          throw new ContainerConfigError(`configmap references non-existent config key: ${item.key}`);
        }
        files.push([item.path ?? item.key ?? '', value, item.mode ?? defaultMode]);
      }
    } else {
      for (const [k, v] of Object.entries(data)) files.push([k, v, defaultMode]);
    }
    for (const [path, value, mode] of files) {
      const target = normalize(join(dir, path));
      if (!target.startsWith(dir)) continue;
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, value, { mode });
      await chmod(target, mode);
    }
    return dir;
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

  /** Removes the pod's directory (its emptyDirs and projected files). */
  async cleanup(uid: string): Promise<void> {
    await rm(this.podDir(uid), { recursive: true, force: true });
  }
}
