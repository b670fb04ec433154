import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import os from 'node:os';

export const KUBELET_VERSION = 'v1.31.0-minik8s.0.1.0';

export interface HostResources {
  cpu: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  /** Free now, for pressure conditions. */
  memoryAvailableBytes: number;
  storageAvailableBytes: number;
}

/** CPU, memory and the size of the file system holding `rootDir`, read from the host. */
export async function readHostResources(rootDir: string): Promise<HostResources> {
  let storage = 0;
  let available = 0;
  try {
    const s = await statfs(rootDir);
    storage = s.blocks * s.bsize;
    available = s.bavail * s.bsize;
  } catch {
    const s = await statfs('/');
    storage = s.blocks * s.bsize;
    available = s.bavail * s.bsize;
  }
  return {
    cpu: os.cpus().length,
    memoryBytes: os.totalmem(),
    ephemeralStorageBytes: storage,
    memoryAvailableBytes: os.freemem(),
    storageAvailableBytes: available,
  };
}

function readFirstLine(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n')[0].trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
    if (m) return m[1];
  } catch {
    // Not Linux, or no os-release.
  }
  return `${os.type()} ${os.release()}`;
}

const ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

export function goArch(): string {
  return ARCH[process.arch] ?? process.arch;
}

/** Node.status.nodeInfo, except the runtime version. */
export function readSystemInfo(): {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  operatingSystem: string;
  architecture: string;
} {
  return {
    machineID: readFirstLine('/etc/machine-id'),
    systemUUID: readFirstLine('/sys/class/dmi/id/product_uuid') || readFirstLine('/etc/machine-id'),
    bootID: readFirstLine('/proc/sys/kernel/random/boot_id'),
    kernelVersion: os.release(),
    osImage: osImage(),
    operatingSystem: os.platform() === 'win32' ? 'windows' : os.platform(),
    architecture: goArch(),
  };
}

/** Bytes as a Kubernetes quantity in Ki, as the kubelet reports memory and storage. */
export function kibibytes(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}
