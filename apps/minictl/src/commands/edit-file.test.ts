import { describe, expect, it } from 'vitest';
import { changesIdentity, editDocument, forEditing, hasLines, headerText, manualStrip, stripComments, twoWayMergePatch } from './edit-file';

describe('headerText', () => {
  it('is kubectl\'s header, then each failure with its details', () => {
    expect(headerText([])).toBe(
      "# Please edit the object below. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit. If an error occurs while saving this file will be\n# reopened with the relevant failures.\n#\n",
    );
    const text = headerText([{ head: 'pods "kubia" was not valid', other: ['spec.containers[0].image: Required value'] }, { head: 'The edited file had a syntax error: line 1\nline 2' }]);
    expect(text.split('\n').slice(4)).toEqual([
      '# pods "kubia" was not valid:',
      '# * spec.containers[0].image: Required value',
      '#',
      'The edited file had a syntax error: line 1'.replace(/^/, '# '),
      '# line 2',
      '#',
      '',
    ]);
  });
});

describe('stripping comments', () => {
  it('drops comment lines but keeps #! and content', () => {
    expect(manualStrip('# header\na: 1\n  # indented\n#!keep\n')).toBe('a: 1\n#!keep\n');
  });

  it('compares what the file means, so comments and layout are no change', () => {
    expect(stripComments('# hi\na: 1\nb: [1, 2]\n')).toBe(stripComments('b:\n- 1\n- 2\na:   1\n'));
    expect(stripComments('a: 1\n')).not.toBe(stripComments('a: 2\n'));
    expect(stripComments('a: [\n')).toBe('a: [\n');
  });

  it('tells an empty save', () => {
    expect(hasLines('# only\n\n  # comments\n')).toBe(false);
    expect(hasLines('# c\nkind: Pod\n')).toBe(true);
  });
});

describe('twoWayMergePatch', () => {
  const original = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };

  it('sets changed and added fields, nulls removed ones, and sends a changed list whole', () => {
    const edited = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: '9', c: '3' } }, spec: { containers: [{ name: 'c', image: 'y' }] } };
    expect(twoWayMergePatch(original, edited)).toEqual({
      metadata: { labels: { a: '9', b: null, c: '3' } },
      spec: { containers: [{ name: 'c', image: 'y' }] },
    });
  });

  it('is empty when nothing changed, and tells a changed identity', () => {
    expect(twoWayMergePatch(original, structuredClone(original))).toEqual({});
    expect(changesIdentity(twoWayMergePatch(original, { ...original, metadata: { ...original.metadata, name: 'q' } }))).toBe(true);
    expect(changesIdentity(twoWayMergePatch(original, { ...original, kind: 'Service' }))).toBe(true);
    expect(changesIdentity(twoWayMergePatch(original, { ...original, metadata: { ...original.metadata, labels: {} } }))).toBe(false);
  });
});

describe('editDocument', () => {
  it('shows one object alone and several as a List, in YAML or JSON', () => {
    expect(editDocument([{ kind: 'Pod', apiVersion: 'v1' }], 'yaml')).toBe('apiVersion: v1\nkind: Pod\n');
    expect(editDocument([{ kind: 'Pod' }, { kind: 'Service' }], 'yaml')).toBe('apiVersion: v1\nitems:\n- kind: Pod\n- kind: Service\nkind: List\nmetadata: {}\n');
    expect(editDocument([{ kind: 'Pod' }], 'json')).toBe('{\n    "kind": "Pod"\n}\n');
  });

  it('leaves managedFields out', () => {
    expect(forEditing({ metadata: { name: 'p', managedFields: [] } })).toEqual({ metadata: { name: 'p' } });
  });
});
