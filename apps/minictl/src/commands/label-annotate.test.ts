import { describe, expect, it } from 'vitest';
import { applyUpdate, splitUpdates } from './label-annotate';

describe('splitUpdates', () => {
  it('separates resources from k=v and k- arguments', () => {
    expect(splitUpdates(['pods', 'kubia', 'app=web', 'old-'])).toEqual({
      resources: ['pods', 'kubia'],
      update: { set: { app: 'web' }, remove: ['old'] },
    });
    expect(splitUpdates(['pod/kubia', 'empty='])).toEqual({ resources: ['pod/kubia'], update: { set: { empty: '' }, remove: [] } });
  });

  it('refuses setting and removing the same key', () => {
    expect(() => splitUpdates(['po', 'x', 'a=1', 'a-'])).toThrow('can not both modify and remove');
  });
});

describe('applyUpdate', () => {
  it('needs --overwrite to change a value', () => {
    expect(applyUpdate({ app: 'a' }, { set: { app: 'b' }, remove: [] }, false).conflicts).toEqual(["'app' already has a value (a)"]);
    expect(applyUpdate({ app: 'a' }, { set: { app: 'b' }, remove: [] }, true)).toMatchObject({ result: { app: 'b' }, conflicts: [] });
    expect(applyUpdate({ app: 'a' }, { set: { app: 'a' }, remove: [] }, false).conflicts).toEqual([]);
  });

  it('removes keys and reports missing ones', () => {
    expect(applyUpdate({ app: 'a', x: '1' }, { set: {}, remove: ['x', 'y'] }, false)).toEqual({ result: { app: 'a' }, conflicts: [], missing: ['y'] });
  });
});
