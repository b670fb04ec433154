// The apiserver side of pod streams against a real etcd: what it refuses before any kubelet is
// involved, and how a node whose kubelet does not answer shows.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Nodes, Pods, PodStreams } from '@minik8s/client';
import { freePort } from '@minik8s/testing';
import { ApiFixture } from '../test/api-fixture';

const f = new ApiFixture();
let streams: PodStreams;

async function errorOf(p: Promise<unknown>): Promise<{ message: string; reason?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { message: string; reason?: string };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  await f.start();
  streams = new PodStreams(f.server.address);
  // A node whose kubelet port nothing listens on.
  const deadPort = await freePort();
  const node = (await f.client.resource(Nodes).create({ metadata: { name: 'gone' } })) as corev1.Node;
  node.status = { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: deadPort } } };
  await f.client.update(f.client.kindInfo(Nodes), node, undefined, 'status');
  await f.client.resource(Pods).namespace('default').create({
    metadata: { name: 'p', namespace: 'default' },
    spec: { nodeName: 'gone', containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }] },
  });
});

afterAll(async () => {
  streams?.close();
  await f.stop();
});

describe('pods/log, pods/exec and pods/portforward in the apiserver', () => {
  it('refuses a container the pod does not have, or none of several', async () => {
    expect(await errorOf(streams.exec('default', 'p', { container: 'z', command: ['true'] }, {}))).toMatchObject({
      reason: 'BadRequest',
      message: 'container z is not valid for pod p',
    });
    expect(await errorOf(streams.logs('default', 'p', {}, () => undefined))).toMatchObject({
      reason: 'BadRequest',
      message: 'a container name must be specified for pod p, choose one of: [a b]',
    });
    expect(await errorOf(streams.logs('default', 'nope', { container: 'a' }, () => undefined))).toMatchObject({ reason: 'NotFound' });
  });

  it("reports a node whose kubelet does not answer as an error dialing the backend", async () => {
    const err = await errorOf(streams.exec('default', 'p', { container: 'a', command: ['true'] }, {}));
    expect(err.reason).toBe('InternalError');
    expect(err.message).toMatch(/^error dialing backend: /);
    const logErr = await errorOf(streams.logs('default', 'p', { container: 'a' }, () => undefined));
    expect(logErr.message).toMatch(/^error dialing backend: /);
  });
});
