import type Docker from 'dockerode';

/** Docker's option naming a bridge network's interface; without it the bridge is `br-<id[:12]>`. */
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/**
 * The Linux bridge behind the Docker network pods join, or undefined while that network does
 * not exist yet (the kubelet makes it once the node has a podCIDR).
 */
export async function dockerBridgeName(docker: Docker, networkName: string): Promise<string | undefined> {
  let info: { Id?: string; Driver?: string; Options?: Record<string, string> };
  try {
    info = (await docker.getNetwork(networkName).inspect()) as typeof info;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  if (info.Driver !== 'bridge' || !info.Id) return undefined;
  return info.Options?.[BRIDGE_NAME_OPTION] || `br-${info.Id.slice(0, 12)}`;
}
