import { createServer, type Server } from 'node:http';

/**
 * `/healthz` (and `/health`): the process serves. `/ready` (and `/readyz`): the caches are
 * synced and the DNS sockets are open, so the pod may take traffic.
 */
export function startHealthServer(host: string, port: number, ready: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string): void => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (path === '/healthz' || path === '/health' || path === '/livez') reply(200, 'ok');
    else if (path === '/ready' || path === '/readyz') reply(ready() ? 200 : 503, ready() ? 'ok' : 'caches not synced');
    else reply(404, '404 page not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
