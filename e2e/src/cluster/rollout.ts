import type { appsv1, corev1 } from '@minik8s/api';
import { Deployments, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { get } from 'node:http';
import type { Scenario } from './scenario';

/** Waits until Deployment `name` runs `image` on all `replicas`, every one available and the old pods gone. */
export async function rolledOutTo(s: Scenario, name: string, image: string, replicas: number, timeoutMs = 240_000): Promise<appsv1.Deployment> {
  return waitFor(
    async () => {
      const d = await s.client.resource(Deployments).namespace(s.ns).get(name);
      const st = d.status ?? {};
      if (st.observedGeneration !== d.metadata?.generation || st.updatedReplicas !== replicas || st.availableReplicas !== replicas || st.replicas !== replicas) return undefined;
      const selector = Object.entries(d.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      const pods: corev1.Pod[] = (await s.client.resource(Pods).namespace(s.ns).list({ labelSelector: selector })).items;
      return pods.length === replicas && pods.every((p) => p.spec?.containers?.[0]?.image === image && p.status?.podIP) ? d : undefined;
    },
    { timeoutMs, intervalMs: 1_000, description: `deployment ${name} rolled out to ${image}` },
  );
}

/**
 * Requests `url` back to back until stopped, counting failures and the distinct answers: a client
 * of the Service that must see no error while pods come and go. Each request opens its own
 * connection, as a `curl` loop does: a kept-alive connection stays pinned (by conntrack) to the pod
 * it first reached, so when that pod stops, a request sent just as the server closes the idle
 * connection fails whatever the Service does — a client-side race, not what this measures.
 */
export class LoopingClient {
  requests = 0;
  readonly failures: string[] = [];
  readonly answers = new Set<string>();
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly urls: string[]) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const url = this.urls[this.requests % this.urls.length];
      this.requests++;
      try {
        const res = await getOnce(url, 10_000);
        const body = res.body.trim();
        if (res.status === 200) this.answers.add(body.replace(/kubia-\S+$/, 'kubia-<pod>'));
        else this.failures.push(`${url}: HTTP ${res.status}`);
      } catch (err) {
        this.failures.push(`${url}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** One GET on a connection of its own (`agent: false`: `Connection: close`, no pooling). */
function getOnce(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
