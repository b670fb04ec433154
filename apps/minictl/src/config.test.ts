import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath, emptyConfig, loadConfig, resolveConnection, saveConfig, stripScheme, type KubeConfig } from './config';

const config: KubeConfig = {
  ...emptyConfig(),
  clusters: [{ name: 'local', cluster: { server: 'https://10.0.0.1:6443' } }],
  contexts: [
    { name: 'dev', context: { cluster: 'local', namespace: 'dev' } },
    { name: 'plain', context: { cluster: 'local' } },
  ],
  'current-context': 'dev',
};

describe('resolveConnection', () => {
  const none = { server: '', namespace: '', context: '' };

  it('takes the server from --server, then MINIK8S_SERVER, then the context, then the default', () => {
    expect(resolveConnection(config, { ...none, server: '1.1.1.1:1' }, { MINIK8S_SERVER: '2.2.2.2:2' }).server).toBe('1.1.1.1:1');
    expect(resolveConnection(config, none, { MINIK8S_SERVER: '2.2.2.2:2' }).server).toBe('2.2.2.2:2');
    expect(resolveConnection(config, none, {}).server).toBe('10.0.0.1:6443');
    expect(resolveConnection(emptyConfig(), none, {}).server).toBe('127.0.0.1:6443');
  });

  it('takes the namespace from -n, then the context, then default', () => {
    expect(resolveConnection(config, { ...none, namespace: 'x' }, {})).toMatchObject({ namespace: 'x', namespaceFromFlag: true });
    expect(resolveConnection(config, none, {})).toMatchObject({ namespace: 'dev', namespaceFromFlag: false });
    expect(resolveConnection(config, { ...none, context: 'plain' }, {}).namespace).toBe('default');
  });

  it('refuses a --context that does not exist', () => {
    expect(() => resolveConnection(config, { ...none, context: 'nope' }, {})).toThrow('context was not found for specified context: nope');
  });

  it('strips URL schemes', () => {
    expect(stripScheme('grpc://h:1/')).toBe('h:1');
    expect(stripScheme('h:1')).toBe('h:1');
  });
});

describe('config files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'minictl-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('chooses --kubeconfig, then MINIK8S_CONFIG, then ~/.minik8s/config', () => {
    expect(configPath('/a', { MINIK8S_CONFIG: '/b' }, '/home/u')).toBe('/a');
    expect(configPath('', { MINIK8S_CONFIG: '/b' }, '/home/u')).toBe('/b');
    expect(configPath('', {}, '/home/u')).toBe('/home/u/.minik8s/config');
  });

  it('round-trips through YAML, and a missing file is empty', () => {
    const path = join(dir, 'sub', 'config');
    expect(loadConfig(path)).toEqual(emptyConfig());
    saveConfig(path, config);
    expect(loadConfig(path)).toEqual(config);
  });

  it('names the file when it cannot be parsed', () => {
    const path = join(dir, 'config');
    writeFileSync(path, 'clusters: [');
    expect(() => loadConfig(path)).toThrow(`error loading config file "${path}"`);
  });
});
