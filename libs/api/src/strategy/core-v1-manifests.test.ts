import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { defaultScheme } from '../registry/default-scheme';
import { formatFieldError } from '../validation/field-path';
import { validateObjectMeta } from '../validation/object-meta';

const dir = join(__dirname, '..', '..', 'testdata', 'manifests', 'core-v1');
const scheme = defaultScheme();

const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc, i) => {
      const json = doc.toJS() as { kind?: string; metadata?: { name?: string } };
      return { name: `${file}#${i} ${json.kind ?? ''}/${json.metadata?.name ?? ''}`, json };
    }),
  );

/**
 * The corpus shows objects as a running cluster returns them, and a few of
 * them break a rule Kubernetes enforces. Those errors are listed here rather
 * than loosening the validation.
 */
const CREATE_ERRORS: Record<string, string[]> = {
  // Ephemeral containers are added through a subresource, never on create.
  'pod.yaml#2 Pod/api-5f6d7c8b9-q8w7e': ['spec.ephemeralContainers: Forbidden: cannot be set on create'],
};

const STORED_ERRORS: Record<string, string[]> = {};

// Kubernetes lets the CrossNamespacePodAffinity scope be selected with Exists only.
const QUOTA_SCOPE_ERROR =
  'spec.scopeSelector.matchExpressions.operator: Invalid value: "DoesNotExist": ' +
  "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, " +
  'ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity';
CREATE_ERRORS['resourcequota.yaml#1 ResourceQuota/high-priority'] = [QUOTA_SCOPE_ERROR];
STORED_ERRORS['resourcequota.yaml#1 ResourceQuota/high-priority'] = [QUOTA_SCOPE_ERROR];

// A node field selector (matchFields on metadata.name) takes exactly one value in Kubernetes.
const FIELD_SELECTOR_ERROR =
  'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[1].matchFields[0].values: ' +
  "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector";
CREATE_ERRORS['pod.yaml#0 Pod/web-7c9d8f6b5-x2k4q'] = [FIELD_SELECTOR_ERROR];
STORED_ERRORS['pod.yaml#0 Pod/web-7c9d8f6b5-x2k4q'] = [FIELD_SELECTOR_ERROR];

// The deprecated dynamic-config source names a ConfigMap; uid and resourceVersion belong in status only.
STORED_ERRORS['node.yaml#1 Node/legacy-7'] = [
  'spec.configSource.configMap.uid: Forbidden: uid must not be set in spec',
  'spec.configSource.configMap.resourceVersion: Forbidden: resourceVersion must not be set in spec',
];

describe('core/v1 manifest corpus', () => {
  it('has manifests to check', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('$name passes validation after defaults', ({ name, json }) => {
    const { info, obj } = scheme.fromJson(json);
    const strategy = info.strategy;
    expect(strategy).toBeDefined();
    strategy?.applyDefaults?.(obj);
    const errors = [
      ...validateObjectMeta(obj.metadata ?? {}, info.namespaced, strategy?.nameValidator),
      ...(strategy?.validate?.(obj) ?? []),
    ].map(formatFieldError);
    expect(errors).toEqual(CREATE_ERRORS[name] ?? []);
  });

  it.each(cases)('$name stays valid when rewritten unchanged', ({ name, json }) => {
    const { info, obj } = scheme.fromJson(json);
    const strategy = info.strategy;
    strategy?.applyDefaults?.(obj);
    // The stored copy comes back from protobuf, with [] and {} where JSON had nothing.
    const stored = scheme.decode(info, scheme.encode(info, obj));
    const next = scheme.fromJson(scheme.toJson(info, obj)).obj;
    strategy?.applyDefaults?.(next);
    strategy?.prepareForUpdate?.(next, stored);
    const errors = (strategy?.validateUpdate?.(next, stored) ?? strategy?.validate?.(next) ?? []).map(formatFieldError);
    expect(errors).toEqual(STORED_ERRORS[name] ?? []);
  });
});
