// Everything a command touches outside itself, so tests can run the CLI in-process.

export interface Output {
  write(text: string): void;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  /** The whole of standard input, for `-f -`. */
  readStdin(): Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  /** Aborted on Ctrl-C; long-running commands (watch) end cleanly when it fires. */
  signal: AbortSignal;
  /** The user's home directory, where `.minik8s/config` lives. */
  homeDir: string;
}

/** An Io that collects output in memory. */
export class BufferedOutput implements Output {
  text = '';
  write(text: string): void {
    this.text += text;
  }
}
