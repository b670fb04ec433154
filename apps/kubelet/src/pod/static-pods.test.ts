import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultScheme } from '@minik8s/api';
import { isMirrorPod, isStaticPod, mirrorPodFor, readStaticPods } from './static-pods';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('static pods', () => {
  it('reads manifests as pods named <name>-<node>, bound to the node, with a content hash as UID', async () => {
    dir = mkdtempSync(join(tmpdir(), 'minik8s-static-'));
    writeFileSync(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers: [{name: c, image: x:1, livenessProbe: {httpGet: {port: 2381, path: /health}}}]\n');
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } }));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const { pods, errors } = await readStaticPods(dir, 'node-1', defaultScheme());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('bad.yaml: expected a Pod, found a ConfigMap');
    expect(pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(['kube-system/etcd-node-1', 'default/web-node-1']);
    const etcd = pods[0];
    expect(etcd.spec?.nodeName).toBe('node-1');
    expect(etcd.metadata?.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(etcd.metadata?.annotations?.['kubernetes.io/config.hash']).toBe(etcd.metadata?.uid);
    expect(isStaticPod(etcd)).toBe(true);
    expect(etcd.spec?.tolerations).toContainEqual({ operator: 'Exists', effect: 'NoExecute' });
    expect(etcd.spec?.containers?.[0].livenessProbe?.httpGet?.port).toEqual({ type: 0, intVal: 2381 });
    // Same content, same UID; other node, other UID.
    expect((await readStaticPods(dir, 'node-1', defaultScheme())).pods[0].metadata?.uid).toBe(etcd.metadata?.uid);
    expect((await readStaticPods(dir, 'node-2', defaultScheme())).pods[0].metadata?.uid).not.toBe(etcd.metadata?.uid);

    const mirror = mirrorPodFor(etcd, { name: 'node-1', uid: 'node-uid' });
    expect(isMirrorPod(mirror)).toBe(true);
    expect(mirror.metadata?.uid).toBeUndefined();
    expect(mirror.metadata?.annotations?.['kubernetes.io/config.mirror']).toBe(etcd.metadata?.uid);
    expect(mirror.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'node-uid', controller: true }]);
  });
});
