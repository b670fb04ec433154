// minictl rollout status: follow a rollout until it is done, printing each new state; fails when
// the Deployment exceeds its progress deadline, or when --timeout passes first.

import { isGone, type ApiObject } from '@minik8s/api';
import type { WatchStream } from '@minik8s/client';
import type { Command, CommandContext } from '../../context';
import { parseDurationArg } from '../../duration';
import { CliError } from '../../errors';
import { groupKind } from '../../workloads';
import { resolveTargets, type Target } from '../../targets';
import { RESOURCE_FLAGS } from './common';
import { statusViewerFor, type StatusViewer } from './status-viewers';

/** Prints a state when it differs from the one printed before; says whether the rollout is done. */
class StatusPrinter {
  private last = '';

  constructor(
    private readonly ctx: CommandContext,
    private readonly viewer: StatusViewer,
    private readonly revision: number,
  ) {}

  show(obj: ApiObject): boolean {
    const { message, done } = this.viewer(obj, this.revision);
    if (message !== this.last) this.ctx.out(message);
    this.last = message;
    return done;
  }
}

/**
 * Lists the object, then watches it from that revision until the printer says done. A watch the
 * server ends is resumed with a fresh list; the deadline or Ctrl-C closes it.
 */
async function follow(ctx: CommandContext, target: Target, printer: StatusPrinter, timeoutMs: number): Promise<void> {
  const client = ctx.client();
  const fieldSelector = `metadata.name=${target.name}`;
  let stream: WatchStream<ApiObject> | undefined;
  let timedOut = false;
  const stop = (): void => stream?.close();
  const timer = timeoutMs > 0
    ? setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs)
    : undefined;
  ctx.io.signal.addEventListener('abort', stop, { once: true });
  try {
    while (!timedOut && !ctx.io.signal.aborted) {
      const list = await client.list(target.info, target.namespace, { fieldSelector });
      const [obj] = list.items;
      if (!obj) {
        await client.get(target.info, target.namespace, target.name); // the server's NotFound
        throw new CliError('object has been deleted');
      }
      if (printer.show(obj)) return;
      if (timedOut || ctx.io.signal.aborted) break;
      stream = client.watch(target.info, target.namespace, { fieldSelector, resourceVersion: list.resourceVersion });
      try {
        for await (const event of stream) {
          if (event.type === 'BOOKMARK') continue;
          // Following a re-created object would be following something else.
          if (event.type === 'DELETED') throw new CliError('object has been deleted');
          if (printer.show(event.object)) return;
        }
      } catch (err) {
        if (!isGone(err)) throw err;
      } finally {
        stream.close();
      }
    }
    if (timedOut) throw new CliError('timed out waiting for the condition');
  } finally {
    if (timer) clearTimeout(timer);
    ctx.io.signal.removeEventListener('abort', stop);
  }
}

async function run(ctx: CommandContext): Promise<void> {
  const revision = ctx.args.int('revision');
  if (revision < 0) throw new CliError(`revision must be a positive integer: ${revision}`);
  const timeoutMs = parseDurationArg(ctx.args.string('timeout'), 'timeout');
  const targets = await resolveTargets(ctx, ctx.args.positionals, 'rollout status');
  if (targets.length !== 1) {
    if (ctx.exitCode !== 0) return;
    throw new CliError(`rollout status is only supported on individual resources and resource collections, but ${targets.length} resources were found`);
  }
  const [target] = targets;
  const viewer = statusViewerFor(target.info);
  if (!viewer) throw new CliError(`no status viewer has been implemented for ${groupKind(target.info)}`);
  const printer = new StatusPrinter(ctx, viewer, revision);
  if (!ctx.args.bool('watch')) {
    printer.show(await ctx.client().get(target.info, target.namespace, target.name));
    return;
  }
  await follow(ctx, target, printer, timeoutMs);
}

export const rolloutStatusCommand: Command = {
  name: 'status',
  summary: 'Show the status of the rollout',
  usage: `Show the status of the rollout.

By default 'rollout status' will watch the status of the latest rollout until it's done. If you don't want to wait
for the rollout to finish then you can use --watch=false. Note that if a new rollout starts in-between, then
'rollout status' will continue watching the latest revision. If you want to pin to a specific revision and abort
if it is rolled over by another revision, use --revision=N where N is the revision you need to watch for.

Examples:
  # Watch the rollout status of a deployment
  minictl rollout status deployment/nginx

Usage:
  minictl rollout status (TYPE NAME | TYPE/NAME) [flags] [options]
`,
  flags: [
    { name: 'watch', short: 'w', type: 'bool', default: true, description: 'Watch the status of the rollout until it\'s done.' },
    { name: 'revision', type: 'int', default: 0, description: 'Pin to a specific revision for showing its status. Defaults to 0 (last revision).' },
    { name: 'timeout', type: 'string', default: '0s', description: 'The length of time to wait before ending watch, zero means never. Any other values should contain a corresponding time unit (e.g. 1s, 2m, 3h).' },
    ...RESOURCE_FLAGS,
  ],
  run,
};
