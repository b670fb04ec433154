// minictl events against a real apiserver and etcd: the table kubectl events prints, its filters,
// its output formats, and -w printing events as they are recorded.

import type { corev1 } from '@minik8s/api';
import { ApiClient, Events } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type CliResult } from '../test-support';

let cluster: TestCluster;
let client: ApiClient;

/** A timestamp `minutes` ago, at second precision as Kubernetes stores them. Ages of 10m–3h print as whole minutes, so tables compare exactly. */
function ago(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Recorded {
  ns: string;
  name: string;
  object: { kind: string; name: string; apiVersion?: string };
  type: string;
  reason: string;
  message: string;
  first: number;
  last: number;
  count: number;
}

async function record(e: Recorded): Promise<void> {
  await client.resource(Events).namespace(e.ns).create({
    metadata: { name: e.name, namespace: e.ns },
    involvedObject: { apiVersion: e.object.apiVersion ?? 'v1', kind: e.object.kind, name: e.object.name, namespace: e.ns },
    type: e.type,
    reason: e.reason,
    message: e.message,
    source: { component: 'kubelet' },
    firstTimestamp: ago(e.first),
    lastTimestamp: ago(e.last),
    count: e.count,
  } satisfies corev1.Event);
}

function minictl(...args: string[]): Promise<CliResult> {
  return cluster.minictl(args);
}

async function ok(...args: string[]): Promise<string> {
  const result = await minictl(...args);
  expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

beforeAll(async () => {
  cluster = await TestCluster.start();
  client = new ApiClient(cluster.address, { waitForReady: false });
  for (const ns of ['shop', 'db']) expect((await minictl('create', 'namespace', ns)).code).toBe(0);
  // Created out of time order (and out of name order), so the table's order is the sort's doing.
  await record({ ns: 'shop', name: 'web.scaled', object: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-7d4b9 to 1', first: 12, last: 12, count: 1 });
  await record({ ns: 'shop', name: 'web-1.backoff', object: { kind: 'Pod', name: 'web-1' }, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', first: 30, last: 15, count: 3 });
  await record({ ns: 'shop', name: 'web-1.scheduled', object: { kind: 'Pod', name: 'web-1' }, type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned shop/web-1 to node-1', first: 40, last: 40, count: 1 });
  await record({ ns: 'db', name: 'pg-0.pulled', object: { kind: 'Pod', name: 'pg-0' }, type: 'Normal', reason: 'Pulled', message: 'Container image "postgres:16" already present on machine', first: 20, last: 20, count: 1 });
});

afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

describe('events', () => {
  it('prints the namespace\'s events oldest first, aligned, with repeats as "last (xN over first)"', async () => {
    expect(await ok('events', '-n', 'shop')).toBe(
      [
        'LAST SEEN           TYPE      REASON              OBJECT           MESSAGE',
        '40m                 Normal    Scheduled           Pod/web-1        Successfully assigned shop/web-1 to node-1',
        '15m (x3 over 30m)   Warning   BackOff             Pod/web-1        Back-off restarting failed container',
        '12m                 Normal    ScalingReplicaSet   Deployment/web   Scaled up replica set web-7d4b9 to 1',
        '',
      ].join('\n'),
    );
    expect(await ok('events', '-n', 'db', '--no-headers')).toBe('20m   Normal   Pulled   Pod/pg-0   Container image "postgres:16" already present on machine\n');
  });

  it('lists every namespace with -A, the namespace first', async () => {
    expect(await ok('events', '-A')).toBe(
      [
        'NAMESPACE   LAST SEEN           TYPE      REASON              OBJECT           MESSAGE',
        'shop        40m                 Normal    Scheduled           Pod/web-1        Successfully assigned shop/web-1 to node-1',
        'db          20m                 Normal    Pulled              Pod/pg-0         Container image "postgres:16" already present on machine',
        'shop        15m (x3 over 30m)   Warning   BackOff             Pod/web-1        Back-off restarting failed container',
        'shop        12m                 Normal    ScalingReplicaSet   Deployment/web   Scaled up replica set web-7d4b9 to 1',
        '',
      ].join('\n'),
    );
  });

  it('keeps to one object with --for TYPE/NAME, resolving short names and groups', async () => {
    expect(await ok('events', '-n', 'shop', '--for', 'po/web-1', '--no-headers')).toMatch(/^40m .* Scheduled .*\n15m \(x3 over 30m\) .* BackOff .*\n$/);
    expect(await ok('events', '-n', 'shop', '--for=deploy/web', '-o', 'name')).toBe('event/web.scaled\n');
    // The kind must match too: a Deployment named web-1 has no events.
    expect(await minictl('events', '-n', 'shop', '--for', 'deployment/web-1')).toEqual({ code: 0, stdout: '', stderr: 'No events found in shop namespace.\n' });
    expect(await minictl('events', '-n', 'shop', '--for', 'gizmo/web-1')).toEqual({ code: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "gizmo"\n' });
    expect(await minictl('events', '-n', 'shop', '--for', 'web-1')).toEqual({ code: 1, stdout: '', stderr: 'error: --for must be in resource/name form\n' });
  });

  it('filters by --types, case-insensitively, and refuses unknown types before asking the server', async () => {
    expect(await ok('events', '-A', '--types=warning', '--no-headers')).toBe('shop   15m (x3 over 30m)   Warning   BackOff   Pod/web-1   Back-off restarting failed container\n');
    expect((await ok('events', '-n', 'shop', '--types', 'Normal', '--types', 'Warning')).split('\n')).toHaveLength(5);
    expect(await minictl('events', '-n', 'db', '--types=Warning')).toEqual({ code: 0, stdout: '', stderr: 'No events found in db namespace.\n' });
    expect(await minictl('events', '--types=Normal,Error')).toEqual({ code: 1, stdout: '', stderr: 'error: valid --types are Normal or Warning\n' });
  });

  it('says when a namespace has no events, on stderr with exit code 0', async () => {
    expect(await minictl('events', '-n', 'quiet')).toEqual({ code: 0, stdout: '', stderr: 'No events found in quiet namespace.\n' });
    expect(await minictl('events', '-A', '--for', 'pod/nobody')).toEqual({ code: 0, stdout: '', stderr: 'No events found.\n' });
  });

  it('prints an EventList with -o yaml and -o json, in the table\'s order', async () => {
    const yaml = parse(await ok('events', '-n', 'shop', '-o', 'yaml')) as { apiVersion: string; kind: string; items: corev1.Event[] };
    expect(yaml.apiVersion).toBe('v1');
    expect(yaml.kind).toBe('EventList');
    expect(yaml.items.map((e) => [e.kind, e.metadata?.name, e.count])).toEqual([
      ['Event', 'web-1.scheduled', 1],
      ['Event', 'web-1.backoff', 3],
      ['Event', 'web.scaled', 1],
    ]);
    const json = JSON.parse(await ok('events', '-n', 'db', '-o', 'json')) as { kind: string; items: corev1.Event[] };
    expect(json.items.map((e) => e.involvedObject?.name)).toEqual(['pg-0']);
    expect(await minictl('events', '-o', 'wide')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: unable to match a printer suitable for the output format "wide", allowed formats are: json, jsonpath, name, yaml\n',
    });
  });
});

describe('events --watch', () => {
  /** Runs minictl in-process until `interrupt` fires, its output readable while it runs. */
  function watching(...args: string[]): { output: () => string; stop: () => Promise<CliResult> } {
    const interrupt = new AbortController();
    let output = '';
    const running = cluster.minictl(args, { signal: interrupt.signal, stdout: { write: (text) => void (output += text) } });
    return {
      output: () => output,
      stop: async () => {
        interrupt.abort();
        return running;
      },
    };
  }

  it('lists the existing events, then prints each new one, aligned, until interrupted', async () => {
    const watch = watching('events', '-n', 'db', '-w');
    let result: CliResult | undefined;
    try {
      await waitFor(() => watch.output().includes('Pod/pg-0'), { timeoutMs: 10_000, description: 'the existing event' });
      // An event recorded after the listing must come through the watch; record until one does
      // (the watch may open a moment after the list).
      let n = 0;
      await waitFor(
        async () => {
          await record({ ns: 'db', name: `pg-0.unhealthy-${n++}`, object: { kind: 'Pod', name: 'pg-0' }, type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed', first: 11, last: 11, count: 1 });
          return watch.output().includes('Unhealthy');
        },
        { timeoutMs: 20_000, intervalMs: 300, description: 'a row for the new event' },
      );
    } finally {
      result = await watch.stop();
    }
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = watch.output().split('\n');
    expect(lines[0]).toBe('LAST SEEN   TYPE     REASON   OBJECT     MESSAGE');
    expect(lines[1]).toBe('20m         Normal   Pulled   Pod/pg-0   Container image "postgres:16" already present on machine');
    // The widths of the rows before are kept; a wider cell widens only its own row, as kubectl's tab writer does.
    expect(lines[2]).toBe('11m         Warning   Unhealthy   Pod/pg-0   Readiness probe failed');
  });

  it('watches only the events of the selected types and object, after listing them', async () => {
    await record({ ns: 'shop', name: 'web-2.old', object: { kind: 'Pod', name: 'web-2' }, type: 'Warning', reason: 'OldFailure', message: 'before the watch', first: 50, last: 50, count: 1 });
    const watch = watching('events', '-n', 'shop', '-w', '--types=Warning', '--for', 'pod/web-2', '--no-headers');
    let result: CliResult | undefined;
    try {
      // Once a warning recorded now comes through, the watch is open.
      let n = 0;
      await waitFor(
        async () => {
          await record({ ns: 'shop', name: `web-2.failed-${n++}`, object: { kind: 'Pod', name: 'web-2' }, type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', first: 14, last: 14, count: 1 });
          return watch.output().includes('Failed');
        },
        { timeoutMs: 20_000, intervalMs: 300, description: 'a row for a new warning' },
      );
      // The watch delivers in order: when the later warning shows, the Normal event before it has been seen and skipped.
      await record({ ns: 'shop', name: 'web-2.pulled', object: { kind: 'Pod', name: 'web-2' }, type: 'Normal', reason: 'Pulled', message: 'pulled', first: 13, last: 13, count: 1 });
      await record({ ns: 'shop', name: 'web-2.killing', object: { kind: 'Pod', name: 'web-2' }, type: 'Warning', reason: 'Killing', message: 'Stopping container', first: 12, last: 12, count: 1 });
      await waitFor(() => watch.output().includes('Killing'), { timeoutMs: 10_000, description: 'the row for the last warning' });
    } finally {
      result = await watch.stop();
    }
    expect(result).toMatchObject({ code: 0, stderr: '' });
    // The existing warning first, then only the new warnings of web-2, in the listed rows' widths.
    expect(watch.output()).toMatch(
      /^50m   Warning   OldFailure   Pod\/web-2   before the watch\n(14m   Warning   Failed       Pod\/web-2   Error: ErrImagePull\n)+12m   Warning   Killing      Pod\/web-2   Stopping container\n$/,
    );
  });
});
