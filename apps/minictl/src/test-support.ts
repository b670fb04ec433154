// Integration-test support: a real etcd and apiserver per test file, and minictl run in-process
// (or as the real binary) against them with a config file in a fresh temp dir.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneHarness } from '@minik8s/testing';
import { expect } from 'vitest';
import { run } from './cli';
import { BufferedOutput, type Output } from './io';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface NamespacedCli {
  minictl(...args: string[]): Promise<CliResult>;
  ok(...args: string[]): Promise<string>;
  jsonpath(ref: string, path: string): Promise<string>;
}

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const MINICTL_BIN = join(REPO_ROOT, 'bin', 'minictl.js');

/**
 * A minik8s component (a kubelet, a scheduler) run as its real program against a TestCluster,
 * keeping the tail of its output for the message of a failed assertion.
 */
export class TestComponent {
  output = '';

  private constructor(private readonly child: ChildProcess) {
    const keep = (d: Buffer): void => void (this.output = (this.output + d.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static spawn(component: string, args: string[]): TestComponent {
    return new TestComponent(spawn(process.execPath, [join(REPO_ROOT, 'bin', 'minik8s.js'), component, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /**
   * A kubelet on this machine's Docker engine for one test file: its own pod network and CIDR,
   * and no routes or host iptables rules to make (and to leave behind).
   */
  static kubelet(cluster: TestCluster, o: { node: string; podCidr: string; networkName: string; pauseImage: string; rootDir: string; port: number }): TestComponent {
    return TestComponent.spawn('kubelet', [
      `--server=${cluster.address}`,
      `--node-name=${o.node}`,
      '--node-ip=127.0.0.1',
      `--pod-cidr=${o.podCidr}`,
      `--pod-network-name=${o.networkName}`,
      `--pod-infra-image=${o.pauseImage}`,
      `--root-dir=${o.rootDir}`,
      '--address=127.0.0.1',
      `--port=${o.port}`,
      '--network-plugin=none',
      '--log-format=json',
    ]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

export class TestCluster {
  private constructor(
    private readonly controlPlane: ControlPlaneHarness,
    readonly dir: string,
  ) {}

  static async start(): Promise<TestCluster> {
    const controlPlane = await ControlPlaneHarness.start();
    return new TestCluster(controlPlane, mkdtempSync(join(tmpdir(), 'minictl-it-')));
  }

  get address(): string {
    return this.controlPlane.address;
  }

  /** The apiserver's health and metrics endpoint (`/metrics`, `/readyz`). */
  get healthUrl(): string {
    return this.controlPlane.apiserver.healthUrl;
  }

  get configPath(): string {
    return join(this.dir, 'config');
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { MINIK8S_SERVER: this.address, MINIK8S_CONFIG: this.configPath, ...extra };
  }

  /** Writes a file into the test's temp dir and returns its path. */
  file(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /**
   * minictl in-process in one namespace: `minictl` gives the result; `ok` expects success (exit
   * 0, nothing on stderr) and gives stdout; `jsonpath` reads one field of an object.
   */
  inNamespace(ns: string): NamespacedCli {
    const minictl = (...args: string[]): Promise<CliResult> => this.minictl(['-n', ns, ...args]);
    const ok = async (...args: string[]): Promise<string> => {
      const result = await minictl(...args);
      expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      return result.stdout;
    };
    return { minictl, ok, jsonpath: (ref, path) => ok('get', ref, '-o', `jsonpath=${path}`) };
  }

  /** Runs minictl in-process. */
  async minictl(
    args: string[],
    options: { stdin?: string; env?: Record<string, string>; signal?: AbortSignal; stdout?: Output } = {},
  ): Promise<CliResult> {
    const buffered = new BufferedOutput();
    const stdout: Output = options.stdout
      ? { write: (text) => (buffered.write(text), options.stdout?.write(text)) }
      : buffered;
    const stderr = new BufferedOutput();
    const code = await run(args, {
      stdout,
      stderr,
      readStdin: async () => options.stdin ?? '',
      env: options.env ?? this.env(),
      now: () => new Date(),
      signal: options.signal ?? new AbortController().signal,
      homeDir: this.dir,
    });
    return { code, stdout: buffered.text, stderr: stderr.text };
  }

  /** Starts the real binary (`node bin/minictl.js`) as a child process. */
  spawn(args: string[]): ChildProcess & { output: () => string } {
    const child = spawn(process.execPath, [MINICTL_BIN, ...args], {
      env: { ...process.env, ...this.env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return Object.assign(child, { output: () => output });
  }

  /** Runs the real binary to completion. */
  async exec(args: string[]): Promise<CliResult> {
    const child = spawn(process.execPath, [MINICTL_BIN, ...args], { env: { ...process.env, ...this.env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    return { code, stdout, stderr };
  }

  async stop(): Promise<void> {
    await this.controlPlane.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Replaces AGE-like cells (`0s`, `12s`, `3m2s`) with `<age>`, so tables compare exactly. */
export function maskAges(text: string): string {
  return text.replace(/(?<=\s)\d+(?:s|m\d*s?|h\d*m?|d\d*h?)(?=\s|$)/gm, '<age>');
}
