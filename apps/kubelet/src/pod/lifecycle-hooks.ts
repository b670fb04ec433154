import type { corev1 } from '@minik8s/api';
import type { ContainerRuntime } from '../runtime/container-runtime';
import { probeHttp, probeTcp, resolvePort } from '../prober/probe';

export type HookName = 'PostStart' | 'PreStop';

export interface HookContext {
  runtime: ContainerRuntime;
  pod: corev1.Pod;
  container: corev1.Container;
  containerId: string;
  /** Where httpGet and tcpSocket hooks connect when the handler names no host. */
  podIP: string;
  /** The hook is abandoned after this long (and counts as failed). */
  timeoutMs: number;
  /** Waits `ms` (the `sleep` action); injectable so tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

/** A hook that failed: `message` is the text of Kubernetes' FailedPostStartHook/FailedPreStopHook event. */
export interface HookFailure {
  message: string;
}

function podDesc(pod: corev1.Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

/** Go's `%v` of a string slice: `[sh -c exit 1]`. */
function goSlice(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

/**
 * Runs a postStart or preStop handler the way the kubelet's lifecycle handler runner does: exec
 * in the container (a non-zero exit fails), HTTP GET against the pod IP (a status outside 200-399
 * fails), a TCP connect, or a sleep. Resolves to undefined on success.
 */
export async function runLifecycleHook(handler: corev1.LifecycleHandler, ctx: HookContext): Promise<HookFailure | undefined> {
  const { pod, container } = ctx;
  const where = `for Container "${container.name}" in Pod "${podDesc(pod)}"`;
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    let output = '';
    let error: string;
    try {
      const r = await ctx.runtime.exec(ctx.containerId, command, ctx.timeoutMs);
      if (r.exitCode === 0) return undefined;
      output = r.output;
      // The output goes into `message`, as in the kubelet's event.
      error = `command '${command.join(' ')}' exited with ${r.exitCode}: `;
    } catch (err) {
      error = (err as Error).message;
    }
    return { message: `Exec lifecycle hook (${goSlice(command)}) ${where} failed - error: ${error}, message: ${JSON.stringify(output)}` };
  }
  if (handler.httpGet) {
    const path = handler.httpGet.path ?? '';
    try {
      const port = resolvePort(handler.httpGet.port, container);
      const r = await probeHttp(handler.httpGet, ctx.podIP, port, ctx.timeoutMs);
      if (r.ok) return undefined;
      return { message: `HTTP lifecycle hook (${path}) ${where} failed - error: ${r.output}` };
    } catch (err) {
      return { message: `HTTP lifecycle hook (${path}) ${where} failed - error: ${(err as Error).message}` };
    }
  }
  if (handler.tcpSocket) {
    try {
      const port = resolvePort(handler.tcpSocket.port, container);
      const r = await probeTcp(handler.tcpSocket.host || ctx.podIP, port, ctx.timeoutMs);
      if (r.ok) return undefined;
      return { message: `TCP lifecycle hook ${where} failed - error: ${r.output}` };
    } catch (err) {
      return { message: `TCP lifecycle hook ${where} failed - error: ${(err as Error).message}` };
    }
  }
  if (handler.sleep) {
    const ms = Math.min(Math.max(0, handler.sleep.seconds ?? 0) * 1000, ctx.timeoutMs);
    await (ctx.sleep ?? ((t: number) => new Promise<void>((resolve) => setTimeout(resolve, t))))(ms);
    return undefined;
  }
  return { message: `Invalid handler ${where}: no exec, httpGet, tcpSocket or sleep action` };
}

/**
 * The grace period left for the stop signal after a preStop hook that took `elapsedMs`: Kubernetes
 * subtracts the hook's time and keeps at least 2 seconds.
 */
export function graceAfterPreStop(gracePeriodSeconds: number, elapsedMs: number): number {
  const left = gracePeriodSeconds - Math.floor(elapsedMs / 1000);
  return Math.max(2, left);
}
