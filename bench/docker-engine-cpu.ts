import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** CPU seconds by process ID, children that were reaped included. */
export type EngineCpuSnapshot = Map<number, number>;

const TICKS_PER_SECOND = 100; // USER_HZ

function statOf(pid: number): { comm: string; ppid: number; cpu: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: the engine's short-lived helpers (runc, the shim's start
    // command, the re-exec'd dockerd that sets up a container's DNS rules) count once reaped.
    const cpu = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
    return { comm, ppid: Number(f[1]), cpu };
  } catch {
    return undefined;
  }
}

function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

function enginePid(): number | undefined {
  try {
    const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The host Docker engine's processes: dockerd (from /var/run/docker.pid), containerd and every
 * containerd-shim, in dockerd's PID namespace only — a Docker-in-Docker node's engine on the same
 * machine runs the same programs in a namespace of its own. Empty when there is no local engine.
 */
export function engineCpuSnapshot(): EngineCpuSnapshot {
  const out: EngineCpuSnapshot = new Map();
  const dockerd = enginePid();
  if (dockerd === undefined) return out;
  const ns = pidNamespace(dockerd);
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = statOf(pid);
    if (!s) continue;
    const engine = pid === dockerd || (s.comm === 'containerd' && s.ppid === dockerd) || s.comm.startsWith('containerd-shim');
    if (engine && pidNamespace(pid) === ns) out.set(pid, s.cpu);
  }
  return out;
}

/**
 * CPU seconds the engine spent between two snapshots. Processes that started in between count
 * whole; those that ended in between are lost, so take the second snapshot before removing
 * the containers whose shims are measured.
 */
export function engineCpuDelta(before: EngineCpuSnapshot, after: EngineCpuSnapshot): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}
