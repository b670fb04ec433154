// What every command gets: parsed arguments, the config, the connection, an API client made on
// first use, and a place to report errors (which makes the exit code non-zero).

import { defaultScheme, type KindInfo, type Scheme } from '@minik8s/api';
import { ApiClient } from '@minik8s/client';
import type { FlagDef, ParsedArgs } from './args';
import { configPath, loadConfig, resolveConnection, type Connection, type KubeConfig } from './config';
import { CliError, formatError } from './errors';
import type { Io } from './io';

export const GLOBAL_FLAGS: FlagDef[] = [
  { name: 'server', short: 's', type: 'string', description: 'The address and port of the minik8s API server.' },
  { name: 'kubeconfig', type: 'string', description: 'Path to the minictl config file to use for CLI requests (default ~/.minik8s/config, or $MINIK8S_CONFIG).' },
  { name: 'context', type: 'string', description: 'The name of the config context to use.' },
  { name: 'namespace', short: 'n', type: 'string', description: 'If present, the namespace scope for this CLI request.' },
  { name: 'help', short: 'h', type: 'bool', description: 'Help for the command.' },
];

export interface Command {
  name: string;
  aliases?: string[];
  /** One line for `minictl --help`. */
  summary: string;
  /** Usage line(s) and examples for `minictl <command> --help`. */
  usage: string;
  flags: FlagDef[];
  /**
   * Commands under this one (`rollout status`, `create deployment`): the first positional picks
   * one, which then has its own flags, usage and run. Without a match the command runs itself.
   */
  subcommands?: Command[];
  run(ctx: CommandContext): Promise<void>;
}

export class CommandContext {
  readonly scheme: Scheme = defaultScheme();
  private apiClient: ApiClient | undefined;
  private loadedConfig: KubeConfig | undefined;
  private resolved: Connection | undefined;
  /** Set by `fail`; the process exits with it. */
  exitCode = 0;

  constructor(
    readonly io: Io,
    readonly args: ParsedArgs,
    readonly commandName: string,
  ) {}

  get configPath(): string {
    return configPath(this.args.string('kubeconfig'), this.io.env, this.io.homeDir);
  }

  config(): KubeConfig {
    this.loadedConfig ??= loadConfig(this.configPath);
    return this.loadedConfig;
  }

  connection(): Connection {
    this.resolved ??= resolveConnection(
      this.config(),
      { server: this.args.string('server'), namespace: this.args.string('namespace'), context: this.args.string('context') },
      this.io.env,
    );
    return this.resolved;
  }

  /** The namespace for namespaced requests: -n, then the context's, then `default`. */
  get namespace(): string {
    return this.connection().namespace;
  }

  client(): ApiClient {
    // A CLI fails fast when the server is unreachable instead of waiting for it to come back.
    this.apiClient ??= new ApiClient(this.connection().server, { scheme: this.scheme, waitForReady: false });
    return this.apiClient;
  }

  now(): Date {
    return this.io.now();
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  err(text: string): void {
    this.io.stderr.write(text);
  }

  /** Reports an error and carries on; the command ends with exit code 1. */
  fail(err: unknown): void {
    this.exitCode = 1;
    this.err(formatError(err, { command: this.commandName, server: this.resolved?.server }));
  }

  /** The namespace for an object of `info` given (or not) in a manifest. */
  namespaceFor(info: KindInfo, fromManifest: string | undefined): string | undefined {
    if (!info.namespaced) return undefined;
    const conn = this.connection();
    if (fromManifest && conn.namespaceFromFlag && fromManifest !== conn.namespace) {
      throw new CliError(
        `the namespace from the provided object "${fromManifest}" does not match the namespace "${conn.namespace}". You must pass '--namespace=${fromManifest}' to perform this operation.`,
      );
    }
    return fromManifest || conn.namespace;
  }

  close(): void {
    this.apiClient?.close();
  }
}
