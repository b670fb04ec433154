import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { corev1 } from '@minik8s/api';

export type ProbeResult = { ok: boolean; output: string };

/** The port a probe names: a number, or the name of one of the container's ports. */
export function resolvePort(port: number | string | { type?: number; intVal?: number; strVal?: string } | undefined, container: corev1.Container): number {
  let p: number | string | undefined = port as number | string | undefined;
  if (port && typeof port === 'object') p = port.type === 1 ? port.strVal : (port.intVal ?? port.strVal);
  if (typeof p === 'number') return p;
  if (typeof p === 'string' && /^\d+$/.test(p)) return Number(p);
  const named = (container.ports ?? []).find((cp) => cp.name === p);
  if (!named?.containerPort) throw new Error(`couldn't find port ${String(p)} in container ${container.name}`);
  return named.containerPort;
}

/** HTTP GET: success for a status from 200 to 399, as the kubelet's prober. */
export function probeHttp(
  action: corev1.HTTPGetAction,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<ProbeResult> {
  const scheme = (action.scheme ?? 'HTTP').toUpperCase();
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.31', Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) if (h.name) headers[h.name] = h.value ?? '';
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  return new Promise((resolve) => {
    const mod = scheme === 'HTTPS' ? https : http;
    const req = mod.request(
      { host: action.host || host, port, path, method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          if (body.length < 10_240) body += d.toString();
        });
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          resolve(code >= 200 && code < 400 ? { ok: true, output: body } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, output: `Get "${scheme.toLowerCase()}://${action.host || host}:${port}${path}": context deadline exceeded` });
    });
    req.on('error', (err) => resolve({ ok: false, output: `Get "${scheme.toLowerCase()}://${action.host || host}:${port}${path}": ${err.message}` }));
    req.end();
  });
}

/** TCP: success when a connection opens. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (r: ProbeResult): void => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` }));
    socket.once('connect', () => done({ ok: true, output: '' }));
    socket.once('error', (err) => done({ ok: false, output: `dial tcp ${host}:${port}: ${err.message}` }));
  });
}
