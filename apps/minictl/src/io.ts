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
  /**
   * The process's byte streams, for the commands that stream (logs, exec, attach, cp): binary
   * output, stdin as it arrives, and the terminal. Without them those commands write text.
   */
  stdio?: ByteStdio;
}

/** Byte streams of a process; `process.stdin`/`stdout`/`stderr` fit. */
export interface ByteStdio {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown; pause(): unknown; resume(): unknown };
  stdout: { write(data: Uint8Array | string): unknown; isTTY?: boolean; columns?: number; rows?: number; on?(event: 'resize', l: () => void): unknown; off?(event: 'resize', l: () => void): unknown };
  stderr: { write(data: Uint8Array | string): unknown };
}

/** An Io that collects output in memory. */
export class BufferedOutput implements Output {
  text = '';
  write(text: string): void {
    this.text += text;
  }
}
