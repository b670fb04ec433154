// minictl expose (-f FILE | TYPE NAME): a Service for a pod, service, replication controller,
// deployment or replica set, with the selector, ports, protocols and labels taken from the object
// where no flag gives them (kubectl's expose and its polymorphic helpers).

import type { ApiObject, appsv1, corev1, IntOrString, KindInfo } from '@minik8s/api';
import type { Command, CommandContext } from '../context';
import { dryRunOf, dryRunSuffix, DRY_RUN_FLAG } from '../dry-run';
import { CliError } from '../errors';
import { readManifests } from '../manifests';
import { parseResourceArgs, resolveKind } from '../resources';
import { groupKind } from '../workloads';
import { sendGenerated } from './create-generated';
import { FILENAME_FLAG, OUTPUT_FLAG, RECURSIVE_FLAG } from './get';
import { ResultPrinter } from './manifest-command';

/** What kubectl's resource builder says when neither arguments nor -f name anything. */
export const MISSING_RESOURCE = `You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'`;

/** validation.DNS1035LabelMaxLength: a longer object name is cut to this for the Service. */
const MAX_NAME_LENGTH = 63;

/** Go's strconv.Atoi, with its error text. */
export function atoi(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new CliError(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new CliError(`strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`);
  return value;
}

/** intstr.Parse: a number when the text is one, else a name. */
export function parseIntOrString(text: string): IntOrString {
  return /^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? { type: 0, intVal: Number(text) } : { type: 1, strVal: text };
}

/** `k1=v1,k2=v2` into a map, as kubectl's generators parse --labels and --selector. */
export function parseLabels(spec: string): Record<string, string> {
  if (spec.length === 0) throw new CliError('no label spec passed');
  const labels: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const kv = part.split('=');
    if (kv.length !== 2) throw new CliError(`unexpected label spec: ${part}`);
    if (kv[0].length === 0) throw new CliError('unexpected empty label key');
    labels[kv[0]] = kv[1];
  }
  return labels;
}

/** The inverse of parseLabels (polymorphichelpers.MakeLabels). */
export function makeLabels(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** What `createService` needs: the flags of expose, plus what was introspected from the object. */
export interface ServiceParams {
  /** --name; `defaultName` when empty. */
  name?: string;
  defaultName?: string;
  /** `k=v,...`; required. */
  selector: string;
  /** `k=v,...`; none when empty. */
  labels?: string;
  /** One port (--port, or the object's only one). */
  port?: string;
  /** Several ports (the object's, when --port is not given): each gets a name `port-N`. */
  ports?: string[];
  /** --protocol: overrides the object's protocols. */
  protocol?: string;
  /** The object's protocols by port number (several for a port served over TCP and UDP). */
  protocols?: Map<string, string[]>;
  targetPort?: string;
  type?: string;
  externalIP?: string;
  loadBalancerIP?: string;
  sessionAffinity?: string;
  clusterIP?: string;
}

/** The Service kubectl's expose (and `run --expose`) generates. */
export function buildService(params: ServiceParams): corev1.Service {
  if (!params.selector) throw new CliError('selector must be specified');
  const selector = parseLabels(params.selector);
  const labels = params.labels ? parseLabels(params.labels) : undefined;
  const name = params.name || params.defaultName;
  if (!name) throw new CliError('name must be specified');
  const portStrings = params.ports && params.ports.length > 0 ? params.ports : params.port ? [params.port] : [];
  const protocolsByPort = params.protocols ?? new Map<string, string[]>();
  const ports: corev1.ServicePort[] = [];
  portStrings.forEach((portString, i) => {
    const port = atoi(portString);
    // Several ports need a name each; one keeps none.
    const portName = portStrings.length > 1 ? `port-${i + 1}` : '';
    let protocol = params.protocol ?? '';
    if (!protocol) {
      protocol = 'TCP';
      const fromObject = protocolsByPort.get(portString) ?? [];
      if (fromObject.length === 1) protocol = fromObject[0];
      else if (fromObject.length > 1) {
        // One Service port per protocol of a port served over several.
        for (const p of fromObject) ports.push({ name: `port-${i + 1}-${p.toLowerCase()}`, port, protocol: p });
        return;
      }
    }
    ports.push({ ...(portName ? { name: portName } : {}), port, protocol });
  });
  for (const p of ports) p.targetPort = params.targetPort ? parseIntOrString(params.targetPort) : { type: 0, intVal: p.port };
  const spec: corev1.ServiceSpec = { ports, selector };
  if (params.externalIP) spec.externalIPs = [params.externalIP];
  if (params.type) spec.type = params.type;
  if (spec.type === 'LoadBalancer' && params.loadBalancerIP) spec.loadBalancerIP = params.loadBalancerIP;
  if (params.sessionAffinity) {
    if (params.sessionAffinity !== 'None' && params.sessionAffinity !== 'ClientIP') {
      throw new CliError(`unknown session affinity: ${params.sessionAffinity}`);
    }
    spec.sessionAffinity = params.sessionAffinity;
  }
  if (params.clusterIP) spec.clusterIP = params.clusterIP;
  return {
    metadata: { name, ...(labels ? { labels } : {}) },
    spec,
    status: { loadBalancer: {} },
  };
}

type Templated = ApiObject & { spec?: { template?: corev1.PodTemplateSpec } };

function kindKey(info: KindInfo): string {
  return `${info.group}/${info.kind}`;
}

/** polymorphichelpers.CanBeExposed. */
export function checkCanBeExposed(info: KindInfo): void {
  if (!['/ReplicationController', '/Service', '/Pod', 'apps/Deployment', 'apps/ReplicaSet'].includes(kindKey(info))) {
    throw new CliError(`cannot expose a ${groupKind(info)}`);
  }
}

/** Go's `%+v` of a selector's matchExpressions. */
function goExpressions(expressions: readonly { key?: string; operator?: string; values?: string[] }[]): string {
  return `[${expressions.map((e) => `{Key:${e.key ?? ''} Operator:${e.operator ?? ''} Values:[${(e.values ?? []).join(' ')}]}`).join(' ')}]`;
}

/** polymorphichelpers.MapBasedSelectorForObject: the pods the object stands for, as `k=v,...`. */
export function selectorForObject(info: KindInfo, obj: ApiObject): string {
  switch (kindKey(info)) {
    case '/ReplicationController':
      return makeLabels((obj as corev1.ReplicationController).spec?.selector);
    case '/Pod': {
      const labels = obj.metadata?.labels ?? {};
      if (Object.keys(labels).length === 0) throw new CliError('the pod has no labels and cannot be exposed');
      return makeLabels(labels);
    }
    case '/Service': {
      const selector = (obj as corev1.Service).spec?.selector;
      if (!selector || Object.keys(selector).length === 0) throw new CliError('the service has no pod selector set');
      return makeLabels(selector);
    }
    case 'apps/Deployment':
    case 'apps/ReplicaSet': {
      const selector = (obj as appsv1.Deployment | appsv1.ReplicaSet).spec?.selector;
      const expressions = selector?.matchExpressions ?? [];
      if (!selector || expressions.length > 0) {
        throw new CliError(`couldn't convert expressions - "${goExpressions(expressions)}" to map-based selector format`);
      }
      return makeLabels(selector.matchLabels);
    }
    default:
      throw new CliError(`cannot extract pod selector from *${info.version}.${info.kind}`);
  }
}

/** The ports of the object's containers (or a Service's own), each with its protocol (TCP when unset). */
function objectPorts(info: KindInfo, obj: ApiObject): { port: number; protocol: string }[] {
  const key = kindKey(info);
  if (key === '/Service') {
    return ((obj as corev1.Service).spec?.ports ?? []).map((p) => ({ port: p.port ?? 0, protocol: p.protocol || 'TCP' }));
  }
  const spec = key === '/Pod' ? (obj as corev1.Pod).spec : (obj as Templated).spec?.template?.spec;
  return (spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort ?? 0, protocol: p.protocol || 'TCP' })));
}

/**
 * polymorphichelpers.PortsForObject: the port numbers, in order. A number listed twice (one port
 * over TCP and UDP) is kept once; its protocols come from protocolsForObject.
 */
export function portsForObject(info: KindInfo, obj: ApiObject): string[] {
  return [...new Set(objectPorts(info, obj).map((p) => String(p.port)))];
}

/** polymorphichelpers.MultiProtocolsForObject: the protocols of each port number. */
export function protocolsForObject(info: KindInfo, obj: ApiObject): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const { port, protocol } of objectPorts(info, obj)) {
    const list = result.get(String(port)) ?? [];
    if (!list.includes(protocol)) list.push(protocol);
    result.set(String(port), list);
  }
  return result;
}

/** The flags of expose that shape the Service. */
export interface ExposeFlags {
  name?: string;
  selector?: string;
  port?: string;
  protocol?: string;
  targetPort?: string;
  type?: string;
  labels?: string;
  externalIP?: string;
  loadBalancerIP?: string;
  sessionAffinity?: string;
  clusterIP?: string;
}

/** The Service `expose` makes for `obj`: what the flags leave out comes from the object. */
export function serviceForObject(info: KindInfo, obj: ApiObject, flags: ExposeFlags): corev1.Service {
  checkCanBeExposed(info);
  const params: ServiceParams = {
    ...flags,
    defaultName: (obj.metadata?.name ?? '').slice(0, MAX_NAME_LENGTH),
    selector: flags.selector ?? '',
  };
  if (!params.selector) {
    try {
      params.selector = selectorForObject(info, obj);
    } catch (err) {
      throw new CliError(`couldn't retrieve selectors via --selector flag or introspection: ${(err as Error).message}`);
    }
  }
  const headless = flags.clusterIP === 'None';
  if (!flags.port) {
    const ports = portsForObject(info, obj);
    if (ports.length === 0 && !headless) throw new CliError("couldn't find port via --port flag or introspection");
    if (ports.length === 1) params.port = ports[0];
    else if (ports.length > 1) params.ports = ports;
  }
  params.protocols = protocolsForObject(info, obj);
  if (!flags.labels) params.labels = makeLabels(obj.metadata?.labels);
  return buildService(params);
}

function exposeFlags(ctx: CommandContext): ExposeFlags {
  const s = (name: string): string => ctx.args.string(name);
  return {
    name: s('name'),
    selector: s('selector'),
    port: s('port'),
    protocol: s('protocol'),
    targetPort: s('target-port'),
    type: s('type'),
    labels: s('labels'),
    externalIP: s('external-ip'),
    loadBalancerIP: s('load-balancer-ip'),
    sessionAffinity: s('session-affinity'),
    clusterIP: s('cluster-ip'),
  };
}

interface Source {
  info: KindInfo;
  /** The object from -f; fetched from the server when absent. */
  obj?: ApiObject;
  name: string;
}

async function sources(ctx: CommandContext): Promise<Source[]> {
  const args = ctx.args.positionals;
  const filenames = ctx.args.strings('filename');
  if (filenames.length > 0) {
    if (args.length > 0) throw new CliError('resource(s) were provided, but also -f; use one or the other');
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
    errors.forEach((e) => ctx.fail(e));
    // As kubectl, the object is taken from the file as it is, not read back from the server.
    return manifests.map((m) => ({ info: m.info, obj: m.obj, name: m.obj.metadata?.name ?? '' }));
  }
  if (args.length === 0) throw new CliError(MISSING_RESOURCE);
  const result: Source[] = [];
  for (const { info, names } of parseResourceArgs(ctx.scheme, args, 'expose')) {
    if (names.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
    result.push(...names.map((name) => ({ info, name })));
  }
  return result;
}

async function run(ctx: CommandContext): Promise<void> {
  const dryRun = dryRunOf(ctx);
  const flags = exposeFlags(ctx);
  const printer = new ResultPrinter(ctx);
  const serviceInfo = resolveKind(ctx.scheme, 'services');
  for (const source of await sources(ctx)) {
    try {
      const obj = source.obj ?? (await ctx.client().get(source.info, source.info.namespaced ? ctx.namespace : undefined, source.name));
      const service = serviceForObject(source.info, obj, flags);
      printer.done(serviceInfo, await sendGenerated(ctx, serviceInfo, service, dryRun), `exposed${dryRunSuffix(dryRun)}`);
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const exposeCommand: Command = {
  name: 'expose',
  summary: 'Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service',
  usage: `Expose a resource as a new Kubernetes service.

Looks up a deployment, service, replica set, replication controller or pod by name and uses the selector
for that resource as the selector for a new service on the specified port. A deployment or replica set
will be exposed as a service only if its selector is convertible to a selector that service supports,
i.e. when the selector contains only the matchLabels component. Note that if no port is specified via
--port and the exposed resource has multiple ports, all will be re-used by the new service. Also if no
labels are specified, the new service will re-use the labels from the resource it exposes.

Possible resources include (case insensitive):

pod (po), service (svc), replicationcontroller (rc), deployment (deploy), replicaset (rs)

Examples:
  # Create a service for a replicated nginx, which serves on port 80 and connects to the containers on port 8000
  minictl expose rc nginx --port=80 --target-port=8000

  # Create a service for a replication controller identified by type and name specified in "nginx-controller.yaml", which serves on port 80 and connects to the containers on port 8000
  minictl expose -f nginx-controller.yaml --port=80 --target-port=8000

  # Create a service for a pod valid-pod, which serves on port 444 with the name "frontend"
  minictl expose pod valid-pod --port=444 --name=frontend

  # Create a second service based on the above service, exposing the container port 8443 as port 443 with the name "nginx-https"
  minictl expose service nginx --port=443 --target-port=8443 --name=nginx-https

  # Create a service for a replicated streaming application on port 4100 balancing UDP traffic and named 'video-stream'.
  minictl expose rc streamer --port=4100 --protocol=UDP --name=video-stream

  # Create a service for a replicated nginx using replica set, which serves on port 80 and connects to the containers on port 8000
  minictl expose rs nginx --port=80 --target-port=8000

  # Create a service for an nginx deployment, which serves on port 80 and connects to the containers on port 8000
  minictl expose deployment nginx --port=80 --target-port=8000

Usage:
  minictl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type] [options]
`,
  flags: [
    { name: 'protocol', type: 'string', description: "The network protocol for the service to be created. Default is 'TCP'." },
    { name: 'port', type: 'string', description: 'The port that the service should serve on. Copied from the resource being exposed, if unspecified' },
    { name: 'type', type: 'string', description: "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'." },
    { name: 'load-balancer-ip', type: 'string', description: 'IP to assign to the LoadBalancer. If empty, an ephemeral IP will be created and used (cloud-provider specific).' },
    {
      name: 'selector',
      type: 'string',
      description: 'A label selector to use for this service. Only equality-based selector requirements are supported. If empty (the default) infer the selector from the replication controller or replica set.)',
    },
    { name: 'labels', short: 'l', type: 'string', description: 'Labels to apply to the service created by this call.' },
    { name: 'target-port', type: 'string', description: 'Name or number for the port on the container that the service should direct traffic to. Optional.' },
    {
      name: 'external-ip',
      type: 'string',
      description: 'Additional external IP address (not managed by Kubernetes) to accept for the service. If this IP is routed to a node, the service can be accessed by this IP in addition to its generated service IP.',
    },
    { name: 'name', type: 'string', description: 'The name for the newly created object.' },
    { name: 'session-affinity', type: 'string', description: "If non-empty, set the session affinity for the service to this; legal values: 'None', 'ClientIP'" },
    { name: 'cluster-ip', type: 'string', description: "ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' to create a headless service." },
    { ...FILENAME_FLAG, description: 'Filename, directory, or - for standard input, identifying the resource to expose a service.' },
    RECURSIVE_FLAG,
    { name: 'save-config', type: 'bool', description: 'If true, the configuration of current object will be saved in its annotation, so later `minictl apply` calls see it.' },
    OUTPUT_FLAG,
    DRY_RUN_FLAG,
  ],
  run,
};
