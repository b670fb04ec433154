import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Deployments, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ROOT } from './compose';
import { KUBIA_V1, kubiaDeployment } from './manifests';
import { rolledOutTo } from './rollout';
import { useScenario } from './scenario';

const s = useScenario('kubia');

/** Runs `minictl port-forward` until the callback is done; resolves with what the callback returns. */
async function withPortForward<T>(target: string, use: (localPort: number) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'minictl.js'), `--server=${s.server}`, '-n', s.ns, 'port-forward', target, ':8080'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const port = await waitFor(() => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(output)?.[1], {
      timeoutMs: 60_000,
      intervalMs: 200,
      description: `port-forward to print its port (output so far: ${JSON.stringify(output)})`,
    });
    return await use(Number(port));
  } finally {
    child.kill('SIGINT');
  }
}

describe('the kubia pod', () => {
  it('answers through port-forward and shows the request in its logs', async () => {
    await s.client.resource(Deployments).namespace(s.ns).create(kubiaDeployment(1));
    await rolledOutTo(s, 'kubia', KUBIA_V1, 1);
    const pod = (await s.client.resource(Pods).namespace(s.ns).list({ labelSelector: 'app=kubia' })).items[0];
    const name = pod.metadata?.name ?? '';

    const started = await s.minictl('logs', name, '-n', s.ns);
    expect(started).toContain('kubia v1 listening on 8080');

    const body = await withPortForward(`pod/${name}`, async (port) => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
      return (await res.text()).trim();
    });
    expect(body).toBe(`You've hit ${name}`);

    const logs = await waitFor(
      async () => {
        const out = await s.minictl('logs', 'deploy/kubia', '-n', s.ns, '--tail=5');
        return out.includes('Received request from') ? out : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, description: 'the request in the logs' },
    );
    expect(logs).toMatch(/Received request from \S+/);
  });
});
