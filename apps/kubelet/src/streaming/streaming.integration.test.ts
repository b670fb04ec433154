// Logs, exec, attach and port-forward end to end: a user's stream goes through a real apiserver
// to the kubelet's stream server and into real Docker containers.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { get } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodStreams } from '@minik8s/client';
import { freePort, waitFor } from '@minik8s/testing';
import { KubeletFixture, statusOf } from '../test/fixture';

const f = new KubeletFixture('10.244.249.0/24');
let streams: PodStreams;

function collector(): { write(data: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  return { write: (d) => void chunks.push(d), text: () => Buffer.concat(chunks).toString() };
}

async function logsOf(name: string, options: Parameters<PodStreams['logs']>[2]): Promise<string> {
  const out = collector();
  await streams.logs('default', name, options, (d) => out.write(d));
  return out.text();
}

/** Both ends of a loopback TCP connection. */
function socketPair(): Promise<[Socket, Socket]> {
  return new Promise((resolve) => {
    const server = createServer((accepted) => {
      server.close();
      resolve([client, accepted]);
    });
    let client: Socket;
    server.listen(0, '127.0.0.1', () => (client = connect((server.address() as { port: number }).port, '127.0.0.1')));
  });
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  await f.setUp();
  await f.startKubelet({ address: '127.0.0.1', kubeletPort: await freePort() });
  streams = new PodStreams(f.apiserver.address);
  await f.pods().create(
    f.pod('talker', {
      containers: [
        { name: 'main', command: ['sh', '-c', 'echo one; echo two >&2; echo three; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'] },
        { name: 'web', command: ['sh', '-c', 'mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 8080 -h /www'] },
        { name: 'echo', command: ['cat'], stdin: true },
        { name: 'term', command: ['sh'], stdin: true, tty: true },
        { name: 'local', command: ['sh', '-c', 'mkdir -p /lo && echo loopback-only > /lo/index.html && exec httpd -f -p 127.0.0.1:9090 -h /lo'] },
      ],
    }),
  );
  await f.waitForPod('talker', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready), { timeoutMs: 60_000 });
}, 120_000);

afterAll(async () => {
  streams?.close();
  await f.tearDown();
}, 60_000);

describe('pod streams through the apiserver', () => {
  it('reads logs: stdout and stderr, tailLines, limitBytes, timestamps, sinceSeconds', async () => {
    const all = await logsOf('talker', { container: 'main' });
    // stdout and stderr each keep their order; how they interleave is up to the engine.
    const lines = all.split('\n');
    expect(lines).toContain('two');
    expect(lines.filter((l) => l !== 'two').slice(0, 3)).toEqual(['one', 'three', 'tick 0']);
    const tail = await logsOf('talker', { container: 'main', tailLines: 2 });
    expect(tail.split('\n').filter(Boolean)).toHaveLength(2);
    expect(['one\n', 'two\n']).toContain(await logsOf('talker', { container: 'main', limitBytes: 4 }));
    const stamped = await logsOf('talker', { container: 'main', tailLines: 1, timestamps: true });
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick \d+\n$/);
    expect(await logsOf('talker', { container: 'main', sinceSeconds: 3600 })).toContain('one\n');
    // From the time of a later line on, the first lines are gone.
    const stampedAll = await waitFor(
      async () => {
        const text = await logsOf('talker', { container: 'main', timestamps: true });
        return / tick 2\n/.test(text) ? text : undefined;
      },
      { timeoutMs: 20_000, description: 'three ticks' },
    );
    const since = /^(\S+) tick 2$/m.exec(stampedAll)?.[1] ?? '';
    const recent = await logsOf('talker', { container: 'main', sinceTime: since });
    expect(recent).not.toContain('one\n');
    expect(recent).toContain('tick 2\n');
  });

  it('follows logs as they are written until the caller stops', async () => {
    const seen: string[] = [];
    const abort = new AbortController();
    const following = streams.logs('default', 'talker', { container: 'main', follow: true, tailLines: 0 }, (d) => {
      seen.push(d.toString());
      if (seen.join('').split('\n').filter((l) => l.startsWith('tick')).length >= 3) abort.abort();
    }, abort.signal);
    // A follow that delivers nothing fails below instead of hanging.
    const deadline = setTimeout(() => abort.abort(), 30_000);
    await following.finally(() => clearTimeout(deadline));
    const ticks = seen.join('').split('\n').filter((l) => l.startsWith('tick')).map((l) => Number(l.split(' ')[1]));
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    // New lines only (tailLines 0), in order.
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
  });

  it("refuses what Kubernetes refuses, with Kubernetes' messages", async () => {
    expect((await errorOf(logsOf('talker', {}))).message).toBe('a container name must be specified for pod talker, choose one of: [main web echo term local]');
    expect((await errorOf(logsOf('talker', { container: 'nope' }))).message).toBe('container nope is not valid for pod talker');
    expect((await errorOf(logsOf('talker', { container: 'main', previous: true }))).message).toBe(
      'previous terminated container "main" in pod "talker" not found',
    );
    expect((await errorOf(logsOf('missing', { container: 'main' }))).message).toBe('pods "missing" not found');
    await f.pods().create({ metadata: { name: 'unscheduled', namespace: 'default' }, spec: { containers: [{ name: 'c', image: f.busybox }] } });
    const err = await errorOf(streams.exec('default', 'unscheduled', { command: ['true'], stdout: true }, {}));
    expect(err.message).toBe('pod unscheduled does not have a host assigned');
    expect((err as { reason?: string }).reason).toBe('BadRequest');
    expect(await logsOf('unscheduled', {})).toBe('');
  });

  it('execs a command: stdout, stderr and its exit code', async () => {
    const out = collector();
    const err = collector();
    const status = await streams.exec(
      'default',
      'talker',
      { container: 'main', command: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true },
      { stdout: out, stderr: err },
    );
    expect(status.exitCode).toBe(3);
    expect(status.reason).toBe('NonZeroExitCode');
    expect(out.text()).toBe('out\n');
    expect(err.text()).toBe('err\n');
    const ok = await streams.exec('default', 'talker', { container: 'main', command: ['true'], stdout: true }, {});
    expect(ok).toMatchObject({ status: 'Success', exitCode: 0 });
  });

  it('execs with stdin, which ends when the caller closes it', async () => {
    const stdin = new PassThrough();
    const out = collector();
    const running = streams.exec('default', 'talker', { container: 'main', command: ['sh', '-c', 'wc -c; cat'], stdin: true, stdout: true }, { stdin, stdout: out });
    stdin.write('hello ');
    stdin.end('world');
    expect((await running).exitCode).toBe(0);
    expect(out.text().trim()).toBe('11');
  });

  it('execs with a TTY of the caller terminal size', async () => {
    const stdin = new PassThrough();
    const out = collector();
    const terminal = { size: () => ({ width: 77, height: 33 }), onResize: () => () => undefined };
    const running = streams.exec(
      'default',
      'talker',
      { container: 'main', command: ['sh'], stdin: true, stdout: true, tty: true },
      { stdin, stdout: out, terminal },
    );
    stdin.write('stty size; tty; exit 5\n');
    const status = await running;
    expect(status.exitCode).toBe(5);
    expect(out.text()).toContain('33 77');
    expect(out.text()).toMatch(/\/dev\/pts\/\d+/);
  });

  it("attaches to a container's stdin and stdout", async () => {
    const stdin = new PassThrough();
    const out = collector();
    const abort = new AbortController();
    const attached = streams.attach('default', 'talker', { container: 'echo', stdin: true, stdout: true, stderr: true }, { stdin, stdout: out }, abort.signal);
    // Attaching takes a moment: send until the echo comes back.
    await waitFor(
      async () => {
        stdin.write('ping\n');
        return out.text().includes('ping\n');
      },
      { timeoutMs: 20_000, intervalMs: 300, description: 'echo through attach' },
    );
    abort.abort();
    await attached;
  });

  it("attaches to a container's terminal and resizes it", async () => {
    const stdin = new PassThrough();
    const out = collector();
    const abort = new AbortController();
    const terminal = { size: () => ({ width: 91, height: 19 }), onResize: () => () => undefined };
    const attached = streams.attach('default', 'talker', { container: 'term', stdin: true, stdout: true, tty: true }, { stdin, stdout: out, terminal }, abort.signal);
    await waitFor(
      async () => {
        stdin.write('echo $((6*7)); stty size\n');
        return out.text().includes('42') && out.text().includes('19 91');
      },
      { timeoutMs: 20_000, intervalMs: 500, description: 'a shell answering through attach' },
    );
    abort.abort();
    expect((await attached).exitCode).toBe(0);
  });

  async function fetchThroughForward(podPort: number): Promise<string> {
    const server: Server = createServer((socket) => void streams.forwardConnection('default', 'talker', podPort, socket).catch(() => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      return await new Promise<string>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/index.html', agent: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
    } finally {
      server.close();
    }
  }

  it('forwards a local connection to a port of the pod', async () => {
    expect(await fetchThroughForward(8080)).toBe('hello-from-pod\n');
  });

  it("forwards to a port that listens only on the pod's loopback", async () => {
    expect(await fetchThroughForward(9090)).toBe('loopback-only\n');
  });

  it('fails a forward to a port nothing listens on', async () => {
    const [local, accepted] = await socketPair();
    const err = await errorOf(streams.forwardConnection('default', 'talker', 9999, accepted));
    expect(err.message).toMatch(/^error forwarding port 9999 to pod \S+: /);
    local.destroy();
  });

  it('reads the logs of the previous instance after a restart', async () => {
    await f.pods().create(f.pod('crasher', { containers: [{ name: 'c', command: ['sh', '-c', 'echo run at $(date +%s%N); exec sleep 1000'] }] }));
    await f.waitForPod('crasher', (p) => statusOf(p, 'c')?.state?.running !== undefined);
    const first = await logsOf('crasher', {});
    // Kill the container: the kubelet starts the next instance and keeps the dead one.
    const [container] = (await f.docker.listContainers({ filters: { label: ['io.kubernetes.pod.name=crasher', 'io.kubernetes.container.name=c'] } }));
    await f.docker.getContainer(container.Id).kill();
    await f.waitForPod('crasher', (p) => (statusOf(p, 'c')?.restartCount ?? 0) >= 1 && statusOf(p, 'c')?.state?.running !== undefined);
    expect(await logsOf('crasher', { previous: true })).toBe(first);
    await waitFor(async () => (await logsOf('crasher', {})).length > 0, { timeoutMs: 10_000, description: 'new instance logs' });
    expect(await logsOf('crasher', {})).not.toBe(first);
  });
});
