// minictl cluster-info: where the control plane is, and where the cluster services (the Services in
// kube-system labelled kubernetes.io/cluster-service=true) are reached through its proxy.

import type { corev1 } from '@minik8s/api';
import { UsageError } from '../args';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';

const CLUSTER_SERVICE_SELECTOR = 'kubernetes.io/cluster-service=true';

/** kubectl's utilnet.JoinSchemeNamePort: `name`, `name:port` or `scheme:name:port`, as the proxy path takes it. */
function joinSchemeNamePort(scheme: string, name: string, port: string): string {
  if (scheme) return `${scheme}:${name}:${port}`;
  if (port) return `${name}:${port}`;
  return name;
}

/**
 * Where a cluster service is reached, as kubectl prints it: its load balancer's address for each
 * port when it has one, else the apiserver's proxy path to its first port (https guessed from the
 * port's name or number).
 */
export function serviceLink(server: string, service: corev1.Service): string {
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  const ports = service.spec?.ports ?? [];
  if (ingress) {
    const host = ingress.ip || ingress.hostname || '';
    // kubectl leaves a space after each address, the last one included.
    return ports.map((p) => `http://${host}:${p.port ?? 0} `).join('');
  }
  const meta = service.metadata ?? {};
  let name = meta.name ?? '';
  const first = ports[0];
  if (first) name = joinSchemeNamePort(first.name === 'https' || first.port === 443 ? 'https' : '', name, first.name ?? '');
  return `${server}/api/v1/namespaces/${meta.namespace ?? ''}/services/${name}/proxy`;
}

/** The name a cluster service is shown by: its kubernetes.io/name label (`CoreDNS`), else its name. */
export function serviceTitle(service: corev1.Service): string {
  return service.metadata?.labels?.['kubernetes.io/name'] || service.metadata?.name || '';
}

/** `NAME is running at LINK`, the name green and the link yellow when stdout is a terminal. */
export function runningLine(name: string, link: string, colour: boolean): string {
  if (!colour) return `${name} is running at ${link}\n`;
  return `\x1b[0;32m${name}\x1b[0m is running at \x1b[0;33m${link}\x1b[0m\n`;
}

const DUMP_HINT = "\nTo further debug and diagnose cluster problems, use 'minictl cluster-info dump'.\n";

async function run(ctx: CommandContext): Promise<void> {
  if (ctx.args.positionals.length > 0) throw new UsageError(`unknown command "${ctx.args.positionals[0]}" for "minictl cluster-info"`);
  // kubectl looks in kube-system unless -n names another namespace (not the context's default).
  const namespace = ctx.args.string('namespace') || 'kube-system';
  const info = ctx.scheme.forKind('v1', 'Service');
  if (!info) throw new CliError('the server doesn\'t have a resource type "services"');
  const colour = ctx.io.stdio?.stdout.isTTY === true;
  try {
    const { items } = await ctx.client().list(info, namespace, { labelSelector: CLUSTER_SERVICE_SELECTOR });
    const server = ctx.connection().server;
    let text = runningLine('Kubernetes control plane', server, colour);
    for (const service of items as corev1.Service[]) text += runningLine(serviceTitle(service), serviceLink(server, service), colour);
    ctx.out(text);
  } finally {
    // kubectl prints the pointer to `dump` even when listing failed, before the error.
    ctx.out(DUMP_HINT);
  }
}

const dumpCommand: Command = {
  name: 'dump',
  summary: 'Dump relevant information for debugging and diagnosis (not supported by minictl)',
  usage: `Dump cluster information out suitable for debugging and diagnosing cluster problems. minictl does not implement it; use "minictl get", "minictl describe", "minictl events -A" and "minictl logs" instead.

Usage:
  minictl cluster-info dump [options]
`,
  flags: [],
  run: async () => {
    throw new CliError('cluster-info dump is not supported by minictl; use "minictl get", "minictl describe", "minictl events -A" and "minictl logs" instead');
  },
};

export const clusterInfoCommand: Command = {
  name: 'cluster-info',
  summary: 'Display cluster information',
  usage: `Display addresses of the control plane and services with label kubernetes.io/cluster-service=true.

Examples:
  # Print the address of the control plane and cluster services
  minictl cluster-info

Usage:
  minictl cluster-info [flags] [options]
`,
  flags: [],
  subcommands: [dumpCommand],
  run,
};
