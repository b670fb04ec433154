// minictl, the kubectl of minik8s: wires the process to the CLI.

import { homedir } from 'node:os';
import { run } from './cli';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

run(process.argv.slice(2), {
  stdout: { write: (text) => void process.stdout.write(text) },
  stderr: { write: (text) => void process.stderr.write(text) },
  readStdin,
  env: process.env,
  now: () => new Date(),
  signal: controller.signal,
  homeDir: homedir(),
  stdio: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
