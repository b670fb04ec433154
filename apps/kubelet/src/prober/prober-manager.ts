import type { corev1 } from '@minik8s/api';
import { realClock, type Clock } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { ContainerRuntime, ContainerStatus } from '../runtime/container-runtime';
import type { ProbeResults } from '../pod/pod-syncer';
import { probeHttp, probeTcp, resolvePort, type ProbeResult } from './probe';
import { probeGrpc } from './grpc-health';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** One probe attempt; `errored` when the probe could not be run at all (not a failed check). */
type Attempt = ProbeResult & { errored?: boolean };

const probeNames: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** The message of the Warning `Unhealthy` event for a failed attempt, worded as the kubelet's prober words it. */
export function unhealthyMessage(type: ProbeType, attempt: Attempt): string {
  const output = attempt.output.trim();
  return attempt.errored ? `${probeNames[type]} probe errored and resulted in unknown state: ${output}` : `${probeNames[type]} probe failed: ${output}`;
}

interface Worker {
  podUid: string;
  containerId: string;
  containerName: string;
  type: ProbeType;
  probe: corev1.Probe;
  container: corev1.Container;
  podIP: string;
  startedAt: number;
  result: boolean;
  successes: number;
  failures: number;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

export interface ProberOptions {
  logger?: Logger;
  clock?: Clock;
  /** A result changed: sync the pod. */
  onChange: (podUid: string, containerName: string, type: ProbeType, ok: boolean, output: string) => void;
  /**
   * An attempt failed or errored, whatever the thresholds make of it: the kubelet records an
   * `Unhealthy` event for every one (the recorder folds repeats into a count).
   */
  onUnhealthy?: (podUid: string, containerName: string, type: ProbeType, message: string) => void;
}

/**
 * Runs liveness, readiness and startup probes for running containers: exec in the container,
 * HTTP GET and TCP to the pod IP from the kubelet's own network namespace (the node reaches the
 * pod bridge). Results move only after successThreshold / failureThreshold results in a row.
 */
export class ProberManager implements ProbeResults {
  private readonly workers = new Map<string, Worker>();
  private readonly clock: Clock;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly options: ProberOptions,
  ) {
    this.clock = options.clock ?? realClock;
  }

  private key(containerId: string, type: ProbeType): string {
    return `${containerId}/${type}`;
  }

  update(pod: corev1.Pod, containers: readonly ContainerStatus[], podIP: string): void {
    const uid = pod.metadata?.uid ?? '';
    const specs = new Map((pod.spec?.containers ?? []).map((c) => [c.name ?? '', c]));
    const wanted = new Set<string>();
    for (const c of containers) {
      if (c.kind !== 'regular' || c.state !== 'running') continue;
      const spec = specs.get(c.name);
      if (!spec) continue;
      const probes: [ProbeType, corev1.Probe | undefined][] = [
        ['startup', spec.startupProbe],
        ['liveness', spec.livenessProbe],
        ['readiness', spec.readinessProbe],
      ];
      for (const [type, probe] of probes) {
        if (!probe) continue;
        const key = this.key(c.id, type);
        wanted.add(key);
        if (this.workers.has(key)) continue;
        const w: Worker = {
          podUid: uid,
          containerId: c.id,
          containerName: c.name,
          type,
          probe,
          container: spec,
          podIP,
          startedAt: c.startedAt || this.clock.now(),
          // Liveness passes until it fails; readiness and startup fail until they pass.
          result: type === 'liveness',
          successes: 0,
          failures: 0,
          stopped: false,
        };
        this.workers.set(key, w);
        const delay = Math.max(0, w.startedAt + (probe.initialDelaySeconds ?? 0) * 1000 - this.clock.now());
        this.schedule(w, delay);
      }
    }
    for (const [key, w] of this.workers) {
      if (w.podUid === uid && !wanted.has(key)) this.stopWorker(key, w);
    }
  }

  private stopWorker(key: string, w: Worker): void {
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    this.workers.delete(key);
  }

  private schedule(w: Worker, delayMs: number): void {
    w.timer = setTimeout(() => void this.tick(w), delayMs);
  }

  private startupDone(w: Worker): boolean {
    if (w.type === 'startup') return true;
    const s = this.workers.get(this.key(w.containerId, 'startup'));
    return !s || s.result;
  }

  private async tick(w: Worker): Promise<void> {
    if (w.stopped) return;
    const period = (w.probe.periodSeconds ?? 10) * 1000;
    if (!this.startupDone(w) || (w.type === 'startup' && w.result)) {
      this.schedule(w, period);
      return;
    }
    const result = await this.run(w);
    if (w.stopped) return;
    const successThreshold = w.probe.successThreshold ?? 1;
    const failureThreshold = w.probe.failureThreshold ?? 3;
    if (result.ok) {
      w.successes++;
      w.failures = 0;
    } else {
      w.failures++;
      w.successes = 0;
    }
    const before = w.result;
    if (result.ok && w.successes >= successThreshold) w.result = true;
    if (!result.ok && w.failures >= failureThreshold) w.result = false;
    if (before !== w.result || (!result.ok && w.type !== 'readiness')) {
      this.options.logger?.debug({ container: w.containerName, type: w.type, ok: result.ok, output: result.output.slice(0, 200) }, 'probe result');
    }
    if (!result.ok) this.options.onUnhealthy?.(w.podUid, w.containerName, w.type, unhealthyMessage(w.type, result));
    if (before !== w.result) this.options.onChange(w.podUid, w.containerName, w.type, w.result, result.output);
    // A container that failed liveness is being restarted: stop probing it.
    if (w.type === 'liveness' && !w.result) return;
    this.schedule(w, period);
  }

  private async run(w: Worker): Promise<Attempt> {
    const timeoutMs = (w.probe.timeoutSeconds ?? 1) * 1000;
    try {
      if (w.probe.exec) {
        const r = await this.runtime.exec(w.containerId, w.probe.exec.command ?? [], timeoutMs);
        return { ok: r.exitCode === 0, output: r.output };
      }
      if (w.probe.httpGet) {
        const port = resolvePort(w.probe.httpGet.port, w.container);
        return await probeHttp(w.probe.httpGet, w.podIP, port, timeoutMs);
      }
      if (w.probe.tcpSocket) {
        const port = resolvePort(w.probe.tcpSocket.port, w.container);
        return await probeTcp(w.probe.tcpSocket.host || w.podIP, port, timeoutMs);
      }
      if (w.probe.grpc) {
        return await probeGrpc(w.podIP, w.probe.grpc.port ?? 0, w.probe.grpc.service ?? '', timeoutMs);
      }
      return { ok: true, output: 'probe type not supported; treated as success' };
    } catch (err) {
      return { ok: false, output: (err as Error).message, errored: true };
    }
  }

  livenessFailed(podUid: string): Set<string> {
    const out = new Set<string>();
    for (const w of this.workers.values()) if (w.podUid === podUid && w.type === 'liveness' && !w.result) out.add(w.containerName);
    return out;
  }

  readiness(): ReadonlyMap<string, boolean> {
    const out = new Map<string, boolean>();
    for (const w of this.workers.values()) if (w.type === 'readiness') out.set(w.containerId, w.result);
    return out;
  }

  notStarted(): ReadonlySet<string> {
    const out = new Set<string>();
    for (const w of this.workers.values()) if (w.type === 'startup' && !w.result) out.add(w.containerId);
    return out;
  }

  forget(podUid: string): void {
    for (const [key, w] of this.workers) if (w.podUid === podUid) this.stopWorker(key, w);
  }

  stop(): void {
    for (const [key, w] of this.workers) this.stopWorker(key, w);
  }
}
