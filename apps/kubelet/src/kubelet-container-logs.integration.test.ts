// --container-log-max-size and --container-log-max-files end to end: the kubelet program, started
// with its flags, bounds a chatty container's log on the engine's disk, and the logs API still
// serves the newest lines across the rotated files.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodStreams } from '@minik8s/client';
import { freePort, removeDockerObjectsByLabel, stopProcess, waitFor } from '@minik8s/testing';
import { LABEL_NODE } from './runtime/labels';
import { KubeletFixture, statusOf } from './test/fixture';

const f = new KubeletFixture('10.244.235.0/24');
const LAUNCHER = join(__dirname, '..', '..', '..', 'bin', 'minik8s.js');
const MAX_SIZE = 16 * 1024;
const MAX_FILES = 2;
/** json-file may let a file pass max-size by the record that crossed it: one line, with its JSON. */
const SLACK = 512;
const LINES = 4000;
const PAD = 'x'.repeat(64);

let kubelet: ChildProcess | undefined;
let kubeletOutput = '';
let streams: PodStreams;

function assertKubeletRunning(): void {
  if (!kubelet) throw new Error('the kubelet was not started');
  if (kubelet.exitCode !== null || kubelet.signalCode !== null) {
    throw new Error(`the kubelet exited (${kubelet.exitCode ?? kubelet.signalCode}):\n${kubeletOutput}`);
  }
}

async function logsOf(name: string, options: Parameters<PodStreams['logs']>[2]): Promise<string> {
  const chunks: Buffer[] = [];
  await streams.logs('default', name, options, (d) => void chunks.push(d));
  return Buffer.concat(chunks).toString();
}

/** The JSON records of a json-file log file: one per line the container wrote. */
function recordsIn(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
}

beforeAll(async () => {
  await f.setUp();
  const port = await freePort();
  // The real program, so the flags are parsed and carried to the runtime as an operator's are.
  kubelet = spawn(
    process.execPath,
    [
      LAUNCHER,
      'kubelet',
      `--server=${f.apiserver.address}`,
      `--node-name=${f.nodeName}`,
      '--node-ip=127.0.0.1',
      `--pod-cidr=${f.podCIDR}`,
      `--root-dir=${f.rootDir}`,
      `--pod-infra-image=${f.pause}`,
      `--pod-network-name=minik8s-test-${f.runId}`,
      // One node on loopback: no routes, iptables rules or bridge settings to leave behind.
      '--network-plugin=none',
      '--hairpin-mode=none',
      '--address=127.0.0.1',
      `--port=${port}`,
      '--node-status-update-frequency=1',
      '--sync-frequency=2',
      '--log-format=json',
      '--log-level=warn',
      `--container-log-max-size=${MAX_SIZE / 1024}Ki`,
      `--container-log-max-files=${MAX_FILES}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (d: Buffer): void => void (kubeletOutput = (kubeletOutput + d.toString()).slice(-20_000));
  kubelet.stdout?.on('data', keep);
  kubelet.stderr?.on('data', keep);
  streams = new PodStreams(f.apiserver.address);
}, 120_000);

afterAll(async () => {
  streams?.close();
  await stopProcess(kubelet, 'SIGTERM', 10_000);
  // The program labels what it makes with its node, not with the fixture's test label.
  await removeDockerObjectsByLabel(`${LABEL_NODE}=${f.nodeName}`);
  await f.tearDown();
}, 60_000);

describe('container log rotation', () => {
  it('keeps each container log within --container-log-max-size × --container-log-max-files, and the logs API serves the newest lines', async () => {
    const created = await f.pods().create(
      f.pod('chatty', {
        initContainers: [{ name: 'init', command: ['sh', '-c', 'echo init ran'] }],
        containers: [
          {
            name: 'chatty',
            command: ['sh', '-c', `i=0; while [ $i -lt ${LINES} ]; do printf 'line %05d ${PAD}\\n' $i; i=$((i+1)); done; echo done; exec sleep 3600`],
          },
        ],
      }),
    );
    const uid = created.metadata?.uid ?? '';
    const running = await f.waitForPod(
      'chatty',
      (p) => {
        assertKubeletRunning();
        return statusOf(p, 'chatty')?.state?.running !== undefined;
      },
      { timeoutMs: 60_000, description: 'pod chatty running' },
    );
    const id = (statusOf(running, 'chatty')?.containerID ?? '').replace('docker://', '');

    // Every container of the pod, the sandbox and the init container included, has the limits.
    const containers = await f.containersOf(uid);
    expect(containers).toHaveLength(3);
    for (const c of containers) {
      const info = await f.docker.getContainer(c.Id).inspect();
      expect(info.HostConfig.LogConfig, c.Names[0]).toEqual({ Type: 'json-file', Config: { 'max-size': String(MAX_SIZE), 'max-file': String(MAX_FILES) } });
    }

    // All written, as the API reads it.
    const text = await waitFor(
      async () => {
        const logs = await logsOf('chatty', { container: 'chatty' });
        return logs.endsWith(`line ${String(LINES - 1).padStart(5, '0')} ${PAD}\ndone\n`) ? logs : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'the last line in the logs' },
    );

    // On disk: the current file and one rotated file, each within max-size.
    const logPath = (await f.docker.getContainer(id).inspect()).LogPath;
    expect(logPath).toMatch(/-json\.log$/);
    expect(statSync(logPath).size).toBeLessThanOrEqual(MAX_SIZE + SLACK);
    expect(existsSync(`${logPath}.1`)).toBe(true);
    expect(statSync(`${logPath}.1`).size).toBeGreaterThan(0);
    expect(statSync(`${logPath}.1`).size).toBeLessThanOrEqual(MAX_SIZE + SLACK);
    expect(existsSync(`${logPath}.2`)).toBe(false);

    // Through the API: the newest lines, in order and without a gap across the rotation, and
    // exactly what the two files hold; the earliest lines are gone.
    const lines = text.split('\n').filter(Boolean);
    expect(lines.length).toBe(recordsIn(`${logPath}.1`) + recordsIn(logPath));
    expect(lines.at(-1)).toBe('done');
    const numbers = lines.slice(0, -1).map((l) => Number(/^line (\d{5}) x+$/.exec(l)?.[1] ?? NaN));
    expect(numbers.at(-1)).toBe(LINES - 1);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i));
    expect(numbers[0]).toBeGreaterThan(0);
    expect(text).not.toContain('line 00000 ');
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_FILES * (MAX_SIZE + SLACK));

    // --tail counts from the newest line; the init container keeps its own bounded log.
    expect(await logsOf('chatty', { container: 'chatty', tailLines: 2 })).toBe(`line ${String(LINES - 1).padStart(5, '0')} ${PAD}\ndone\n`);
    expect(await logsOf('chatty', { container: 'init' })).toBe('init ran\n');
  });
});
