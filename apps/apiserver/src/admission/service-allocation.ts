import { randomInt } from 'node:crypto';
import { FieldPath, invalid, newInvalid, formatFieldError, fieldErrorCauseType, type FieldError, type KindInfo, type corev1 } from '@minik8s/api';
import type { EtcdStore } from '@minik8s/storage';
import type { AdmissionPlugin, AdmissionRequest } from './admission';
import { Ipv4Range } from './ipv4-range';

export interface ServiceAllocationOptions {
  serviceClusterIpRange: string;
  /** Inclusive, e.g. [30000, 32767]. */
  nodePortRange: [number, number];
  etcdPrefix: string;
}

const SPEC = FieldPath.root('spec');

function needsNodePorts(svc: corev1.Service): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

function needsClusterIp(svc: corev1.Service): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

/**
 * Gives Services their ClusterIP and NodePorts. Each address and port is reserved by creating
 * its own etcd key, so apiservers sharing one etcd never hand out the same one twice.
 */
export class ServiceAllocation implements AdmissionPlugin {
  readonly name = 'ServiceAllocation';
  private readonly ips: Ipv4Range;
  private readonly staticBand: number;

  constructor(
    private readonly etcd: EtcdStore,
    private readonly options: ServiceAllocationOptions,
  ) {
    this.ips = Ipv4Range.parse(options.serviceClusterIpRange);
    // Like Kubernetes, random picks avoid the low band so well-known static IPs (10.96.0.10) stay free.
    this.staticBand = Math.min(Math.max(16, Math.floor(this.ips.size / 16)), 256);
  }

  private ipKey(ip: string): string {
    return `${this.options.etcdPrefix}/ranges/serviceips/${ip}`;
  }

  private portKey(port: number): string {
    return `${this.options.etcdPrefix}/ranges/servicenodeports/${port}`;
  }

  private isService(info: KindInfo): boolean {
    return info.group === '' && info.kind === 'Service';
  }

  private fail(svc: corev1.Service, errors: FieldError[]): never {
    throw newInvalid(
      { group: '', kind: 'Service' },
      svc.metadata?.name ?? '',
      errors.map((e) => ({ field: e.field, type: fieldErrorCauseType(e.type), text: formatFieldError(e) })),
    );
  }

  private owner(svc: corev1.Service): Buffer {
    return Buffer.from(`${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`);
  }

  async admit(request: AdmissionRequest): Promise<void> {
    if (!this.isService(request.info) || request.dryRun) return;
    const svc = request.obj as corev1.Service;
    const old = request.old as corev1.Service | undefined;
    if (request.operation === 'CREATE') {
      await this.allocateClusterIp(svc);
      await this.allocateNodePorts(svc, undefined);
    } else if (request.operation === 'UPDATE' && old) {
      if (!needsClusterIp(old) && needsClusterIp(svc) && !svc.spec?.clusterIP) await this.allocateClusterIp(svc);
      await this.allocateNodePorts(svc, old);
    }
  }

  async release(request: AdmissionRequest): Promise<void> {
    if (!this.isService(request.info) || request.dryRun) return;
    const svc = request.obj as corev1.Service;
    const ip = svc.spec?.clusterIP;
    if (ip && ip !== 'None') await this.free(this.ipKey(ip));
    for (const port of svc.spec?.ports ?? []) if (port.nodePort) await this.free(this.portKey(port.nodePort));
  }

  private async free(key: string): Promise<void> {
    const kv = await this.etcd.get(key);
    if (kv) await this.etcd.delete(key, kv.modRevision);
  }

  private async allocateClusterIp(svc: corev1.Service): Promise<void> {
    if (!needsClusterIp(svc)) return;
    const spec = (svc.spec ??= {});
    const requested = spec.clusterIP;
    if (requested) {
      if (this.ips.offsetOf(requested) === undefined) {
        this.fail(svc, [invalid(SPEC.child('clusterIPs').index(0), requested, `provided IP is not in the valid range. The range of valid IPs is ${this.ips.cidr}`)]);
      }
      const reserved = await this.etcd.create(this.ipKey(requested), this.owner(svc));
      if (!reserved.ok) this.fail(svc, [invalid(SPEC.child('clusterIPs').index(0), requested, 'provided IP is already allocated')]);
    } else {
      spec.clusterIP = await this.pickIp(svc);
    }
    spec.clusterIPs = [spec.clusterIP as string];
    spec.ipFamilies = spec.ipFamilies?.length ? spec.ipFamilies : ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }

  private async pickIp(svc: corev1.Service): Promise<string> {
    const low = this.staticBand;
    const high = this.ips.size - 1;
    for (let attempt = 0; attempt < 64; attempt++) {
      const ip = this.ips.at(randomInt(low, high));
      if ((await this.etcd.create(this.ipKey(ip), this.owner(svc))).ok) return ip;
    }
    // The random band is crowded: walk the whole range once before giving up.
    for (let offset = 1; offset < high; offset++) {
      const ip = this.ips.at(offset);
      if ((await this.etcd.create(this.ipKey(ip), this.owner(svc))).ok) return ip;
    }
    return this.fail(svc, [invalid(SPEC.child('clusterIPs'), '', `failed to allocate IP: range ${this.ips.cidr} is full`)]);
  }

  private async allocateNodePorts(svc: corev1.Service, old: corev1.Service | undefined): Promise<void> {
    const [min, max] = this.options.nodePortRange;
    const oldPorts = new Set((old?.spec?.ports ?? []).map((p) => p.nodePort).filter((p): p is number => !!p));
    const kept = new Set<number>();
    if (needsNodePorts(svc)) {
      const ports = svc.spec?.ports ?? [];
      for (let i = 0; i < ports.length; i++) {
        const port = ports[i];
        const path = SPEC.child('ports').index(i).child('nodePort');
        if (port.nodePort) {
          if (oldPorts.has(port.nodePort)) {
            kept.add(port.nodePort);
            continue;
          }
          if (port.nodePort < min || port.nodePort > max) {
            this.fail(svc, [invalid(path, port.nodePort, `provided port is not in the valid range. The range of valid ports is ${min}-${max}`)]);
          }
          if (!(await this.etcd.create(this.portKey(port.nodePort), this.owner(svc))).ok) {
            this.fail(svc, [invalid(path, port.nodePort, 'provided port is already allocated')]);
          }
          kept.add(port.nodePort);
          continue;
        }
        // A port that keeps its number and protocol keeps its node port, as in Kubernetes.
        const previous = old?.spec?.ports?.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'))?.nodePort;
        if (previous) {
          port.nodePort = previous;
          kept.add(previous);
          continue;
        }
        port.nodePort = await this.pickPort(svc, min, max);
        kept.add(port.nodePort);
      }
    }
    for (const port of oldPorts) if (!kept.has(port)) await this.free(this.portKey(port));
  }

  private async pickPort(svc: corev1.Service, min: number, max: number): Promise<number> {
    for (let attempt = 0; attempt < 64; attempt++) {
      const port = randomInt(min, max + 1);
      if ((await this.etcd.create(this.portKey(port), this.owner(svc))).ok) return port;
    }
    for (let port = min; port <= max; port++) {
      if ((await this.etcd.create(this.portKey(port), this.owner(svc))).ok) return port;
    }
    return this.fail(svc, [invalid(SPEC.child('ports'), '', `failed to allocate a node port: range ${min}-${max} is full`)]);
  }
}
