import type { corev1 } from '@minik8s/api';
import type { RegistryAuth } from '../runtime/container-runtime';

/** Docker Hub's name in docker config files. */
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/**
 * The registry host of an image reference, as Docker resolves it: the first path component when it
 * looks like a host (has a dot or a port, or is localhost), else Docker Hub.
 */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** A docker config key (`https://host:port/path`, `host`, `*.example.com`) reduced to host and path. */
function parseKey(key: string): { host: string; path: string } {
  const noScheme = key.replace(/^[a-z]+:\/\//i, '');
  const slash = noScheme.indexOf('/');
  return slash < 0 ? { host: noScheme, path: '' } : { host: noScheme.slice(0, slash), path: noScheme.slice(slash + 1).replace(/\/+$/, '') };
}

/** Kubernetes' credential-provider matching: host globs per label, the port must agree, the key's path prefixes the image's. */
export function keyMatchesImage(key: string, image: string): boolean {
  const registry = registryOf(image);
  if (registry === 'docker.io') {
    if (DOCKER_HUB_KEYS.includes(key) || DOCKER_HUB_KEYS.includes(key.replace(/\/$/, ''))) return true;
  }
  const k = parseKey(key);
  const [kHost, kPort = ''] = k.host.split(':');
  const [iHost, iPort = ''] = registry.split(':');
  if (kPort !== iPort) return false;
  const kLabels = kHost.split('.');
  const iLabels = iHost.split('.');
  if (kLabels.length !== iLabels.length) return false;
  for (let i = 0; i < kLabels.length; i++) {
    const re = new RegExp(`^${kLabels[i].replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*')}$`, 'i');
    if (!re.test(iLabels[i])) return false;
  }
  if (!k.path) return true;
  const repoPath = image.slice(registry.length + 1);
  return repoPath === k.path || repoPath.startsWith(`${k.path}/`);
}

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
}

function entryToAuth(key: string, e: DockerConfigEntry): RegistryAuth | undefined {
  let { username, password } = e;
  if ((!username || !password) && e.auth) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (!username && !password) return undefined;
  return { username: username ?? '', password: password ?? '', serveraddress: key, email: e.email };
}

/** The docker config entries of a kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg Secret. */
export function dockerConfigEntries(secret: corev1.Secret): Record<string, DockerConfigEntry> {
  const data = secret.data ?? {};
  try {
    if (data['.dockerconfigjson']) {
      const parsed = JSON.parse(Buffer.from(data['.dockerconfigjson']).toString('utf8')) as { auths?: Record<string, DockerConfigEntry> };
      return parsed.auths ?? {};
    }
    if (data['.dockercfg']) return JSON.parse(Buffer.from(data['.dockercfg']).toString('utf8')) as Record<string, DockerConfigEntry>;
  } catch {
    return {};
  }
  return {};
}

/**
 * The credentials to pull `image` with, from the pod's imagePullSecrets in order: the most specific
 * key (longest) of each secret first. The runtime tries them one after the other.
 */
export function credentialsFor(image: string, secrets: readonly corev1.Secret[]): RegistryAuth[] {
  const out: RegistryAuth[] = [];
  for (const secret of secrets) {
    const entries = Object.entries(dockerConfigEntries(secret))
      .filter(([key]) => keyMatchesImage(key, image))
      .sort(([a], [b]) => b.length - a.length);
    for (const [key, entry] of entries) {
      const auth = entryToAuth(key, entry);
      if (auth) out.push(auth);
    }
  }
  return out;
}
