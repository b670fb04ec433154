// minictl logs: print (and with -f follow) the logs of a container of a pod, or of the pods a
// selector or a workload picks, through the apiserver's pods/log.

import type { corev1 } from '@minik8s/api';
import type { PodLogOptions } from '@minik8s/client';
import { UsageError, type FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { parseDurationArg } from '../duration';
import { CliError } from '../errors';
import { resolveKind } from '../resources';
import { SELECTOR_FLAG } from './get';
import { choosePod, objectArg, podRunningTimeout, podRunningTimeoutFlag } from './pod-choice';
import { byLogging } from './pod-order';
import { byteStdio, CONTAINER_FLAG, pickContainer, withPodStreams } from './stream-target';

const FLAGS: FlagDef[] = [
  { name: 'all-containers', type: 'bool', description: 'Get all containers\' logs in the pod(s).' },
  CONTAINER_FLAG,
  { name: 'follow', short: 'f', type: 'bool', description: 'Specify if the logs should be streamed.' },
  { name: 'ignore-errors', type: 'bool', description: 'If watching / following pod logs, allow for any errors that occur to be non-fatal' },
  { name: 'limit-bytes', type: 'int', default: 0, description: 'Maximum bytes of logs to return. Defaults to no limit.' },
  { name: 'max-log-requests', type: 'int', default: 5, description: 'Specify maximum number of concurrent logs to follow when using by a selector. Defaults to 5.' },
  { name: 'prefix', type: 'bool', description: 'Prefix each log line with the log source (pod name and container name)' },
  podRunningTimeoutFlag('20s'),
  { name: 'previous', short: 'p', type: 'bool', description: 'If true, print the logs for the previous instance of the container in a pod if it exists.' },
  SELECTOR_FLAG,
  { name: 'since', type: 'string', description: 'Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all logs. Only one of since-time / since may be used.' },
  { name: 'since-time', type: 'string', description: 'Only return logs after a specific date (RFC3339). Defaults to all logs. Only one of since-time / since may be used.' },
  { name: 'tail', type: 'int', default: -1, description: 'Lines of recent log file to display. Defaults to -1 with no selector, showing all log lines otherwise 10, if a selector is provided.' },
  { name: 'timestamps', type: 'bool', description: 'Include timestamps on each line in the log output' },
];

const USAGE = `Print the logs for a container in a pod or specified resource. If the pod has only one container, the container name is optional.

Examples:
  # Return snapshot logs from pod nginx with only one container
  minictl logs nginx

  # Begin streaming the logs of the ruby container in pod web-1
  minictl logs -f -c ruby web-1

  # Display only the most recent 20 lines of output in pod nginx
  minictl logs --tail=20 nginx

  # Show all logs from pod nginx written in the last hour
  minictl logs --since=1h nginx

  # Return snapshot logs from first container of a job named hello
  minictl logs job/hello

  # Return snapshot logs from container nginx-1 of a deployment named nginx
  minictl logs deployment/nginx -c nginx-1

  # Return snapshot logs from all containers in pods defined by label app=nginx
  minictl logs -l app=nginx --all-containers=true

Usage:
  minictl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]
`;

interface LogSource {
  pod: corev1.Pod;
  container: string;
}

/** The PodLogOptions the flags ask for. */
export function logOptions(ctx: CommandContext, bySelector: boolean): PodLogOptions {
  const since = ctx.args.string('since');
  const sinceTime = ctx.args.string('since-time');
  if (since && sinceTime) throw new CliError('at most one of `sinceTime` or `sinceSeconds` may be specified');
  const options: PodLogOptions = {
    follow: ctx.args.bool('follow'),
    previous: ctx.args.bool('previous'),
    timestamps: ctx.args.bool('timestamps'),
  };
  if (since) {
    const ms = parseDurationArg(since, 'since');
    options.sinceSeconds = Math.max(1, Math.ceil(ms / 1000));
  }
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime))) throw new CliError(`--since-time only accepts times matching RFC3339, eg '2006-01-02T15:04:05Z'`);
    options.sinceTime = sinceTime;
  }
  const limit = ctx.args.int('limit-bytes');
  if (limit < 0) throw new CliError('--limit-bytes must be greater than 0');
  if (limit > 0) options.limitBytes = limit;
  let tail = ctx.args.int('tail');
  // With a selector kubectl shows the last 10 lines unless told otherwise (even --tail=-1 is telling).
  if (tail === -1 && bySelector && !ctx.args.has('tail')) tail = 10;
  if (tail < -1) throw new CliError('--tail must be greater than or equal to -1');
  if (tail >= 0) options.tailLines = tail;
  return options;
}

/** Writes complete lines with `[pod/name/container] ` in front; a partial line waits. */
function prefixer(prefix: string, write: (data: Buffer) => void): { push(data: Buffer): void; flush(): void } {
  let pending = Buffer.alloc(0);
  return {
    push(data) {
      pending = Buffer.concat([pending, data]);
      let nl: number;
      while ((nl = pending.indexOf(10)) >= 0) {
        write(Buffer.concat([Buffer.from(prefix), pending.subarray(0, nl + 1)]));
        pending = pending.subarray(nl + 1);
      }
    },
    flush() {
      if (pending.length > 0) write(Buffer.concat([Buffer.from(prefix), pending, Buffer.from('\n')]));
      pending = Buffer.alloc(0);
    },
  };
}

async function sources(ctx: CommandContext, timeoutMs: number): Promise<LogSource[]> {
  const args = ctx.args.positionals;
  const selector = ctx.args.string('selector');
  const all = ctx.args.bool('all-containers');
  // `logs POD CONTAINER` is kubectl's old form of -c.
  const given = args[1] ?? ctx.args.string('container');
  if (all && given) throw new CliError('--all-containers=true should not be specified with container name ' + given);
  if (args.length === 2 && ctx.args.has('container')) throw new CliError('only one of -c or an inline [CONTAINER] arg is allowed');
  const containersOf = (pod: corev1.Pod, pick: () => string): string[] => {
    const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name ?? '');
    if (all) return names;
    const picked = pick();
    // kubectl checks the name against the pod itself before asking the server.
    if (!names.includes(picked)) throw new CliError(`container ${picked} is not valid for pod ${pod.metadata?.name}`);
    return [picked];
  };
  if (selector) {
    if (args.length > 0) throw new UsageError('only a selector (-l) or a POD name is allowed');
    const pods = (await ctx.client().list(resolveKind(ctx.scheme, 'pods'), ctx.namespace, { labelSelector: selector })).items as corev1.Pod[];
    if (pods.length === 0) {
      ctx.err(`No resources found in ${ctx.namespace} namespace.\n`);
      return [];
    }
    return pods.flatMap((pod) => containersOf(pod, () => pickContainer(ctx, pod, given)).map((container) => ({ pod, container })));
  }
  if (args.length === 0) {
    throw new UsageError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command");
  }
  if (args.length > 2) throw new UsageError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'");
  const { info, name } = objectArg(ctx, args.slice(0, 1));
  const pod = await choosePod(ctx, info, name, { order: byLogging, timeoutMs, announce: true, selectorError: 'cannot get the logs from' });
  return containersOf(pod, () => pickContainer(ctx, pod, given)).map((c) => ({ pod, container: c }));
}

export const logsCommand: Command = {
  name: 'logs',
  summary: 'Print the logs for a container in a pod',
  usage: USAGE,
  flags: FLAGS,
  async run(ctx) {
    // The flags are checked before anything is read or waited for.
    const timeoutMs = podRunningTimeout(ctx);
    const options = logOptions(ctx, ctx.args.string('selector') !== '');
    const list = await sources(ctx, timeoutMs);
    if (list.length === 0) return;
    const max = ctx.args.int('max-log-requests');
    if (options.follow && list.length > max) {
      throw new CliError(
        `you are attempting to follow ${list.length} log streams, but maximum allowed concurrency is ${max}, use --max-log-requests to increase the limit`,
      );
    }
    const out = byteStdio(ctx).stdout;
    const prefix = ctx.args.bool('prefix');
    const read = (streams: Parameters<Parameters<typeof withPodStreams>[1]>[0], source: LogSource): Promise<void> => {
      const tag = prefixer(`[pod/${source.pod.metadata?.name}/${source.container}] `, (d) => void out.write(d));
      return streams
        .logs(source.pod.metadata?.namespace ?? ctx.namespace, source.pod.metadata?.name ?? '', { ...options, container: source.container }, (d) =>
          prefix ? tag.push(d) : void out.write(d),
          ctx.io.signal,
        )
        .finally(() => tag.flush());
    };
    const ignoreErrors = ctx.args.bool('ignore-errors');
    await withPodStreams(ctx, async (streams) => {
      // Following several streams runs them at once; snapshots print one after the other.
      if (options.follow && list.length > 1) {
        await Promise.all(
          list.map((s) =>
            read(streams, s).catch((err: unknown) => {
              // With --ignore-errors a failed stream is reported among the logs and the others go on.
              if (!ignoreErrors) throw err;
              out.write(`error: ${(err as Error).message}\n`);
            }),
          ),
        );
      } else for (const s of list) await read(streams, s);
    });
  },
};
