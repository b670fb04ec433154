/**
 * ConfigMap, Secret and ServiceAccount.
 */
import type { ConfigMap, Secret, ServiceAccount } from '../generated/core/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, forbidden, invalid, required, tooLong } from '../validation/field-path';
import { configMapKeyMessages } from '../validation/primitives';
import { FIELD_IMMUTABLE, mapsEqual, wrapMessages } from './core-v1-common';

/** Kubernetes' MaxSecretSize, which also bounds a ConfigMap. */
export const MAX_SECRET_SIZE = 1024 * 1024;

function byteLength(value: string | Uint8Array): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
}

function validateImmutableFlag(immutable: boolean | undefined, oldImmutable: boolean | undefined): FieldError[] {
  if (oldImmutable === true && immutable !== true) return [forbidden(FieldPath.root('immutable'), 'field is immutable when `immutable` is set')];
  return [];
}

// ---------------------------------------------------------------------------
// ConfigMap

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  const binary = cm.binaryData ?? {};
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    const p = FieldPath.root('data').key(key);
    errs.push(...wrapMessages(configMapKeyMessages(key), p, key));
    if (key in binary) errs.push(invalid(p, key, 'duplicate of key present in binaryData'));
    total += byteLength(value);
  }
  for (const [key, value] of Object.entries(binary)) {
    errs.push(...wrapMessages(configMapKeyMessages(key), FieldPath.root('binaryData').key(key), key));
    total += byteLength(value);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong(FieldPath.root(''), '', MAX_SECRET_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = validateImmutableFlag(cm.immutable, old.immutable);
  if (old.immutable === true) {
    const message = 'field is immutable when `immutable` is set';
    if (!mapsEqual(cm.data, old.data)) errs.push(forbidden(FieldPath.root('data'), message));
    if (!mapsEqual(cm.binaryData, old.binaryData)) errs.push(forbidden(FieldPath.root('binaryData'), message));
  }
  errs.push(...validateConfigMap(cm));
  return errs;
}

export const configMapStrategy: KindStrategy<ConfigMap> = {
  validate: validateConfigMap,
  validateUpdate: validateConfigMapUpdate,
};

// ---------------------------------------------------------------------------
// Secret

/**
 * Secret defaults, including what Kubernetes' conversion does with stringData:
 * each entry overwrites data's entry of the same key, and stringData itself is
 * never stored.
 */
export function applySecretDefaults(secret: Secret): void {
  if (!secret.type) secret.type = 'Opaque';
  const stringData = secret.stringData;
  if (stringData && Object.keys(stringData).length > 0) {
    const data = { ...(secret.data ?? {}) };
    for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(value, 'utf8');
    secret.data = data;
  }
  secret.stringData = undefined;
}

function requireKeys(data: Readonly<Record<string, unknown>>, keys: readonly string[]): FieldError[] {
  return keys.filter((k) => !(k in data)).map((k) => required(FieldPath.root('data').key(k)));
}

function validateDockerJSON(data: Readonly<Record<string, Uint8Array>>, key: string): FieldError[] {
  const value = data[key];
  if (value === undefined) return [required(FieldPath.root('data').key(key))];
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the document is not a JSON object');
    return [];
  } catch (e) {
    return [invalid(FieldPath.root('data').key(key), '<secret contents redacted>', (e as Error).message)];
  }
}

export function validateSecret(secret: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const data = secret.data ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    errs.push(...wrapMessages(configMapKeyMessages(key), FieldPath.root('data').key(key), key));
    total += value.byteLength;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong(FieldPath.root('data'), '', MAX_SECRET_SIZE));
  switch (secret.type ?? '') {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(required(FieldPath.root('metadata', 'annotations').key('kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
      errs.push(...validateDockerJSON(data, '.dockercfg'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...validateDockerJSON(data, '.dockerconfigjson'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) errs.push(...requireKeys(data, ['username', 'password']));
      break;
    case 'kubernetes.io/ssh-auth':
      if ((data['ssh-privatekey']?.byteLength ?? 0) === 0) errs.push(required(FieldPath.root('data').key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      errs.push(...requireKeys(data, ['tls.crt', 'tls.key']));
      break;
    default:
  }
  return errs;
}

export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  const errs: FieldError[] = [];
  if ((secret.type ?? '') !== (old.type ?? '')) errs.push(invalid(FieldPath.root('type'), secret.type ?? '', FIELD_IMMUTABLE));
  errs.push(...validateImmutableFlag(secret.immutable, old.immutable));
  if (old.immutable === true && !mapsEqual(secret.data, old.data)) {
    errs.push(forbidden(FieldPath.root('data'), 'field is immutable when `immutable` is set'));
  }
  errs.push(...validateSecret(secret));
  return errs;
}

export const secretStrategy: KindStrategy<Secret> = {
  applyDefaults: applySecretDefaults,
  validate: validateSecret,
  validateUpdate: validateSecretUpdate,
};

// ---------------------------------------------------------------------------
// ServiceAccount: only metadata is validated, which the apiserver does for every kind.

export const serviceAccountStrategy: KindStrategy<ServiceAccount> = {
  validate: () => [],
};
