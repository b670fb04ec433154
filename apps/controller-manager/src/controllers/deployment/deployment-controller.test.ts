import { describe, expect, it } from 'vitest';
import { StatusError, type ApiObject, type appsv1, type corev1, type IntOrString } from '@minik8s/api';
import { WorkQueue, type Clock, type EventType } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { FakeLister } from '../../test-support/fake-lister';
import type { DeploymentClient, EventSink } from './deployment-client';
import { DeploymentController } from './deployment-controller';
import { formatTime, getCondition } from './deployment-status';
import { computeHash } from './template-hash';

type Deployment = appsv1.Deployment;
type ReplicaSet = appsv1.ReplicaSet;

// ---- a seeded fake world: caches, a client that writes into them, events, a fixed clock ----

const NOW = Date.parse('2024-05-01T12:00:00Z');
const NS = 'default';
const REV = 'deployment.kubernetes.io/revision';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
const HASH = 'pod-template-hash';
const LABELS = { app: 'web' };

const ago = (s: number): string => formatTime(NOW - s * 1000);
const int = (intVal: number): IntOrString => ({ type: 0, intVal });
const pct = (strVal: string): IntOrString => ({ type: 1, strVal });

/** RFC 7386 merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function conflict(name: string): StatusError {
  return new StatusError('Conflict', `Operation cannot be fulfilled on ${name}: the object has been modified; please apply your changes to the latest version and try again`);
}

/**
 * Records every call and applies it to the caches, as the apiserver and the informers would
 * (instantly), checking resourceVersions so a stale write fails as it would for real.
 */
class FakeClient implements DeploymentClient {
  calls: string[] = [];
  created: ReplicaSet[] = [];
  updatedRS: ReplicaSet[] = [];
  patchedRS: { name: string; patch: unknown }[] = [];
  deletedRS: string[] = [];
  statusWrites: appsv1.DeploymentStatus[] = [];
  deploymentUpdates: Deployment[] = [];
  deploymentPatches: unknown[] = [];
  createError: ((rs: ReplicaSet) => Error | undefined) | undefined;
  private rv = 100;
  private seq = 0;

  constructor(
    private readonly deployments: FakeLister<Deployment>,
    private readonly replicaSets: FakeLister<ReplicaSet>,
  ) {}

  private nextRV(): string {
    return String(++this.rv);
  }

  private checkRV(current: ApiObject | undefined, sent: ApiObject, what: string): void {
    if (!current) throw new StatusError('NotFound', `${what} not found`);
    if (sent.metadata?.resourceVersion && sent.metadata.resourceVersion !== current.metadata?.resourceVersion) throw conflict(what);
  }

  async createReplicaSet(namespace: string, rs: ReplicaSet): Promise<ReplicaSet> {
    this.calls.push(`create ${rs.metadata?.name}`);
    const err = this.createError?.(rs);
    if (err) throw err;
    if (this.replicaSets.get(namespace, rs.metadata?.name ?? '')) throw new StatusError('AlreadyExists', `replicasets.apps "${rs.metadata?.name}" already exists`);
    const created: ReplicaSet = {
      ...structuredClone(rs),
      metadata: { ...structuredClone(rs.metadata), uid: `uid-${rs.metadata?.name}`, resourceVersion: this.nextRV(), generation: 1, creationTimestamp: formatTime(NOW + ++this.seq * 1000) },
      status: {},
    };
    this.created.push(created);
    this.replicaSets.set(created);
    return created;
  }

  async updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const name = rs.metadata?.name ?? '';
    this.calls.push(`update ${name} ${rs.spec?.replicas}`);
    const current = this.replicaSets.get(rs.metadata?.namespace, name);
    this.checkRV(current, rs, name);
    const specChanged = JSON.stringify(rs.spec) !== JSON.stringify(current?.spec);
    const updated: ReplicaSet = {
      ...structuredClone(rs),
      metadata: { ...structuredClone(rs.metadata), resourceVersion: this.nextRV(), generation: (current?.metadata?.generation ?? 1) + (specChanged ? 1 : 0) },
      status: current?.status,
    };
    this.updatedRS.push(updated);
    this.replicaSets.set(updated);
    return updated;
  }

  async patchReplicaSet(namespace: string, name: string, patch: unknown): Promise<ReplicaSet> {
    this.calls.push(`patch ${name}`);
    this.patchedRS.push({ name, patch });
    const current = this.replicaSets.get(namespace, name);
    this.checkRV(current, (patch as ApiObject) ?? {}, name);
    const patched = mergePatch(current, patch) as ReplicaSet;
    patched.metadata = { ...patched.metadata, resourceVersion: this.nextRV() };
    this.replicaSets.set(patched);
    return patched;
  }

  async deleteReplicaSet(namespace: string, name: string): Promise<void> {
    this.calls.push(`delete ${name}`);
    this.deletedRS.push(name);
    const current = this.replicaSets.get(namespace, name);
    if (!current) throw new StatusError('NotFound', `replicasets.apps "${name}" not found`);
    this.replicaSets.delete(current);
  }

  async getDeployment(namespace: string, name: string): Promise<Deployment> {
    const d = this.deployments.get(namespace, name);
    if (!d) throw new StatusError('NotFound', `deployments.apps "${name}" not found`);
    return d;
  }

  private storeDeployment(d: Deployment, bumpGeneration: boolean): Deployment {
    const current = this.deployments.get(d.metadata?.namespace, d.metadata?.name ?? '');
    const stored: Deployment = {
      ...structuredClone(d),
      metadata: { ...structuredClone(d.metadata), resourceVersion: this.nextRV(), generation: (current?.metadata?.generation ?? 1) + (bumpGeneration ? 1 : 0) },
    };
    this.deployments.set(stored);
    return stored;
  }

  async updateDeployment(d: Deployment): Promise<Deployment> {
    this.calls.push('update deployment');
    const current = this.deployments.get(d.metadata?.namespace, d.metadata?.name ?? '');
    this.checkRV(current, d, 'deployment');
    this.deploymentUpdates.push(structuredClone(d));
    return this.storeDeployment({ ...d, status: current?.status }, true);
  }

  async patchDeployment(namespace: string, name: string, patch: unknown): Promise<Deployment> {
    this.calls.push('patch deployment');
    this.deploymentPatches.push(patch);
    const current = this.deployments.get(namespace, name);
    this.checkRV(current, patch as ApiObject, 'deployment');
    // An annotation change is a new generation, as the apiserver's Deployment strategy says.
    return this.storeDeployment(mergePatch(current, patch) as Deployment, true);
  }

  async updateDeploymentStatus(d: Deployment): Promise<Deployment> {
    this.calls.push('status');
    const current = this.deployments.get(d.metadata?.namespace, d.metadata?.name ?? '');
    this.checkRV(current, d, 'deployment');
    this.statusWrites.push(structuredClone(d.status ?? {}));
    return this.storeDeployment({ ...(current as Deployment), status: d.status }, false);
  }

  get lastStatus(): appsv1.DeploymentStatus | undefined {
    return this.statusWrites.at(-1);
  }
}

class FakeEvents implements EventSink {
  events: string[] = [];
  async event(_obj: ApiObject, type: EventType, reason: string, message: string): Promise<void> {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const clock: Clock = { now: () => NOW, sleep: async () => undefined };

interface World {
  controller: DeploymentController;
  deployments: FakeLister<Deployment>;
  replicaSets: FakeLister<ReplicaSet>;
  pods: FakeLister<corev1.Pod>;
  client: FakeClient;
  events: FakeEvents;
  requeues: { key: string; ms: number }[];
  sync(): Promise<void>;
  rs(name: string): ReplicaSet | undefined;
  deployment(): Deployment;
}

function world(d: Deployment, replicaSets: ReplicaSet[] = [], pods: corev1.Pod[] = []): World {
  const deployments = new FakeLister<Deployment>([d]);
  const rsLister = new FakeLister<ReplicaSet>(replicaSets);
  const podLister = new FakeLister<corev1.Pod>(pods);
  const client = new FakeClient(deployments, rsLister);
  const events = new FakeEvents();
  const requeues: { key: string; ms: number }[] = [];
  const controller = new DeploymentController({
    deployments,
    replicaSets: rsLister,
    pods: podLister,
    client,
    events,
    logger: silentLogger(),
    clock,
    queue: new WorkQueue<string>(),
    requeueAfter: (key, ms) => requeues.push({ key, ms }),
  });
  return {
    controller,
    deployments,
    replicaSets: rsLister,
    pods: podLister,
    client,
    events,
    requeues,
    sync: () => controller.sync(`${NS}/web`),
    rs: (name) => rsLister.get(NS, name),
    deployment: () => deployments.get(NS, 'web') as Deployment,
  };
}

// ---- fixtures ----

interface DeploymentOptions {
  replicas?: number;
  image?: string;
  strategy?: 'RollingUpdate' | 'Recreate';
  surge?: IntOrString;
  unavailable?: IntOrString;
  paused?: boolean;
  generation?: number;
  annotations?: Record<string, string>;
  status?: appsv1.DeploymentStatus;
  pds?: number;
  revisionHistoryLimit?: number;
}

function template(image: string): corev1.PodTemplateSpec {
  return { metadata: { labels: { ...LABELS } }, spec: { containers: [{ name: 'web', image }] } };
}

const hashOf = (image: string): string => computeHash(template(image));

/** As the apiserver stores it: defaults applied. */
function deployment(o: DeploymentOptions = {}): Deployment {
  const strategy = o.strategy ?? 'RollingUpdate';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, uid: 'd-uid', generation: o.generation ?? 1, resourceVersion: '10', annotations: o.annotations ?? {} },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { ...LABELS } },
      template: template(o.image ?? 'nginx:1.27'),
      strategy: strategy === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.surge ?? pct('25%'), maxUnavailable: o.unavailable ?? pct('25%') } },
      minReadySeconds: 0,
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: o.pds ?? 600,
      paused: o.paused ?? false,
    },
    status: o.status ?? {},
  };
}

interface RSOptions {
  replicas: number;
  available?: number;
  /** status.replicas; default: replicas. */
  actual?: number;
  revision?: number;
  /** deployment.kubernetes.io/desired-replicas and max-replicas. */
  desired?: number;
  max?: number;
  ageSeconds?: number;
  owned?: boolean;
  labels?: Record<string, string>;
}

/** A ReplicaSet as the Deployment controller makes them, for `image`. */
function replicaSet(image: string, o: RSOptions): ReplicaSet {
  const hash = hashOf(image);
  const name = `web-${hash}`;
  const annotations: Record<string, string> = {};
  if (o.revision !== undefined) annotations[REV] = String(o.revision);
  if (o.desired !== undefined) annotations[DESIRED] = String(o.desired);
  if (o.max !== undefined) annotations[MAX] = String(o.max);
  const t = template(image);
  t.metadata = { labels: { ...LABELS, [HASH]: hash } };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      resourceVersion: '5',
      generation: 1,
      creationTimestamp: ago(o.ageSeconds ?? 3600),
      labels: o.labels ?? { ...LABELS, [HASH]: hash },
      annotations,
      ownerReferences: o.owned === false ? undefined : [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: o.replicas, minReadySeconds: 0, selector: { matchLabels: { ...LABELS, [HASH]: hash } }, template: t },
    status: { replicas: o.actual ?? o.replicas, readyReplicas: o.available ?? 0, availableReplicas: o.available ?? 0, observedGeneration: 1 },
  };
}

const OLD = 'nginx:1.27';
const NEW = 'nginx:1.28';
const oldName = `web-${hashOf(OLD)}`;
const newName = `web-${hashOf(NEW)}`;

function progressingCondition(reason: string, status: string, updatedSecondsAgo: number): appsv1.DeploymentCondition {
  return { type: 'Progressing', status, reason, message: 'm', lastUpdateTime: ago(updatedSecondsAgo), lastTransitionTime: ago(updatedSecondsAgo) };
}

// ---- the tests ----

describe('a new Deployment', () => {
  it('gets its first ReplicaSet at full size, with hash, owner, revision and replica annotations', async () => {
    const w = world(deployment({ replicas: 3, annotations: { 'kubernetes.io/change-cause': 'create' } }));
    await w.sync();

    expect(w.client.created).toHaveLength(1);
    const rs = w.client.created[0];
    const hash = hashOf(OLD);
    expect(rs.metadata).toMatchObject({
      name: `web-${hash}`,
      labels: { app: 'web', [HASH]: hash },
      annotations: { [REV]: '1', [DESIRED]: '3', [MAX]: '4', 'kubernetes.io/change-cause': 'create' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(rs.spec).toMatchObject({ replicas: 3, selector: { matchLabels: { app: 'web', [HASH]: hash } } });
    expect(rs.spec?.template?.metadata?.labels).toEqual({ app: 'web', [HASH]: hash });

    // The Deployment's revision, and the status: the generation the patch made is the one observed.
    expect(w.deployment().metadata?.annotations?.[REV]).toBe('1');
    expect(w.deployment().status?.observedGeneration).toBe(w.deployment().metadata?.generation);
    expect(getCondition(w.client.lastStatus, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "web-${hash}"` });
    expect(getCondition(w.client.lastStatus, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    expect(w.events.events).toEqual([`Normal ScalingReplicaSet Scaled up replica set web-${hash} to 3`]);
  });

  it('does nothing for a Deployment that is gone', async () => {
    const w = world(deployment());
    w.deployments.delete(w.deployment());
    await w.sync();
    expect(w.client.calls).toEqual([]);
  });

  it('warns about a selector that selects everything and acts no further', async () => {
    const d = deployment({ generation: 2 });
    d.spec = { ...d.spec, selector: {} };
    const w = world(d);
    await w.sync();
    expect(w.events.events).toEqual(['Warning SelectingAll This deployment is selecting all pods. A non-empty selector is required.']);
    expect(w.client.calls).toEqual(['status']);
    expect(w.client.lastStatus?.observedGeneration).toBe(2);
  });
});

describe('a rolling update, one sync at a time (maxSurge 1, maxUnavailable 0)', () => {
  const d = (): Deployment => deployment({ replicas: 3, image: NEW, surge: int(1), unavailable: int(0), annotations: { [REV]: '1' } });
  const cases: {
    name: string;
    sets: ReplicaSet[];
    calls: string[];
    events: string[];
  }[] = [
    {
      name: 'a new template: the new ReplicaSet starts with the one surge pod',
      sets: [replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 3, max: 4 })],
      calls: [`create ${newName}`, 'patch deployment', 'status', 'status'],
      events: [`Normal ScalingReplicaSet Scaled up replica set ${newName} to 1`],
    },
    {
      name: 'the new pod not available yet: nothing to do',
      sets: [replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 3, max: 4 }), replicaSet(NEW, { replicas: 1, available: 0, revision: 2, desired: 3, max: 4, ageSeconds: 10 })],
      // Progressing was never recorded: FoundNewReplicaSet first, then the rollout status.
      calls: ['patch deployment', 'status', 'status'],
      events: [],
    },
    {
      name: 'the new pod available: an old one goes',
      sets: [replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 3, max: 4 }), replicaSet(NEW, { replicas: 1, available: 1, revision: 2, desired: 3, max: 4, ageSeconds: 10 })],
      calls: ['patch deployment', 'status', `update ${oldName} 2`, 'status'],
      events: [`Normal ScalingReplicaSet Scaled down replica set ${oldName} to 2`],
    },
    {
      name: 'room again under the surge: another new one',
      sets: [replicaSet(OLD, { replicas: 2, available: 2, revision: 1, desired: 3, max: 4 }), replicaSet(NEW, { replicas: 1, available: 1, revision: 2, desired: 3, max: 4, ageSeconds: 10 })],
      calls: ['patch deployment', 'status', `update ${newName} 2`, 'status'],
      events: [`Normal ScalingReplicaSet Scaled up replica set ${newName} to 2`],
    },
  ];
  it.each(cases)('$name', async ({ sets, calls, events }) => {
    const w = world(d(), sets);
    await w.sync();
    expect(w.client.calls).toEqual(calls);
    expect(w.events.events).toEqual(events);
    expect(w.deployment().metadata?.annotations?.[REV]).toBe('2');
  });

  it('never changes the objects of the cache', async () => {
    const deepFreeze = <T>(o: T): T => {
      if (o && typeof o === 'object') {
        for (const v of Object.values(o)) deepFreeze(v);
        Object.freeze(o);
      }
      return o;
    };
    const sets = [
      deepFreeze(replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 2, max: 3 })),
      deepFreeze(replicaSet(NEW, { replicas: 1, available: 1, revision: 1, desired: 3, max: 4, ageSeconds: 10 })),
    ];
    const w = world(deepFreeze(d()), sets);
    // Frozen objects throw on any write: revision sync, scaling and status all work on copies.
    await w.sync();
    expect(w.client.calls.length).toBeGreaterThan(1);
  });

  it('completes: NewReplicaSetAvailable, Available, all counts', async () => {
    const status: appsv1.DeploymentStatus = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 2, readyReplicas: 2, conditions: [progressingCondition('ReplicaSetUpdated', 'True', 5)] };
    const w = world(deployment({ replicas: 3, image: NEW, surge: int(1), unavailable: int(0), annotations: { [REV]: '2' }, status }), [
      replicaSet(OLD, { replicas: 0, revision: 1, desired: 3, max: 4 }),
      replicaSet(NEW, { replicas: 3, available: 3, revision: 2, desired: 3, max: 4, ageSeconds: 10 }),
    ]);
    await w.sync();
    expect(w.client.calls).toEqual(['status']);
    expect(w.client.lastStatus).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0 });
    expect(getCondition(w.client.lastStatus, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newName}" has successfully progressed.` });
    expect(getCondition(w.client.lastStatus, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
  });
});

describe('Recreate', () => {
  const d = (): Deployment => deployment({ replicas: 3, image: NEW, strategy: 'Recreate', annotations: { [REV]: '1' } });
  const oldPod = (phase: string): corev1.Pod => ({
    metadata: { name: 'old-pod', namespace: NS, uid: 'p1', labels: { ...LABELS, [HASH]: hashOf(OLD) }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: oldName, uid: `uid-${oldName}`, controller: true }] },
    status: { phase },
  });
  const cases: { name: string; old: ReplicaSet; pods: corev1.Pod[]; calls: string[] }[] = [
    { name: 'old pods running: scale the old ReplicaSet to 0 first, create nothing', old: replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 3, max: 3 }), pods: [oldPod('Running')], calls: [`update ${oldName} 0`, 'status'] },
    { name: 'the old ReplicaSet still reports pods: wait', old: replicaSet(OLD, { replicas: 0, actual: 1, revision: 1, desired: 3, max: 3 }), pods: [], calls: ['status'] },
    { name: 'an old pod still runs: wait', old: replicaSet(OLD, { replicas: 0, actual: 0, revision: 1, desired: 3, max: 3 }), pods: [oldPod('Running')], calls: ['status'] },
    { name: 'old pods gone: the new ReplicaSet, at full size', old: replicaSet(OLD, { replicas: 0, actual: 0, revision: 1, desired: 3, max: 3 }), pods: [oldPod('Succeeded')], calls: [`create ${newName}`, 'patch deployment', 'status', 'status'] },
  ];
  it.each(cases)('$name', async ({ old, pods, calls }) => {
    const w = world(d(), [old], pods);
    await w.sync();
    expect(w.client.calls).toEqual(calls);
    if (w.client.created.length > 0) expect(w.client.created[0].spec?.replicas).toBe(3);
  });
});

describe('pause and resume', () => {
  const stable = (): ReplicaSet => replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 3, max: 4 });

  it('a paused Deployment does not roll out a new template, and says so', async () => {
    const w = world(deployment({ image: NEW, paused: true, annotations: { [REV]: '1' } }), [stable()]);
    await w.sync();
    expect(w.client.created).toEqual([]);
    expect(w.client.updatedRS).toEqual([]);
    expect(getCondition(w.deployment().status, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
  });

  it('a paused Deployment still scales', async () => {
    const w = world(deployment({ replicas: 5, image: NEW, paused: true, annotations: { [REV]: '1' } }), [stable()]);
    await w.sync();
    expect(w.client.calls).toContain(`update ${oldName} 5`);
    expect(w.rs(oldName)?.metadata?.annotations).toMatchObject({ [DESIRED]: '5', [MAX]: '7' });
    expect(w.events.events).toEqual([`Normal ScalingReplicaSet Scaled up replica set ${oldName} to 5`]);
  });

  it('resuming says so and rolls out', async () => {
    const status = { conditions: [progressingCondition('DeploymentPaused', 'Unknown', 3000)] };
    const w = world(deployment({ image: NEW, annotations: { [REV]: '1' }, status }), [stable()]);
    await w.sync();
    expect(w.client.statusWrites[0].conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' });
    expect(w.client.created.map((rs) => rs.metadata?.name)).toEqual([newName]);
  });
});

describe('scaling in the middle of a rollout', () => {
  it('spreads the difference over the active ReplicaSets in proportion', async () => {
    const status = { conditions: [progressingCondition('ReplicaSetUpdated', 'True', 5)] };
    const w = world(deployment({ replicas: 15, image: NEW, surge: int(3), unavailable: int(2), annotations: { [REV]: '2' }, status }), [
      replicaSet(OLD, { replicas: 8, available: 8, revision: 1, desired: 10, max: 13 }),
      replicaSet(NEW, { replicas: 5, available: 0, revision: 2, desired: 10, max: 13, ageSeconds: 10 }),
    ]);
    await w.sync();
    expect(w.client.calls).toEqual([`update ${oldName} 11`, `update ${newName} 7`, 'status']);
    for (const name of [oldName, newName]) expect(w.rs(name)?.metadata?.annotations).toMatchObject({ [DESIRED]: '15', [MAX]: '18' });
    expect(w.events.events).toEqual([`Normal ScalingReplicaSet Scaled up replica set ${oldName} to 11`, `Normal ScalingReplicaSet Scaled up replica set ${newName} to 7`]);
  });

  it('a saturated new ReplicaSet takes everything from the old ones', async () => {
    const status = { conditions: [progressingCondition('ReplicaSetUpdated', 'True', 5)] };
    const w = world(deployment({ replicas: 3, image: NEW, annotations: { [REV]: '2' }, status }), [
      replicaSet(OLD, { replicas: 1, available: 1, revision: 1, desired: 2, max: 3 }),
      replicaSet(NEW, { replicas: 3, available: 3, revision: 2, desired: 3, max: 4, ageSeconds: 10 }),
    ]);
    await w.sync();
    expect(w.client.calls).toEqual([`update ${oldName} 0`, 'status']);
  });
});

describe('revisions and rollback', () => {
  it('a template equal to an old ReplicaSet’s reuses it with the next revision', async () => {
    const w = world(deployment({ image: OLD, surge: int(1), unavailable: int(0), annotations: { [REV]: '2' } }), [
      replicaSet(OLD, { replicas: 0, revision: 1, desired: 3, max: 4, ageSeconds: 100 }),
      replicaSet(NEW, { replicas: 3, available: 3, revision: 2, desired: 3, max: 4, ageSeconds: 50 }),
    ]);
    await w.sync();
    expect(w.client.created).toEqual([]);
    expect(w.rs(oldName)?.metadata?.annotations).toMatchObject({ [REV]: '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(w.deployment().metadata?.annotations?.[REV]).toBe('3');
    // And the rollout back begins: one surge pod for the old template.
    expect(w.rs(oldName)?.spec?.replicas).toBe(1);
  });

  it('the deprecated rollbackTo request copies the template of that revision and clears itself', async () => {
    const w = world(deployment({ image: NEW, annotations: { [REV]: '2', 'deprecated.deployment.rollback.to': '1', 'kubernetes.io/change-cause': 'upgrade' } }), [
      { ...replicaSet(OLD, { replicas: 0, revision: 1, desired: 3, max: 4, ageSeconds: 100 }), metadata: { ...replicaSet(OLD, { replicas: 0, revision: 1, ageSeconds: 100 }).metadata, annotations: { [REV]: '1', 'kubernetes.io/change-cause': 'create' } } },
      replicaSet(NEW, { replicas: 3, available: 3, revision: 2, desired: 3, max: 4, ageSeconds: 50 }),
    ]);
    await w.sync();
    expect(w.client.deploymentUpdates).toHaveLength(1);
    const updated = w.client.deploymentUpdates[0];
    expect(updated.spec?.template).toEqual(template(OLD));
    expect(updated.metadata?.annotations).toEqual({ [REV]: '2', 'kubernetes.io/change-cause': 'create' });
    expect(w.events.events).toEqual(['Normal DeploymentRollback Rolled back deployment "web" to revision 1']);
  });

  it('a rollback to a revision that does not exist is dropped with a warning', async () => {
    const w = world(deployment({ annotations: { [REV]: '1', 'deprecated.deployment.rollback.to': '7' } }), [replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 3, max: 4 })]);
    await w.sync();
    expect(w.events.events).toEqual(['Warning DeploymentRollbackRevisionNotFound Unable to find the revision to rollback to.']);
    expect(w.deployment().metadata?.annotations).toEqual({ [REV]: '1' });
  });

  it('a complete rollout prunes old ReplicaSets beyond revisionHistoryLimit', async () => {
    const status: appsv1.DeploymentStatus = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 };
    const third = 'nginx:1.29';
    const w = world(deployment({ image: third, revisionHistoryLimit: 1, annotations: { [REV]: '3' }, status }), [
      replicaSet(OLD, { replicas: 0, revision: 1, desired: 3, max: 4, ageSeconds: 300 }),
      replicaSet(NEW, { replicas: 0, revision: 2, desired: 3, max: 4, ageSeconds: 200 }),
      replicaSet(third, { replicas: 3, available: 3, revision: 3, desired: 3, max: 4, ageSeconds: 100 }),
    ]);
    await w.sync();
    expect(w.client.deletedRS).toEqual([oldName]);
    expect(w.rs(newName)).toBeDefined();
  });
});

describe('ownership', () => {
  it('adopts a matching orphan after a fresh read, and releases one that no longer matches', async () => {
    const orphan = replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 3, max: 4, owned: false });
    const strayed = replicaSet(NEW, { replicas: 0, revision: 0, labels: { app: 'other' }, ageSeconds: 10 });
    const w = world(deployment({ annotations: { [REV]: '1' } }), [orphan, strayed]);
    await w.sync();
    const byName = Object.fromEntries(w.client.patchedRS.map((p) => [p.name, p.patch]));
    expect(byName[oldName]).toEqual({
      metadata: {
        uid: `uid-${oldName}`,
        resourceVersion: '5',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }],
      },
    });
    expect(byName[newName]).toEqual({ metadata: { uid: `uid-${newName}`, resourceVersion: '5', ownerReferences: null } });
    // The adopted one is the new ReplicaSet: no other is created.
    expect(w.client.created).toEqual([]);
  });

  it('a hash collision bumps collisionCount and fails the sync, to retry with another hash', async () => {
    const squatter = replicaSet('busybox', { replicas: 1, owned: false, labels: { other: 'x' } });
    squatter.metadata = { ...squatter.metadata, name: `web-${hashOf(OLD)}` };
    const w = world(deployment(), [squatter]);
    await expect(w.sync()).rejects.toThrow(/already exists/);
    expect(w.client.lastStatus?.collisionCount).toBe(1);
  });

  it('a failed create reports ReplicaSetCreateError', async () => {
    const w = world(deployment());
    w.client.createError = () => new StatusError('Forbidden', 'exceeded quota');
    await expect(w.sync()).rejects.toThrow(/exceeded quota/);
    expect(getCondition(w.client.lastStatus, 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ReplicaSetCreateError',
      message: `Failed to create new replica set "web-${hashOf(OLD)}": exceeded quota`,
    });
    expect(w.events.events).toEqual([`Warning ReplicaSetCreateError Failed to create new replica set "web-${hashOf(OLD)}": exceeded quota`]);
  });
});

describe('progress deadline', () => {
  const stuck = (updatedSecondsAgo: number, pds = 600): World =>
    world(
      deployment({
        image: NEW,
        surge: int(1),
        unavailable: int(0),
        pds,
        annotations: { [REV]: '2' },
        status: { observedGeneration: 1, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, conditions: [progressingCondition('ReplicaSetUpdated', 'True', updatedSecondsAgo)] },
      }),
      [replicaSet(OLD, { replicas: 3, available: 3, revision: 1, desired: 3, max: 4 }), replicaSet(NEW, { replicas: 1, available: 0, revision: 2, desired: 3, max: 4, ageSeconds: 10 })],
    );

  it('within the deadline: no write, a check queued for when it passes', async () => {
    const w = stuck(10);
    await w.sync();
    // Available is the only news.
    expect(getCondition(w.client.lastStatus, 'Progressing')).toMatchObject({ reason: 'ReplicaSetUpdated', lastUpdateTime: ago(10) });
    await w.sync();
    expect(w.requeues).toEqual([{ key: 'default/web', ms: 591_000 }]);
  });

  it('past the deadline: ProgressDeadlineExceeded', async () => {
    const w = stuck(601);
    await w.sync();
    expect(getCondition(w.client.lastStatus, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${newName}" has timed out progressing.` });
  });
});

describe('a whole rollout against a simulated ReplicaSet controller', () => {
  /** What the ReplicaSet controller and kubelets would do, instantly: every wanted pod runs and is ready. */
  function settle(w: World): void {
    for (const rs of w.replicaSets.list(NS)) {
      const replicas = rs.spec?.replicas ?? 1;
      w.replicaSets.set({ ...rs, status: { replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: rs.metadata?.generation } });
    }
  }

  const cases: { name: string; o: DeploymentOptions; maxTotal: number; minAvailable: number }[] = [
    { name: '3, maxSurge 1, maxUnavailable 0', o: { replicas: 3, surge: int(1), unavailable: int(0) }, maxTotal: 4, minAvailable: 3 },
    { name: '10, the defaults 25%/25%', o: { replicas: 10 }, maxTotal: 13, minAvailable: 8 },
    { name: '4, maxSurge 0, maxUnavailable 1', o: { replicas: 4, surge: int(0), unavailable: int(1) }, maxTotal: 4, minAvailable: 3 },
    { name: '5, maxSurge 50%, maxUnavailable 50%', o: { replicas: 5, surge: pct('50%'), unavailable: pct('50%') }, maxTotal: 8, minAvailable: 3 },
    { name: '3, Recreate', o: { replicas: 3, strategy: 'Recreate' }, maxTotal: 3, minAvailable: 0 },
  ];
  it.each(cases)('$name', async ({ o, maxTotal, minAvailable }) => {
    const replicas = o.replicas ?? 3;
    const w = world(deployment({ ...o, image: NEW, annotations: { [REV]: '1' } }), [replicaSet(OLD, { replicas, available: replicas, revision: 1, desired: replicas, max: maxTotal })]);
    for (let step = 0; step < 60; step++) {
      await w.sync();
      const sets = w.replicaSets.list(NS);
      const total = sets.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      // Pods still available after this step's scale-downs.
      const available = sets.reduce((n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, rs.spec?.replicas ?? 0), 0);
      expect(total).toBeLessThanOrEqual(maxTotal);
      expect(available).toBeGreaterThanOrEqual(minAvailable);
      if (o.strategy === 'Recreate') {
        const running = sets.filter((rs) => (rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0);
        expect(running.length).toBeLessThanOrEqual(1);
      }
      settle(w);
      if (getCondition(w.deployment().status, 'Progressing')?.reason === 'NewReplicaSetAvailable') break;
    }
    expect(getCondition(w.deployment().status, 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    expect(w.rs(newName)?.spec?.replicas).toBe(replicas);
    expect(w.rs(oldName)?.spec?.replicas).toBe(0);
    expect(w.deployment().metadata?.annotations?.[REV]).toBe('2');
    expect(w.deployment().status).toMatchObject({ replicas, updatedReplicas: replicas, availableReplicas: replicas, observedGeneration: w.deployment().metadata?.generation });
  });
});

describe('a rollout whose old ReplicaSet reports its pods late', () => {
  // The bench's 1,000-replica rollover: an old ReplicaSet scaled down to 124 still reported the
  // 250 available pods it was deleting, and the cleanup of "unhealthy" pods scaled it back up.
  it('keeps the ReplicaSets within maxSurge and never grows the old one', async () => {
    const replicas = 1000;
    const w = world(deployment({ replicas, image: NEW, annotations: { [REV]: '1' } }), [replicaSet(OLD, { replicas, available: replicas, revision: 1, desired: replicas, max: 1250 })]);
    // The new ReplicaSet's pods come up at once; the old one's status shows its spec of two syncs ago.
    const oldSpecs = [replicas, replicas];
    for (let step = 0; step < 100; step++) {
      const oldBefore = w.rs(oldName)?.spec?.replicas ?? 0;
      await w.sync();
      const sets = w.replicaSets.list(NS);
      expect(sets.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0)).toBeLessThanOrEqual(1250);
      expect(w.rs(oldName)?.spec?.replicas ?? 0).toBeLessThanOrEqual(oldBefore);
      for (const rs of sets) {
        const count = rs.metadata?.name === oldName ? oldSpecs[0] : (rs.spec?.replicas ?? 0);
        w.replicaSets.set({ ...rs, status: { replicas: count, readyReplicas: count, availableReplicas: count, observedGeneration: rs.metadata?.generation } });
      }
      oldSpecs.shift();
      oldSpecs.push(w.rs(oldName)?.spec?.replicas ?? 0);
      if (getCondition(w.deployment().status, 'Progressing')?.reason === 'NewReplicaSetAvailable') break;
    }
    expect(getCondition(w.deployment().status, 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    expect(w.rs(newName)?.spec?.replicas).toBe(replicas);
    expect(w.rs(oldName)?.spec?.replicas).toBe(0);
    expect(w.events.events.filter((e) => e.includes(`Scaled up replica set ${oldName}`))).toEqual([]);
  });
});
