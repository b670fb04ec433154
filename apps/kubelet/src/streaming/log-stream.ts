// `logs` from Docker: the options Kubernetes' PodLogOptions map to, and the copy of the
// container's output (demultiplexed unless it has a TTY) to the caller, cut at limitBytes.

import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { newBadRequest, type streamingv1 } from '@minik8s/api';
import { DockerFrameParser } from './docker-frames';

export interface DockerLogQuery {
  stdout: true;
  stderr: true;
  follow: boolean;
  timestamps: boolean;
  /** Lines from the end; undefined for all. */
  tail: number | undefined;
  /** Unix seconds with a fraction, as Docker's `since` takes them; 0 for all. */
  since: number;
}

/** PodLogOptions as a Docker logs query, validated as the apiserver validates them. */
export function dockerLogQuery(options: streamingv1.PodLogOptions, now: Date): DockerLogQuery {
  if (options.sinceSeconds !== undefined && options.sinceTime) throw newBadRequest('at most one of sinceTime or sinceSeconds may be specified');
  if (options.sinceSeconds !== undefined && options.sinceSeconds < 1) throw newBadRequest('sinceSeconds: Invalid value: must be greater than 0');
  if (options.tailLines !== undefined && options.tailLines < 0) throw newBadRequest('tailLines: Invalid value: must be greater than or equal to 0');
  if (options.limitBytes !== undefined && options.limitBytes < 1) throw newBadRequest('limitBytes: Invalid value: must be greater than 0');
  let since = 0;
  if (options.sinceSeconds !== undefined) since = now.getTime() / 1000 - options.sinceSeconds;
  if (options.sinceTime) {
    const ms = Date.parse(options.sinceTime);
    if (Number.isNaN(ms)) throw newBadRequest(`sinceTime: Invalid value: "${options.sinceTime}": must be RFC 3339`);
    since = ms / 1000;
  }
  return {
    stdout: true,
    stderr: true,
    follow: options.follow ?? false,
    timestamps: options.timestamps ?? false,
    tail: options.tailLines,
    since,
  };
}

/** Where log bytes go; `write` returning false asks the copy to wait for `drain`. */
export interface LogSink {
  write(data: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Copies a container's logs into `sink` until they end (or, following, until `signal` fires) or
 * limitBytes have been sent.
 */
export async function copyContainerLogs(
  docker: Docker,
  containerId: string,
  options: streamingv1.PodLogOptions,
  sink: LogSink,
  signal: AbortSignal,
  now: Date = new Date(),
): Promise<void> {
  const query = dockerLogQuery(options, now);
  const container = docker.getContainer(containerId);
  const info = await container.inspect();
  const tty = info.Config.Tty;
  let left = options.limitBytes ?? Number.POSITIVE_INFINITY;
  const parser = new DockerFrameParser();
  const split = (chunk: Buffer): Buffer[] => (tty ? [chunk] : parser.push(chunk).map((f) => f.data));

  /** Sends what fits under limitBytes; false once the limit is reached. */
  const send = async (data: Buffer): Promise<boolean> => {
    const part = data.length > left ? data.subarray(0, left) : data;
    left -= part.length;
    if (part.length > 0 && !sink.write(part)) await new Promise<void>((resolve) => sink.once('drain', resolve));
    return left > 0;
  };

  const sinceOpt = query.since > 0 ? { since: query.since.toFixed(9) } : {};
  const tailOpt = query.tail !== undefined ? { tail: query.tail } : {};
  const common = { stdout: true, stderr: true, timestamps: query.timestamps, ...tailOpt, ...sinceOpt };
  if (!query.follow) {
    const all = (await container.logs({ ...common, follow: false })) as unknown as Buffer;
    for (const part of split(Buffer.from(all))) if (!(await send(part))) return;
    return;
  }
  const stream = (await container.logs({ ...common, follow: true })) as unknown as Readable;
  const stop = (): void => void stream.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream) {
      for (const part of split(chunk as Buffer)) {
        if (!(await send(part))) return;
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', stop);
    stream.destroy();
  }
}
