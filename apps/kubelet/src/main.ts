import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createLogger } from '@minik8s/logging';
import { FlagError, parseFlags } from '@minik8s/flags';
import { Kubelet } from './kubelet';
import { execRunner } from '@minik8s/exec';
import { NodeNetwork, cleanupNodeNetwork } from './network/node-network';
import { BridgeHairpin } from './network/bridge-hairpin';
import { HAIRPIN_MODES, isHairpinMode } from './network/hairpin';
import { ipMonitorLinks } from './network/link-monitor';
import { dockerBridgeName } from './network/pod-bridge';
import { DockerRuntime } from './runtime/docker-runtime';
import { FLAGS, parseCidr, parseContainerLogLimits, parseNodeLabels, parseTaints } from './options';

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags('minik8s kubelet', 'The minik8s kubelet: registers its node and runs the pods bound to it on Docker.', FLAGS, argv);
  if (!flags) return;
  const logger = createLogger({
    component: 'kubelet',
    level: flags.logLevel || undefined,
    verbosity: flags.v,
    format: flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined,
  });
  if (flags.cleanupNetwork) {
    const removed = await cleanupNodeNetwork(execRunner());
    logger.info(removed, 'removed the pod network\'s routes and rules');
    return;
  }
  if (flags.networkPlugin !== 'host-gw' && flags.networkPlugin !== 'none') {
    throw new FlagError(`invalid argument "${flags.networkPlugin}" for "--network-plugin" flag: must be host-gw or none`);
  }
  if (!isHairpinMode(flags.hairpinMode)) {
    throw new FlagError(`invalid argument "${flags.hairpinMode}" for "--hairpin-mode" flag: must be ${HAIRPIN_MODES.slice(0, -1).join(', ')} or ${HAIRPIN_MODES[HAIRPIN_MODES.length - 1]}`);
  }
  const clusterCIDR = parseCidr(flags.clusterCidr, 'cluster-cidr');
  const nodeName = (flags.nodeName || hostname()).toLowerCase();
  if (!Number.isInteger(flags.maxParallelContainerStarts) || flags.maxParallelContainerStarts < 0) {
    throw new FlagError(`invalid argument "${flags.maxParallelContainerStarts}" for "--max-parallel-container-starts" flag: must be a whole number, 0 for twice the CPUs`);
  }
  const containerLogs = parseContainerLogLimits(flags.containerLogMaxSize, flags.containerLogMaxFiles);
  if (!flags.nodeIp) throw new FlagError('--node-ip is required: the IP address pods and other nodes reach this node on');
  const kubelet = await Kubelet.start({
    server: flags.server,
    nodeName,
    nodeIP: flags.nodeIp,
    hostname: flags.hostnameOverride || nodeName,
    podCIDR: flags.podCidr ? parseCidr(flags.podCidr, 'pod-cidr') : undefined,
    rootDir: resolve(flags.rootDir),
    dockerHost: flags.dockerHost,
    podInfraImage: flags.podInfraImage,
    podNetworkName: flags.podNetworkName || undefined,
    maxPods: flags.maxPods,
    maxParallelContainerStarts: flags.maxParallelContainerStarts,
    containerLogMaxSize: containerLogs.maxSizeBytes,
    containerLogMaxFiles: containerLogs.maxFiles,
    nodeLabels: parseNodeLabels(flags.nodeLabels),
    taints: parseTaints(flags.registerWithTaints),
    kubeletPort: flags.port,
    address: flags.address,
    podManifestPath: flags.podManifestPath ? resolve(flags.podManifestPath) : undefined,
    staticPodIntervalMs: flags.fileCheckFrequency * 1000,
    clusterDNS: flags.clusterDns,
    clusterDomain: flags.clusterDomain,
    resolvConf: flags.resolvConf,
    nodeStatusUpdateIntervalMs: flags.nodeStatusUpdateFrequency * 1000,
    resyncIntervalMs: flags.syncFrequency * 1000,
    logger,
  });
  const network =
    flags.networkPlugin === 'host-gw'
      ? new NodeNetwork({ client: kubelet.client, nodeName, clusterCIDR, iface: flags.podNetworkInterface, run: execRunner(), logger })
      : undefined;
  await network?.start();
  // The pod bridge is the runtime's Docker network whatever the network plugin.
  const runtime = kubelet.runtime;
  const hairpin =
    runtime instanceof DockerRuntime
      ? new BridgeHairpin({
          mode: flags.hairpinMode,
          resolveBridge: () => dockerBridgeName(runtime.docker, runtime.networkName),
          run: execRunner(),
          watchLinks: ipMonitorLinks(logger),
          logger,
        })
      : undefined;
  hairpin?.start();
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    // Routes and rules stay, as the pods' network does: a restarted kubelet takes them over.
    void Promise.all([kubelet.stop(), network?.stop(), hairpin?.stop()]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof FlagError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
