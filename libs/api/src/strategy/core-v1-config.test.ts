import { describe, expect, it } from 'vitest';
import type { ConfigMap, Secret } from '../generated/core/v1';
import { defaultScheme } from '../registry/default-scheme';
import { formatFieldError } from '../validation/field-path';
import { configMapStrategy, secretStrategy } from './core-v1-config';

const KEY_ERROR =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

describe('ConfigMap', () => {
  it.each([
    ['valid keys', { data: { 'app.conf': 'x', LOG_LEVEL: 'info' } }, []],
    ['a key with a slash', { data: { 'conf/app': 'x' } }, [`data[conf/app]: Invalid value: "conf/app": ${KEY_ERROR}`]],
    ['the key ".."', { data: { '..': 'x' } }, ['data[..]: Invalid value: "..": must not be \'..\'']],
    ['a key starting with ".."', { binaryData: { '..data': Buffer.from('x') } }, ['binaryData[..data]: Invalid value: "..data": must not start with \'..\'']],
    [
      'a key in both data and binaryData',
      { data: { logo: 'x' }, binaryData: { logo: Buffer.from('x') } },
      ['data[logo]: Invalid value: "logo": duplicate of key present in binaryData'],
    ],
    ['more than 1 MiB', { data: { big: 'x'.repeat(1024 * 1024 + 1) } }, ['[]: Too long: must have at most 1048576 bytes']],
  ])('validates %s', (_name, cm: ConfigMap, expected) => {
    expect(configMapStrategy.validate?.({ metadata: { name: 'cfg', namespace: 'default' }, ...cm }).map(formatFieldError)).toEqual(expected);
  });

  it.each([
    ['new data in a mutable map', {}, { data: { a: '2' } }, []],
    ['new data in an immutable map', { immutable: true }, { immutable: true, data: { a: '2' } }, ['data: Forbidden: field is immutable when `immutable` is set']],
    ['an added empty key in an immutable map', { immutable: true }, { immutable: true, data: { a: '1', b: '' } }, ['data: Forbidden: field is immutable when `immutable` is set']],
    [
      'unsetting immutable',
      { immutable: true },
      { immutable: false, data: { a: '1' } },
      ['immutable: Forbidden: field is immutable when `immutable` is set'],
    ],
    ['labels on an immutable map', { immutable: true }, { immutable: true, data: { a: '1' }, metadata: { name: 'cfg', labels: { x: 'y' } } }, []],
  ])('updates with %s', (_name, before: ConfigMap, after: ConfigMap, expected) => {
    const old: ConfigMap = { metadata: { name: 'cfg' }, data: { a: '1' }, ...before };
    const next: ConfigMap = { ...old, ...after };
    expect(configMapStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual(expected);
  });

  it('compares an immutable map read back from protobuf without seeing a change', () => {
    const scheme = defaultScheme();
    const info = scheme.forKind('v1', 'ConfigMap')!;
    const cm: ConfigMap = { metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' }, immutable: true };
    const stored = scheme.decode(info, scheme.encode(info, cm)) as ConfigMap;
    expect(configMapStrategy.validateUpdate?.(structuredClone(cm), stored)).toEqual([]);
  });
});

describe('Secret', () => {
  function defaulted(secret: Secret): Secret {
    secretStrategy.applyDefaults?.(secret);
    return secret;
  }

  it('defaults the type to Opaque', () => {
    expect(defaulted({ metadata: { name: 's' } }).type).toBe('Opaque');
  });

  it('folds stringData into data, stringData winning, and drops it', () => {
    const secret = defaulted({ metadata: { name: 's' }, data: { user: Buffer.from('old'), keep: Buffer.from('k') }, stringData: { user: 'admin' } });
    expect(secret.stringData).toBeUndefined();
    expect(Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v).toString()]))).toEqual({ user: 'admin', keep: 'k' });
  });

  it.each([
    ['an opaque secret', { data: { password: Buffer.from('x') } }, []],
    ['a bad key', { data: { 'a b': Buffer.from('x') } }, [`data[a b]: Invalid value: "a b": ${KEY_ERROR}`]],
    ['a bad stringData key', { stringData: { 'a b': 'x' } }, [`data[a b]: Invalid value: "a b": ${KEY_ERROR}`]],
    [
      'a TLS secret without a key',
      { type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from('x') } },
      ['data[tls.key]: Required value'],
    ],
    [
      'a token secret without its service account',
      { type: 'kubernetes.io/service-account-token' },
      ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    ],
    ['a docker config that is missing', { type: 'kubernetes.io/dockerconfigjson' }, ['data[.dockerconfigjson]: Required value']],
    ['a docker config that is JSON', { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{}}') } }, []],
    ['basic auth without a username or password', { type: 'kubernetes.io/basic-auth' }, ['data[username]: Required value', 'data[password]: Required value']],
    ['basic auth with a username only', { type: 'kubernetes.io/basic-auth', stringData: { username: 'admin' } }, []],
  ])('validates %s', (_name, secret: Secret, expected) => {
    expect(secretStrategy.validate?.(defaulted({ metadata: { name: 's', namespace: 'default' }, ...secret })).map(formatFieldError)).toEqual(expected);
  });

  it('reports a docker config that is not JSON without showing it', () => {
    const errors = secretStrategy
      .validate?.(defaulted({ metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{oops' } }))
      .map(formatFieldError);
    expect(errors).toHaveLength(1);
    expect(errors?.[0]).toMatch(/^data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": /);
  });

  it.each([
    ['new data', {}, { stringData: { a: 'new' } }, []],
    ['a new type', {}, { type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from('c'), 'tls.key': Buffer.from('k') } }, ['type: Invalid value: "kubernetes.io/tls": field is immutable']],
    ['new data in an immutable secret', { immutable: true }, { stringData: { a: 'new' } }, ['data: Forbidden: field is immutable when `immutable` is set']],
    ['the same data in an immutable secret', { immutable: true }, { stringData: { a: 'old' } }, []],
  ])('updates with %s', (_name, before: Secret, after: Secret, expected) => {
    const old = defaulted({ metadata: { name: 's' }, data: { a: Buffer.from('old') }, ...before });
    const next = defaulted({ ...structuredClone(old), ...after });
    expect(secretStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual(expected);
  });
});
