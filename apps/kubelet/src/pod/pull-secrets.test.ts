import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { credentialsFor, keyMatchesImage, registryOf } from './pull-secrets';

function dockerConfigJson(name: string, auths: Record<string, object>): corev1.Secret {
  return { metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })) } };
}

describe('image pull secrets', () => {
  it('finds the registry of an image reference as Docker does', () => {
    expect(registryOf('busybox')).toBe('docker.io');
    expect(registryOf('library/busybox:1.36')).toBe('docker.io');
    expect(registryOf('registry.example.com/team/app:1')).toBe('registry.example.com');
    expect(registryOf('127.0.0.1:5000/app')).toBe('127.0.0.1:5000');
    expect(registryOf('localhost/app')).toBe('localhost');
  });

  it('matches docker config keys: scheme and path, ports, globs, Docker Hub aliases', () => {
    expect(keyMatchesImage('https://index.docker.io/v1/', 'nginx:1')).toBe(true);
    expect(keyMatchesImage('registry.example.com', 'registry.example.com/a/b')).toBe(true);
    expect(keyMatchesImage('https://registry.example.com/a', 'registry.example.com/a/b')).toBe(true);
    expect(keyMatchesImage('registry.example.com/c', 'registry.example.com/a/b')).toBe(false);
    expect(keyMatchesImage('*.example.com', 'registry.example.com/a')).toBe(true);
    expect(keyMatchesImage('*.example.com', 'example.com/a')).toBe(false);
    expect(keyMatchesImage('127.0.0.1:5000', '127.0.0.1:5000/app')).toBe(true);
    expect(keyMatchesImage('127.0.0.1:5001', '127.0.0.1:5000/app')).toBe(false);
    expect(keyMatchesImage('registry.example.com', 'nginx')).toBe(false);
  });

  it('returns the matching credentials of each secret, most specific first, decoding `auth`', () => {
    const a = dockerConfigJson('a', {
      'registry.example.com': { auth: Buffer.from('alice:pw1').toString('base64') },
      'registry.example.com/team': { username: 'team', password: 'pw2' },
      'other.example.com': { username: 'bob', password: 'x' },
    });
    const legacy: corev1.Secret = {
      metadata: { name: 'b' },
      type: 'kubernetes.io/dockercfg',
      data: { '.dockercfg': Buffer.from(JSON.stringify({ 'registry.example.com': { username: 'carol', password: 'pw3', email: 'c@example.com' } })) },
    };
    expect(credentialsFor('registry.example.com/team/app:1', [a, legacy])).toEqual([
      { username: 'team', password: 'pw2', serveraddress: 'registry.example.com/team', email: undefined },
      { username: 'alice', password: 'pw1', serveraddress: 'registry.example.com', email: undefined },
      { username: 'carol', password: 'pw3', serveraddress: 'registry.example.com', email: 'c@example.com' },
    ]);
    expect(credentialsFor('nginx', [a])).toEqual([]);
    expect(credentialsFor('x', [{ metadata: { name: 'broken' }, data: { '.dockerconfigjson': Buffer.from('{not json') } }])).toEqual([]);
  });
});
