import { defaultScheme, type KindInfo } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { diffFileName, diffFileText, diffProgram, maskSecrets } from './diff-files';

const scheme = defaultScheme();
function kind(apiVersion: string, name: string): KindInfo {
  const info = scheme.forKind(apiVersion, name);
  if (!info) throw new Error(`no kind ${name}`);
  return info;
}

describe('diffFileName', () => {
  it('is group.version.kind.namespace.name, as kubectl names them', () => {
    expect(diffFileName(kind('v1', 'Pod'), 'default', 'kubia')).toBe('v1.Pod.default.kubia');
    expect(diffFileName(kind('apps/v1', 'Deployment'), 'prod', 'web')).toBe('apps.v1.Deployment.prod.web');
    expect(diffFileName(kind('v1', 'Namespace'), undefined, 'dev')).toBe('v1.Namespace..dev');
  });
});

describe('maskSecrets', () => {
  const secret = kind('v1', 'Secret');

  it('masks every value, marking a changed one before and after', () => {
    const live = { kind: 'Secret', data: { same: 'YQ==', changed: 'Yg==', gone: 'Yw==' } };
    const merged = { kind: 'Secret', data: { same: 'YQ==', changed: 'ZA==', added: 'ZQ==' } };
    expect(maskSecrets(secret, live, merged)).toEqual({
      live: { kind: 'Secret', data: { same: '***', changed: '*** (before)', gone: '***' } },
      merged: { kind: 'Secret', data: { same: '***', changed: '*** (after)', added: '***' } },
    });
  });

  it('masks a new secret, and leaves other kinds alone', () => {
    expect(maskSecrets(secret, undefined, { data: { k: 'dg==' } })).toEqual({ live: undefined, merged: { data: { k: '***' } } });
    const cm = { data: { k: 'v' } };
    expect(maskSecrets(kind('v1', 'ConfigMap'), cm, cm)).toEqual({ live: cm, merged: cm });
  });
});

describe('diffFileText', () => {
  it('is YAML without managedFields, and empty for an absent object', () => {
    expect(diffFileText({ metadata: { name: 'a', managedFields: [{ manager: 'x' }] }, kind: 'Pod' })).toBe('kind: Pod\nmetadata:\n  name: a\n');
    expect(diffFileText(undefined)).toBe('');
  });
});

describe('diffProgram', () => {
  it('runs diff -u -N by default, and KUBECTL_EXTERNAL_DIFF with its safe flags after the dirs', () => {
    expect(diffProgram(undefined, 'L', 'M')).toEqual({ program: 'diff', args: ['-u', '-N', 'L', 'M'] });
    expect(diffProgram('colordiff -N -u --x=$(rm) q', 'L', 'M')).toEqual({ program: 'colordiff', args: ['L', 'M', '-N', '-u', 'q'] });
  });
});
