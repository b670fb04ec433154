// minictl port-forward: listen on local ports and carry each connection to a port of a pod
// through the apiserver's pods/portforward, until interrupted.

import { createServer, type Server } from 'node:net';
import type { corev1 } from '@minik8s/api';
import type { PodStreams } from '@minik8s/client';
import { UsageError, type FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { choosePod, objectArg, podRunningTimeout, podRunningTimeoutFlag } from './pod-choice';
import { mostActiveFirst } from './pod-order';
import { translateServicePort } from './service-ports';
import { withPodStreams } from './stream-target';

const FLAGS: FlagDef[] = [
  podRunningTimeoutFlag('1m0s'),
  { name: 'address', type: 'stringArray', default: ['localhost'], description: 'Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these addresses are available to bind.' },
];

const USAGE = `Forward one or more local ports to a pod.

 Use resource type/name such as deployment/mydeployment to select a pod. Resource type defaults to 'pod' if omitted.

 If there are multiple pods matching the criteria, a pod will be selected automatically. The forwarding session ends when the selected pod terminates, and a rerun of the command is needed to resume forwarding.

Examples:
  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in the pod
  minictl port-forward pod/mypod 5000 6000

  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in a pod selected by the deployment
  minictl port-forward deployment/mydeployment 5000 6000

  # Listen on port 8443 locally, forwarding to the targetPort of the service's port named "https" in a pod selected by the service
  minictl port-forward service/myservice 8443:https

  # Listen on port 8888 locally, forwarding to 5000 in the pod
  minictl port-forward pod/mypod 8888:5000

  # Listen on a random port locally, forwarding to 5000 in the pod
  minictl port-forward pod/mypod :5000

  # Listen on port 8888 on all addresses, forwarding to 5000 in the pod
  minictl port-forward --address 0.0.0.0 pod/mypod 8888:5000

Usage:
  minictl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]
`;

export interface PortMapping {
  /** 0: any free port. */
  local: number;
  remote: number;
}

function portNumber(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new CliError(`${what} ${text} must be a valid port number`);
  return n;
}

/** `8080`, `8888:80`, `:80` or `8080:http` (a named port of the pod's containers). */
export function parsePortMapping(spec: string, pod: corev1.Pod): PortMapping {
  const parts = spec.split(':');
  if (parts.length > 2) throw new CliError(`invalid port format '${spec}'`);
  const [localText, remoteText] = parts.length === 2 ? parts : [parts[0], parts[0]];
  let remote: number;
  if (/^\d+$/.test(remoteText)) remote = portNumber(remoteText, 'Remote port');
  else {
    const named = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).find((p) => p.name === remoteText);
    if (!named?.containerPort) throw new CliError(`Pod '${pod.metadata?.name}' does not have a named port '${remoteText}'`);
    remote = named.containerPort;
  }
  const local = localText === '' ? 0 : /^\d+$/.test(localText) ? portNumber(localText, 'Local port') : remote;
  return { local, remote };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Listens on every address for one mapping; resolves to the servers once all listen. */
async function forwardPort(ctx: CommandContext, streams: PodStreams, pod: corev1.Pod, mapping: PortMapping, addresses: string[]): Promise<Server[]> {
  const namespace = pod.metadata?.namespace ?? ctx.namespace;
  const name = pod.metadata?.name ?? '';
  const servers: Server[] = [];
  let local = mapping.local;
  for (const address of addresses) {
    const hosts = address === 'localhost' ? ['127.0.0.1', '::1'] : [address];
    for (const host of hosts) {
      const server = createServer((socket) => {
        // Interrupting ends the open connections too, so closing the servers does not wait on them.
        const drop = (): void => void socket.destroy();
        ctx.io.signal.addEventListener('abort', drop, { once: true });
        socket.once('close', () => ctx.io.signal.removeEventListener('abort', drop));
        ctx.out(`Handling connection for ${local}\n`);
        streams.forwardConnection(namespace, name, mapping.remote, socket).catch((err: unknown) => {
          ctx.err(`error: an error occurred forwarding ${local} -> ${mapping.remote}: ${(err as Error).message}\n`);
        });
      });
      try {
        local = await listen(server, host, local);
      } catch (err) {
        // localhost means either loopback; a machine without IPv6 has only the first.
        if (address === 'localhost' && host === '::1') continue;
        throw new CliError(`unable to listen on port ${local}: ${(err as Error).message}`);
      }
      servers.push(server);
      ctx.out(`Forwarding from ${host.includes(':') ? `[${host}]` : host}:${local} -> ${mapping.remote}\n`);
    }
  }
  return servers;
}

export const portForwardCommand: Command = {
  name: 'port-forward',
  summary: 'Forward one or more local ports to a pod',
  usage: USAGE,
  flags: FLAGS,
  async run(ctx) {
    const [target, ...specs] = ctx.args.positionals;
    if (!target || specs.length === 0) throw new UsageError('TYPE/NAME and list of ports are required for port-forward');
    const timeoutMs = podRunningTimeout(ctx, true);
    const { info, name } = objectArg(ctx, [target]);
    const pod = await choosePod(ctx, info, name, { order: mostActiveFirst, timeoutMs, waitForStart: true });
    if (pod.status?.phase !== 'Running') throw new CliError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Unknown'}`);
    // A Service's ports are its own: each leads to its targetPort on the pod.
    const svc = info.group === '' && info.kind === 'Service' ? ((await ctx.client().get(info, ctx.namespace, name)) as corev1.Service) : undefined;
    const mappings = specs.map((s) => parsePortMapping(svc ? translateServicePort(s, svc, pod) : s, pod));
    const addresses = ctx.args.strings('address').flatMap((a) => a.split(',')).filter(Boolean);
    await withPodStreams(ctx, async (streams) => {
      const servers: Server[] = [];
      try {
        for (const m of mappings) servers.push(...(await forwardPort(ctx, streams, pod, m, addresses)));
        if (!ctx.io.signal.aborted) await new Promise<void>((resolve) => ctx.io.signal.addEventListener('abort', () => resolve(), { once: true }));
      } finally {
        await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      }
    });
  },
};
