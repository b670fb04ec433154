import { describe, expect, it } from 'vitest';
import type { StorageClass } from '../generated/storage/v1';
import { formatFieldError } from '../validation/field-path';
import { applyStorageClassDefaults, storageClassStrategy } from './other-groups-storage';

function storageClass(fields: Omit<StorageClass, 'metadata'>): StorageClass {
  const sc: StorageClass = { metadata: { name: 'fast' }, ...fields };
  applyStorageClassDefaults(sc);
  return sc;
}

const errorsOf = (sc: StorageClass): string[] => (storageClassStrategy.validate?.(sc) ?? []).map(formatFieldError);

describe('StorageClass', () => {
  it('defaults reclaimPolicy and volumeBindingMode', () => {
    const sc = storageClass({ provisioner: 'rancher.io/local-path' });
    expect([sc.reclaimPolicy, sc.volumeBindingMode]).toEqual(['Delete', 'Immediate']);
    const kept = storageClass({ provisioner: 'x.io/y', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
    expect([kept.reclaimPolicy, kept.volumeBindingMode]).toEqual(['Retain', 'WaitForFirstConsumer']);
  });

  it.each<[string, StorageClass, string[]]>([
    ['valid', storageClass({ provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3' } }), []],
    ['no provisioner', storageClass({}), ['provisioner: Required value']],
    [
      'a provisioner that is not a qualified name',
      storageClass({ provisioner: 'my provisioner' }),
      [
        "provisioner: Invalid value: \"my provisioner\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
    ['an empty parameter key', storageClass({ provisioner: 'a.io/b', parameters: { '': 'x' } }), ['parameters: Invalid value: "": field can not be empty.']],
    [
      'unknown policies',
      storageClass({ provisioner: 'a.io/b', reclaimPolicy: 'Recycle', volumeBindingMode: 'Lazy' }),
      [
        'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
        'volumeBindingMode: Unsupported value: "Lazy": supported values: "Immediate", "WaitForFirstConsumer"',
      ],
    ],
    [
      'allowed topologies',
      storageClass({
        provisioner: 'a.io/b',
        allowedTopologies: [
          { matchLabelExpressions: [{ key: 'zone', values: ['a', 'a'] }, { key: 'zone', values: [] }] },
          { matchLabelExpressions: [{ key: 'region', values: ['x'] }] },
          { matchLabelExpressions: [{ key: 'region', values: ['x'] }] },
        ],
      }),
      [
        'allowedTopologies[0].matchLabelExpressions[0].values[1]: Duplicate value: "a"',
        'allowedTopologies[0].matchLabelExpressions[1].values: Required value',
        'allowedTopologies[0].matchLabelExpressions[1].key: Duplicate value: "zone"',
        'allowedTopologies[2].matchLabelExpressions: Duplicate value: ""',
      ],
    ],
  ])('%s', (_name, sc, errors) => {
    expect(errorsOf(sc)).toEqual(errors);
  });

  it('refuses a missing volumeBindingMode when not defaulted', () => {
    expect((storageClassStrategy.validate?.({ metadata: { name: 'x' }, provisioner: 'a.io/b' }) ?? []).map(formatFieldError)).toEqual([
      'volumeBindingMode: Required value',
    ]);
  });

  it('keeps provisioner, parameters, reclaimPolicy and volumeBindingMode on update', () => {
    const old = storageClass({ provisioner: 'a.io/b', parameters: { type: 'gp3' } });
    const relabelled = storageClass({ provisioner: 'a.io/b', parameters: { type: 'gp3' }, allowVolumeExpansion: true, mountOptions: ['noatime'] });
    expect((storageClassStrategy.validateUpdate?.(relabelled, old) ?? []).map(formatFieldError)).toEqual([]);
    const changed = storageClass({ provisioner: 'c.io/d', parameters: { type: 'io2' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
    expect((storageClassStrategy.validateUpdate?.(changed, old) ?? []).map(formatFieldError)).toEqual([
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
  });
});
