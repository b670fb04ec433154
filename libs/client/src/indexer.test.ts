import { describe, expect, it } from 'vitest';
import type { ApiObject } from '@minik8s/api';
import { Indexer } from './indexer';

type Pod = ApiObject & { spec?: { nodeName?: string } };

const pod = (namespace: string, name: string, nodeName?: string): Pod => ({ metadata: { namespace, name }, spec: { nodeName } });

describe('Indexer', () => {
  it('keeps objects by namespace/name and finds them by namespace', () => {
    const store = new Indexer<Pod>();
    store.set(pod('a', 'x'));
    store.set(pod('b', 'x'));
    expect(store.get('a/x')?.metadata?.namespace).toBe('a');
    expect(store.byIndex('namespace', 'b').map((p) => p.metadata?.name)).toEqual(['x']);
  });

  it('moves an object between index values when it changes, and drops it on delete', () => {
    const store = new Indexer<Pod>();
    store.addIndex('node', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    store.set(pod('ns', 'p', 'n1'));
    store.set(pod('ns', 'p', 'n2'));
    expect(store.byIndex('node', 'n1')).toEqual([]);
    expect(store.byIndex('node', 'n2')).toHaveLength(1);
    store.delete('ns/p');
    expect(store.byIndex('node', 'n2')).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('an update that keeps its index values is found as its newest version', () => {
    const store = new Indexer<Pod>();
    store.addIndex('node', (p) => (p.spec?.nodeName ? [p.spec.nodeName, 'any-node'] : []));
    store.set(pod('ns', 'p', 'n1'));
    const newer = { ...pod('ns', 'p', 'n1'), status: { phase: 'Running' } };
    store.set(newer);
    expect(store.byIndex('node', 'n1')).toEqual([newer]);
    expect(store.byIndex('node', 'any-node')).toEqual([newer]);
    expect(store.byIndex('namespace', 'ns')).toEqual([newer]);
  });
});
