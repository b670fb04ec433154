import { performance } from 'node:perf_hooks';
import { Pods, type ApiClient } from '@minik8s/client';
import type { Component } from './components';
import { PodTracker } from './pod-tracker';
import { runOps } from './runner';
import { benchPod, createNamespace, deleteAll, HOLLOW_PREFIX, PREFIX, progress, spawnScheduler, type PodKind } from './sched-common';
import { percentileOfSorted, sorted } from './stats';
import { fmtInt, fmtMs, fmtPct, heading, renderTable } from './table';

/**
 * The suite's second layout, kube-scheduler's scheduler_perf's: the scheduler is already running
 * and has scheduled init pods (so its code is warm, as in a cluster that has been up a while),
 * then the measured pods are created while it runs. This is where "creation to binding" means
 * something; the first layout, with every pod pending before a fresh scheduler starts, measures
 * the scheduler's own rate. The raw binder here binds each pod as the watch shows it pending.
 */

export interface ArrivalCase {
  nodes: number;
  pods: number;
  kind: PodKind;
}

export type Binder = 'scheduler' | 'raw';

export interface ArrivalResult extends ArrivalCase {
  binder: Binder;
  bound: number;
  /** Creations per second the bench achieved while the binder ran. */
  createPerSec: number;
  /** Bound pods per second, from the first creation call to the last binding seen. */
  podsPerSec: number;
  /** From each pod's creation call to its binding seen by the watch, ms. */
  p50: number;
  p99: number;
  max: number;
}

/** Creations in flight, as in the first layout. */
const CREATE_CONCURRENCY = 32;
/** Init pods scheduled (and kept) before the measured ones, as scheduler_perf's initPods. */
const INIT_PODS = 500;
/** The raw binder's bindings in flight, as the first layout's raw binding. */
const RAW_IN_FLIGHT = 500;

/**
 * Creates `c.pods` pods at concurrency 32 while `binder` binds them: a warmed scheduler process,
 * or the bench itself binding each pending pod to a round-robin node.
 */
export async function runArrival(client: ApiClient, server: string, c: ArrivalCase, binder: Binder, tag: string, deadline: number): Promise<ArrivalResult> {
  const ns = `arrive-${binder}-${tag}`;
  const initNs = `${ns}-init`;
  let scheduler: Component | undefined;
  const init = new PodTracker(client, initNs, PREFIX, INIT_PODS);
  const tracker = new PodTracker(client, ns, PREFIX, c.pods);
  try {
    await createNamespace(client, initNs);
    await createNamespace(client, ns);
    await init.start();
    await tracker.start();
    const raw = binder === 'raw' ? new RawBinder(client, c.nodes) : undefined;
    if (raw) {
      init.onPending = (i) => raw.bind(initNs, i);
      tracker.onPending = (i) => raw.bind(ns, i);
    } else {
      scheduler = spawnScheduler(server);
    }
    const initApi = client.resource(Pods).namespace(initNs);
    // Plain init pods, whatever the case's kind: anti-affinity pods select only their own kind.
    const initCreated = await runOps(INIT_PODS, CREATE_CONCURRENCY, (i) => initApi.create(benchPod(initNs, i, 'plain')));
    if (initCreated.errors > 0) throw new Error(`${initCreated.errors} init pod creations failed in ${initNs}: ${initCreated.firstError}`);
    const initBound = await init.waitUntil(() => init.bound >= INIT_PODS || !(scheduler?.running ?? true), 30_000, deadline);
    scheduler?.assertRunning();
    if (!initBound) throw new Error(`${initNs}: only ${init.bound}/${INIT_PODS} init pods bound${scheduler ? `:\n${scheduler.output()}` : ''}`);

    const api = client.resource(Pods).namespace(ns);
    const createdAt = new Float64Array(c.pods);
    const t0 = performance.now();
    const created = await runOps(c.pods, CREATE_CONCURRENCY, (i) => {
      createdAt[i] = performance.now();
      return api.create(benchPod(ns, i, c.kind));
    });
    if (created.errors > 0) throw new Error(`${created.errors} pod creations failed in ${ns}: ${created.firstError}`);
    const bound = await tracker.waitUntil(() => tracker.bound >= c.pods, 30_000, deadline);
    scheduler?.assertRunning();
    if (!bound) progress(`  ${ns}: only ${tracker.bound}/${c.pods} pods bound before the deadline`);
    if (raw?.firstError) progress(`  ${ns}: first raw bind error: ${raw.firstError}`);
    const latencies: number[] = [];
    for (let i = 0; i < c.pods; i++) if (tracker.boundAt[i] > 0) latencies.push(tracker.boundAt[i] - createdAt[i]);
    const s = sorted(latencies);
    return {
      ...c,
      binder,
      bound: tracker.bound,
      createPerSec: created.opsPerSec,
      podsPerSec: tracker.bound / ((tracker.lastBoundAt - t0) / 1000),
      p50: percentileOfSorted(s, 50),
      p99: percentileOfSorted(s, 99),
      max: s.length > 0 ? s[s.length - 1] : NaN,
    };
  } finally {
    await scheduler?.stop();
    progress(`  deleting the pods of ${ns}...`);
    await deleteAll(client, tracker);
    await deleteAll(client, init);
    await tracker.stop();
    await init.stop();
  }
}

/** Binds pods to round-robin nodes as they show up, at most RAW_IN_FLIGHT at a time. */
class RawBinder {
  private inFlight = 0;
  private next = 0;
  private readonly waiting: (() => Promise<void>)[] = [];
  firstError: string | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly nodes: number,
  ) {}

  bind(namespace: string, i: number): void {
    const node = `${HOLLOW_PREFIX}${this.next++ % this.nodes}`;
    this.waiting.push(() => this.client.bind(namespace, `${PREFIX}${i}`, node));
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < RAW_IN_FLIGHT && this.waiting.length > 0) {
      const call = this.waiting.shift() as () => Promise<void>;
      this.inFlight++;
      call()
        .catch((err: unknown) => {
          this.firstError ??= err instanceof Error ? err.message : String(err);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

export function reportArrival(results: readonly ArrivalResult[]): string {
  const rawOf = new Map(results.filter((r) => r.binder === 'raw').map((r) => [`${r.nodes}/${r.pods}/${r.kind}`, r]));
  const rows = results
    .filter((r) => r.binder === 'scheduler')
    .map((s) => {
      const r = rawOf.get(`${s.nodes}/${s.pods}/${s.kind}`);
      return [
        fmtInt(s.nodes),
        fmtInt(s.pods),
        s.kind,
        `${fmtInt(s.bound)} / ${fmtInt(r?.bound ?? NaN)}`,
        `${fmtInt(s.createPerSec)} / ${fmtInt(r?.createPerSec ?? NaN)}`,
        `${fmtInt(s.podsPerSec)} / ${fmtInt(r?.podsPerSec ?? NaN)}`,
        fmtPct(r ? s.podsPerSec / r.podsPerSec : NaN),
        `${fmtMs(s.p50)} / ${fmtMs(r?.p50 ?? NaN)}`,
        `${fmtMs(s.p99)} / ${fmtMs(r?.p99 ?? NaN)}`,
        `${fmtMs(s.max)} / ${fmtMs(r?.max ?? NaN)}`,
      ];
    });
  return [
    heading(`Pods arriving (scheduler_perf's layout: ${INIT_PODS} init pods through the binder first, then pods created at concurrency ${CREATE_CONCURRENCY} while it runs)`),
    renderTable(
      [
        { header: 'nodes' },
        { header: 'pods' },
        { header: 'kind', align: 'left' },
        { header: 'bound: sched / raw' },
        { header: 'create/s' },
        { header: 'pods/s' },
        { header: 'sched / raw' },
        { header: 'create→bind p50 ms' },
        { header: 'p99 ms' },
        { header: 'max ms' },
      ],
      rows,
    ),
    '  each figure: with the (warm) scheduler / with the raw binder (round-robin pods/binding as the watch shows each pod pending,',
    `  ${RAW_IN_FLIGHT} in flight); pods/s = bound pods / (first creation call → last binding seen); create→bind = from the pod's`,
    '  creation call to its binding seen by a watch. Both rates are capped by how fast the bench creates pods (create/s).',
  ].join('\n');
}
