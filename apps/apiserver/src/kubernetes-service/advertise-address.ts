import { networkInterfaces } from 'node:os';

export class AdvertiseAddressError extends Error {
  override readonly name = 'AdvertiseAddressError';
}

type Interfaces = ReturnType<typeof networkInterfaces>;

function isUnspecified(ip: string): boolean {
  return ip === '' || ip === '0.0.0.0' || ip === '::';
}

/**
 * The address this apiserver is advertised on, as kube-apiserver picks it: --advertise-address,
 * else --bind-address unless that is unspecified, else the first non-internal IPv4 address of
 * the host. Undefined when that leaves only loopback: an endpoint there would send every node's
 * traffic to itself, so the `kubernetes` endpoints are not written then.
 */
export function resolveAdvertiseAddress(advertise: string, bind: string, interfaces: Interfaces = networkInterfaces()): string | undefined {
  if (advertise) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(advertise) || isUnspecified(advertise)) {
      throw new AdvertiseAddressError(`invalid argument "${advertise}" for "--advertise-address" flag: not an IPv4 address`);
    }
    return advertise;
  }
  const candidate = !isUnspecified(bind)
    ? bind
    : Object.values(interfaces)
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (!candidate || candidate.startsWith('127.') || !/^\d{1,3}(\.\d{1,3}){3}$/.test(candidate)) return undefined;
  return candidate;
}

/** Where this process reaches its own gRPC port (the loopback client). */
export function loopbackAddress(bind: string, port: number): string {
  return `${isUnspecified(bind) ? '127.0.0.1' : bind}:${port}`;
}
