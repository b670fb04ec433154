import { afterAll, beforeAll, inject } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Namespaces, Nodes, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { compose, minictl } from './compose';

/** What a scenario works with: a client, minictl, and a namespace of its own. */
export interface Scenario {
  readonly server: string;
  readonly client: ApiClient;
  readonly ns: string;
  minictl(...args: string[]): Promise<string>;
  compose(...args: string[]): Promise<string>;
  /** The Ready nodes, by name, with their InternalIP. */
  readyNodes(): Promise<{ name: string; ip: string }[]>;
  /** Waits until pod `name` satisfies `test`, returning it. */
  waitForPod(name: string, test: (pod: corev1.Pod) => boolean, description: string, timeoutMs?: number): Promise<corev1.Pod>;
}

export function isReady(node: corev1.Node): boolean {
  return !!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podReady(pod: corev1.Pod): boolean {
  return !!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Registers the hooks of a scenario file: a namespace `e2e-<name>-<random>` created before and
 * deleted (waiting until it is gone, so its pods do not linger into the next file) after.
 */
export function useScenario(name: string): Scenario {
  const server = inject('e2eServer');
  const composeHome = inject('e2eComposeHome') || undefined;
  const client = new ApiClient(server, { timeoutMs: 15_000 });
  const ns = `e2e-${name}-${Math.random().toString(36).slice(2, 7)}`;
  const scenario: Scenario = {
    server,
    client,
    ns,
    minictl: (...args) => minictl(server, ...args),
    compose: (...args) => compose(args, composeHome),
    async readyNodes() {
      const nodes = (await client.resource(Nodes).list()).items.filter(isReady);
      return nodes.map((n) => ({
        name: n.metadata?.name ?? '',
        ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      }));
    },
    async waitForPod(podName, test, description, timeoutMs = 120_000) {
      return waitFor(
        async () => {
          const pod = await client.resource(Pods).namespace(ns).get(podName);
          return test(pod) ? pod : undefined;
        },
        { timeoutMs, intervalMs: 500, description: `pod ${podName}: ${description}` },
      );
    },
  };
  beforeAll(async () => {
    await client.resource(Namespaces).create({ metadata: { name: ns } });
  });
  afterAll(async () => {
    await client.resource(Namespaces).delete(ns).catch(() => undefined);
    await waitFor(
      async () => {
        try {
          await client.resource(Namespaces).get(ns);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 180_000, intervalMs: 1_000, description: `namespace ${ns} to be gone` },
    ).finally(() => client.close());
  });
  return scenario;
}
