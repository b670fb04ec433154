import { createServer, request, Agent, type Server } from 'node:http';
import { rmSync } from 'node:fs';

/** One Docker API call as the proxy saw it; times are epoch milliseconds. */
export interface DockerCall {
  method: string;
  /** The path without the API version and query, IDs as `ID`: `POST /containers/ID/start`. */
  kind: string;
  /** The container name the call was about, when known (creates name it; starts carry the created ID). */
  container?: string;
  sent: number;
  answered: number;
  status: number;
}

const ID = /[0-9a-f]{64}/;

/**
 * A pass-through proxy in front of a Docker engine's unix socket that records every call, so the
 * bench can count the kubelet's calls per pod and place each pod's creates and starts in time.
 * Streams (events, logs) pass through; their call is recorded when they end.
 */
export class DockerApiTrace {
  readonly calls: DockerCall[] = [];
  private readonly names = new Map<string, string>();
  private readonly agent = new Agent({ keepAlive: true });
  private server: Server | undefined;

  constructor(
    readonly socketPath: string,
    private readonly engineSocket = '/var/run/docker.sock',
  ) {}

  async start(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    this.server = createServer((req, res) => {
      const sent = Date.now();
      const url = req.url ?? '';
      const upstream = request({ socketPath: this.engineSocket, method: req.method, path: url, headers: req.headers, agent: this.agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const isCreate = url.includes('/containers/create');
        let body = '';
        if (isCreate) answer.on('data', (d: Buffer) => (body += d.toString()));
        answer.pipe(res);
        answer.on('end', () => {
          const name = isCreate ? new URLSearchParams(url.split('?')[1] ?? '').get('name') ?? undefined : undefined;
          if (isCreate && name) {
            try {
              this.names.set((JSON.parse(body) as { Id: string }).Id, name);
            } catch {
              // A failed create answers with an error message.
            }
          }
          const id = ID.exec(url)?.[0];
          this.calls.push({
            method: req.method ?? '',
            kind: `${req.method} ${url.replace(/^\/v[\d.]+/, '').split('?')[0].replace(ID, 'ID').replace(/^\/images\/.+\/json$/, '/images/NAME/json')}`,
            container: name ?? (id ? this.names.get(id) : undefined),
            sent,
            answered: Date.now(),
            status: answer.statusCode ?? 0,
          });
        });
      });
      upstream.on('error', (err) => {
        res.statusCode = 502;
        res.end(err.message);
      });
      req.pipe(upstream);
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, resolve);
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.agent.destroy();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    rmSync(this.socketPath, { force: true });
  }

  /** Calls sent in [from, to] (epoch ms), by kind, most frequent first. */
  countsBetween(from: number, to: number): [string, number][] {
    const counts = new Map<string, number>();
    for (const c of this.calls) if (c.sent >= from && c.sent <= to) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]);
  }

  /**
   * Per pod, the create and start calls of its sandbox (`POD`) and of each container, by the
   * dockershim names the kubelet gives them: `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`.
   */
  startsOf(pod: string, namespace: string): Map<string, { create?: DockerCall; start?: DockerCall }> {
    const out = new Map<string, { create?: DockerCall; start?: DockerCall }>();
    for (const c of this.calls) {
      const m = c.container ? /^\/?k8s_([^_]+)_([^_]+)_([^_]+)_/.exec(c.container) : null;
      if (!m || m[2] !== pod || m[3] !== namespace) continue;
      const entry = out.get(m[1]) ?? {};
      if (c.kind === 'POST /containers/create') entry.create ??= c;
      if (c.kind === 'POST /containers/ID/start') entry.start ??= c;
      out.set(m[1], entry);
    }
    return out;
  }
}
