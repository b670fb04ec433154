import { createServer, type Server } from 'node:http';
import type { ApiMetrics } from './metrics';

export interface HealthChecks {
  /** The process is alive and serving. */
  live(): Promise<boolean>;
  /** etcd answers and every watch cache holds a snapshot. */
  ready(): Promise<{ ok: boolean; failing: string[] }>;
}

/** /healthz, /livez, /readyz and /metrics over plain HTTP, as Kubernetes' apiserver serves them. */
export function startHealthServer(host: string, port: number, checks: HealthChecks, metrics: ApiMetrics): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    void (async () => {
      try {
        if (path === '/healthz' || path === '/livez') {
          reply((await checks.live()) ? 200 : 500, (await checks.live()) ? 'ok' : 'not live');
        } else if (path === '/readyz') {
          const { ok, failing } = await checks.ready();
          reply(ok ? 200 : 500, ok ? 'ok' : failing.map((f) => `[-]${f} failed`).join('\n') + '\nreadyz check failed');
        } else if (path === '/metrics') {
          reply(200, await metrics.registry.metrics(), metrics.registry.contentType);
        } else {
          reply(404, '404 page not found');
        }
      } catch (err) {
        reply(500, (err as Error).message);
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
