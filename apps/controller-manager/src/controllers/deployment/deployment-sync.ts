import { isAlreadyExists, isForbidden, isNotFound, type appsv1, type corev1 } from '@minik8s/api';
import type { Clock, Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { controllerRef, isControlledBy } from '../../shared/controller-ref';
import { DEPRECATED_ROLLBACK_TO_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, REVISION_ANNOTATION, intAnnotation, revisionOf } from './annotations';
import type { DeploymentClient, EventSink } from './deployment-client';
import {
  FAILED_RS_CREATE_REASON,
  FOUND_NEW_RS_REASON,
  NEW_REPLICA_SET_REASON,
  PAUSED_DEPLOY_REASON,
  PROGRESSING,
  RESUMED_DEPLOY_REASON,
  TIMED_OUT_REASON,
  calculateStatus,
  deploymentComplete,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  newCondition,
  progressCheckDelayMs,
  rolloutStatus,
  setCondition,
  statusEqual,
} from './deployment-status';
import { activeReplicaSets, deploymentReplicas, findActiveOrLatest, findNewReplicaSet, findOldReplicaSets, specReplicas } from './replica-sets';
import {
  MAX_REV_HISTORY_LENGTH_IN_CHARS,
  lastRevision,
  maxRevision,
  replicaSetsToPrune,
  replicasAnnotationsFor,
  replicasAnnotationsNeedUpdate,
  rollbackTo,
  setDeploymentAnnotationsTo,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './revisions';
import { RECREATE, ROLLING_UPDATE, isRollingUpdate, isSaturated, newRSNewReplicas, oldPodsRunning, planOldScaleDown, planProportionalScale } from './rollout-math';
import { POD_TEMPLATE_HASH_LABEL, computeHash, equalIgnoreHash, templateWithoutHash } from './template-hash';

type ReplicaSet = appsv1.ReplicaSet;
type Deployment = appsv1.Deployment;
type DeploymentStatus = appsv1.DeploymentStatus;

/** What one sync of a Deployment works with, besides the Deployment and its ReplicaSets. */
export interface SyncEnvironment {
  key: string;
  client: DeploymentClient;
  events: EventSink;
  logger: Logger;
  clock: Clock;
  /** The ReplicaSet cache, to tell a hash collision from our own ReplicaSet after AlreadyExists. */
  replicaSets: Lister<ReplicaSet>;
  /** Look at this Deployment again after `ms` (a progress deadline check). */
  requeueAfter(key: string, ms: number): void;
  /** Look at it again soon, with back-off. */
  requeueRateLimited(key: string): void;
}

interface Found {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/**
 * One pass of Kubernetes' syncDeployment over a claimed set of ReplicaSets: in order, deletion
 * (status only), paused (scaling only), a rollback request, a scaling event, else a rollout step
 * by the strategy. `d` is this sync's own copy of the Deployment; each write's answer replaces its
 * metadata, so later writes in the same pass carry the current resourceVersion. The ReplicaSets
 * written are tracked the same way.
 */
export class DeploymentSync {
  private d: Deployment;
  private rsList: ReplicaSet[];

  constructor(
    private readonly env: SyncEnvironment,
    deployment: Deployment,
    rsList: readonly ReplicaSet[],
    /** The Deployment's pods, by the uid of the ReplicaSet that controls them. */
    private readonly podMap: ReadonlyMap<string, readonly corev1.Pod[]>,
  ) {
    this.d = deployment;
    this.rsList = [...rsList];
  }

  async run(): Promise<void> {
    if (this.d.metadata?.deletionTimestamp) return this.syncStatusOnly();
    await this.checkPausedConditions();
    if (this.d.spec?.paused) return this.sync();
    if (rollbackTo(this.d) !== undefined) return this.rollback();
    if (await this.isScalingEvent()) return this.sync();
    switch (this.d.spec?.strategy?.type) {
      case RECREATE:
        return this.rolloutRecreate();
      case ROLLING_UPDATE:
        return this.rolloutRolling();
      default:
        throw new Error(`unexpected deployment strategy type: ${this.d.spec?.strategy?.type}`);
    }
  }

  // ---- bookkeeping ----

  private now(): number {
    return this.env.clock.now();
  }

  private get namespace(): string {
    return this.d.metadata?.namespace ?? '';
  }

  private get name(): string {
    return this.d.metadata?.name ?? '';
  }

  /** Remembers a ReplicaSet as written; returns it. */
  private track(rs: ReplicaSet): ReplicaSet {
    const i = this.rsList.findIndex((x) => x.metadata?.uid === rs.metadata?.uid);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
    return rs;
  }

  private forget(rs: ReplicaSet): void {
    this.rsList = this.rsList.filter((x) => x.metadata?.uid !== rs.metadata?.uid);
  }

  /** The ReplicaSet as last written in this sync. */
  private latest<T extends ReplicaSet | undefined>(rs: T): T {
    if (!rs) return rs;
    return (this.rsList.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs) as T;
  }

  private async event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await this.env.events.event(this.d, type, reason, message);
  }

  /** Writes `status` (default: the working status) through the status subresource. */
  private async writeStatus(status: DeploymentStatus | undefined = this.d.status): Promise<void> {
    const written = await this.env.client.updateDeploymentStatus({ ...this.d, status });
    this.d = { ...this.d, metadata: written.metadata ?? this.d.metadata, status };
  }

  /**
   * Writes the revision annotation. Kubernetes does it through the status subresource; here status
   * writes carry status only, so this is an ordinary (pinned) patch, which moves the generation on.
   */
  private async writeRevision(): Promise<void> {
    const meta = this.d.metadata ?? {};
    const written = await this.env.client.patchDeployment(this.namespace, this.name, {
      metadata: { uid: meta.uid, resourceVersion: meta.resourceVersion, annotations: { [REVISION_ANNOTATION]: meta.annotations?.[REVISION_ANNOTATION] } },
    });
    this.d = { ...this.d, metadata: written.metadata ?? meta };
  }

  // ---- the ReplicaSets: new, old, revisions ----

  /**
   * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked and missing) with its
   * revision brought up to date, and every old one.
   */
  private async getAllReplicaSetsAndSyncRevision(createIfMissing: boolean): Promise<Found> {
    const oldRSs = findOldReplicaSets(this.d, this.rsList);
    const newRS = await this.getNewReplicaSet(oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(oldRSs: readonly ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const existing = findNewReplicaSet(d, this.rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);

    if (existing) {
      const rsCopy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true, MAX_REV_HISTORY_LENGTH_IN_CHARS);
      const minReadySeconds = d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (rsCopy.spec?.minReadySeconds ?? 0) !== minReadySeconds) {
        rsCopy.spec = { ...rsCopy.spec, minReadySeconds };
        return this.track(await this.env.client.updateReplicaSet(rsCopy));
      }
      // The ReplicaSet's revision was settled before: the Deployment takes it.
      const working = structuredClone(d);
      const revisionChanged = setDeploymentRevision(working, rsCopy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
      let statusChanged = false;
      if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
        const msg = `Found new replica set "${rsCopy.metadata?.name}"`;
        working.status = setCondition(working.status ?? {}, newCondition(PROGRESSING, 'True', FOUND_NEW_RS_REASON, msg, this.now()));
        statusChanged = true;
      }
      this.d = working;
      if (revisionChanged) await this.writeRevision();
      if (statusChanged) await this.writeStatus();
      return rsCopy;
    }

    if (!createIfMissing) return undefined;

    // The new ReplicaSet: the template with its hash as a label, in the name and in the selector.
    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    template.metadata = { ...template.metadata, labels };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        // Deterministic, so that a retry after a lost answer finds what it created.
        name: `${this.name}-${hash}`,
        namespace: this.namespace,
        ownerReferences: [controllerRef(d, 'apps/v1', 'Deployment')],
        labels: { ...labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec = { ...newRS.spec, replicas };
    setNewReplicaSetAnnotations(d, newRS, newRevision, false, MAX_REV_HISTORY_LENGTH_IN_CHARS);
    const rsName = newRS.metadata?.name ?? '';

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.env.client.createReplicaSet(this.namespace, newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        // A slow cache, or a hash collision with a ReplicaSet of another template.
        const found = this.env.replicaSets.get(this.namespace, rsName);
        if (!found) throw err;
        if (isControlledBy(found, d) && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
          created = this.track(found);
          alreadyExists = true;
        } else {
          const before = d.status?.collisionCount ?? 0;
          const status: DeploymentStatus = { ...d.status, collisionCount: before + 1 };
          try {
            await this.writeStatus(status);
            this.env.logger.info({ deployment: this.env.key, oldCollisionCount: before, newCollisionCount: before + 1 }, 'found a hash collision for deployment - bumping collisionCount to resolve it');
          } catch {
            // The AlreadyExists below requeues; the count is bumped then.
          }
          throw err;
        }
      } else if (isNamespaceTerminating(err)) {
        throw err;
      } else {
        const msg = `Failed to create new replica set "${rsName}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = setCondition(d.status ?? {}, newCondition(PROGRESSING, 'False', FAILED_RS_CREATE_REASON, msg, this.now()));
          // The creation error is the one to report.
          await this.writeStatus(status).catch(() => undefined);
        }
        await this.event('Warning', FAILED_RS_CREATE_REASON, msg);
        throw err;
      }
    }
    created = this.track(created);
    if (!alreadyExists && replicas > 0) {
      await this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} to ${replicas}`);
    }

    const working = structuredClone(this.d);
    const revisionChanged = setDeploymentRevision(working, newRevision);
    let statusChanged = false;
    if (!alreadyExists && hasProgressDeadline(working)) {
      const msg = `Created new replica set "${created.metadata?.name}"`;
      working.status = setCondition(working.status ?? {}, newCondition(PROGRESSING, 'True', NEW_REPLICA_SET_REASON, msg, this.now()));
      statusChanged = true;
    }
    this.d = working;
    if (revisionChanged) await this.writeRevision();
    if (statusChanged) await this.writeStatus();
    return created;
  }

  // ---- scaling ----

  /**
   * Sizes a ReplicaSet and refreshes its replica annotations (scaleReplicaSet); records a
   * ScalingReplicaSet event when the size changed. Returns whether it did, and the ReplicaSet.
   */
  private async scaleReplicaSet(rs: ReplicaSet, replicas: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const current = specReplicas(rs);
    const sizeNeedsUpdate = current !== replicas;
    const { desired, max } = replicasAnnotationsFor(this.d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec, replicas };
    setReplicasAnnotations(copy, desired, max);
    const updated = this.track(await this.env.client.updateReplicaSet(copy));
    if (sizeNeedsUpdate) {
      const direction = replicas > current ? 'up' : 'down';
      await this.event('Normal', 'ScalingReplicaSet', `Scaled ${direction} replica set ${updated.metadata?.name ?? rs.metadata?.name} to ${replicas}`);
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** scaleReplicaSetAndRecordEvent: nothing at all when the size is right already. */
  private async scaleIfNeeded(rs: ReplicaSet, replicas: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === replicas) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, replicas);
  }

  /**
   * Kubernetes' scale(): for scaling events and paused Deployments. One active ReplicaSet (or
   * none: the newest) takes spec.replicas; a saturated new one leaves the old ones nothing; else a
   * rolling Deployment spreads the change proportionally.
   */
  private async scale(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Promise<void> {
    const d = this.d;
    const replicas = deploymentReplicas(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      // Kubernetes returns early when the size is right; refreshing the replica annotations too
      // keeps a ReplicaSet sized by hand from making every later sync look like a scaling event.
      await this.scaleReplicaSet(activeOrLatest, replicas);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleIfNeeded(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const plan = planProportionalScale(d, activeReplicaSets([...oldRSs, newRS]));
    for (const { rs, replicas: size } of plan.sizes) await this.scaleReplicaSet(this.latest(rs), size);
  }

  /**
   * cleanupDeployment: deletes the oldest old ReplicaSets beyond revisionHistoryLimit once they
   * run nothing. Stops at the first failure, rather than pressing on against a struggling apiserver.
   */
  private async cleanupDeployment(oldRSs: readonly ReplicaSet[]): Promise<void> {
    if (!hasRevisionHistoryLimit(this.d)) return;
    for (const rs of replicaSetsToPrune(oldRSs.map((x) => this.latest(x)), this.d.spec?.revisionHistoryLimit)) {
      this.env.logger.debug({ deployment: this.env.key, replicaSet: rs.metadata?.name }, 'cleaning up old replica set');
      try {
        await this.env.client.deleteReplicaSet(this.namespace, rs.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.forget(rs);
    }
  }

  /** syncDeploymentStatus: counts and Available, without estimating progress. */
  private async syncDeploymentStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(allRSs.map((rs) => this.latest(rs)), this.latest(newRS), this.d, this.now());
    if (statusEqual(this.d.status, status)) return;
    await this.writeStatus(status);
  }

  /** syncRolloutStatus: counts, Available and Progressing; an unchanged stuck rollout is looked at again at its deadline. */
  private async syncRolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = rolloutStatus(allRSs.map((rs) => this.latest(rs)), this.latest(newRS), this.d, this.now());
    if (!statusEqual(this.d.status, status)) {
      await this.writeStatus(status);
      return;
    }
    const remaining = progressCheckDelayMs(this.d, status, this.now());
    if (remaining === undefined) return;
    if (remaining <= 0) {
      this.env.requeueRateLimited(this.env.key);
    } else {
      // A second more, so that the deadline has surely passed when it is checked (Kubernetes
      // checks "now" with back-off in the last second instead).
      this.env.requeueAfter(this.env.key, remaining + 1000);
    }
  }

  // ---- the branches of syncDeployment ----

  private async syncStatusOnly(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** For scaling events and paused Deployments: scale, prune history while paused, write status. */
  private async sync(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused && rollbackTo(this.d) === undefined) await this.cleanupDeployment(oldRSs);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /**
   * checkPausedConditions: pausing sets Progressing Unknown/DeploymentPaused and resuming
   * Unknown/DeploymentResumed, so that the time spent paused never counts against the deadline.
   * A timed-out rollout keeps saying so.
   */
  private async checkPausedConditions(): Promise<void> {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, PROGRESSING);
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCondExists = cond?.reason === PAUSED_DEPLOY_REASON;
    let status: DeploymentStatus | undefined;
    if (d.spec?.paused && !pausedCondExists) {
      status = setCondition(d.status ?? {}, newCondition(PROGRESSING, 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused', this.now()));
    } else if (!d.spec?.paused && pausedCondExists) {
      status = setCondition(d.status ?? {}, newCondition(PROGRESSING, 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed', this.now()));
    }
    if (status) await this.writeStatus(status);
  }

  /** isScalingEvent: an active ReplicaSet was sized for another spec.replicas than the current. */
  private async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    const replicas = deploymentReplicas(this.d);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
      return desired !== undefined && desired !== replicas;
    });
  }

  /**
   * A rolling step: grow the new ReplicaSet within maxSurge; else shrink old ones within
   * maxUnavailable; else, once complete, prune history. Then the rollout status.
   */
  private async rolloutRolling(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(true);
    if (!newRS) throw new Error(`deployment ${this.env.key}: no new replica set`);
    const allRSs = (): ReplicaSet[] => [...oldRSs, newRS].map((rs) => this.latest(rs));

    if (await this.reconcileNewReplicaSet(allRSs(), newRS)) return this.syncRolloutStatus(allRSs(), newRS);
    if (await this.reconcileOldReplicaSets(allRSs(), activeReplicaSets(oldRSs.map((rs) => this.latest(rs))), this.latest(newRS))) {
      return this.syncRolloutStatus(allRSs(), newRS);
    }
    if (deploymentComplete(this.d, this.d.status)) await this.cleanupDeployment(oldRSs);
    return this.syncRolloutStatus(allRSs(), newRS);
  }

  /** reconcileNewReplicaSet: down to spec.replicas if above, else up as far as maxSurge allows. */
  private async reconcileNewReplicaSet(allRSs: readonly ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const replicas = deploymentReplicas(this.d);
    const current = specReplicas(newRS);
    if (current === replicas) return false;
    const target = current > replicas ? replicas : newRSNewReplicas(this.d, allRSs, newRS);
    return (await this.scaleIfNeeded(newRS, target)).scaled;
  }

  /** reconcileOldReplicaSets: the steps planOldScaleDown allows, in order. */
  private async reconcileOldReplicaSets(allRSs: readonly ReplicaSet[], oldActive: readonly ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    let scaled = false;
    for (const step of planOldScaleDown(this.d, allRSs, oldActive, newRS)) {
      const result = await this.scaleIfNeeded(this.latest(step.rs), step.replicas);
      scaled ||= result.scaled;
    }
    return scaled;
  }

  /**
   * Recreate: scale every old ReplicaSet to 0; once no old pod runs, create (or scale up) the new
   * one to spec.replicas. The new ReplicaSet is not even created before then.
   */
  private async rolloutRecreate(): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    const allRSs = (): (ReplicaSet | undefined)[] => [...oldRSs, newRS].map((rs) => this.latest(rs));

    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) {
      if ((await this.scaleIfNeeded(rs, 0)).scaled) scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(allRSs(), newRS);
    if (oldPodsRunning(this.latest(newRS), oldRSs.map((rs) => this.latest(rs)), this.podMap)) return this.syncRolloutStatus(allRSs(), newRS);

    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(true));
    if (newRS) await this.scaleIfNeeded(this.latest(newRS), deploymentReplicas(this.d));
    if (deploymentComplete(this.d, this.d.status)) await this.cleanupDeployment(oldRSs);
    return this.syncRolloutStatus(allRSs(), newRS);
  }

  /**
   * The deprecated rollbackTo request (an annotation since apps/v1): copy the template (and the
   * annotations) of the ReplicaSet with that revision, 0 meaning the previous one, into the
   * Deployment, and drop the request. The next sync then finds that ReplicaSet new again.
   */
  private async rollback(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(true);
    const allRSs = [...oldRSs, newRS].map((rs) => this.latest(rs));
    let revision = rollbackTo(this.d) ?? 0;
    if (revision === 0) {
      revision = lastRevision(allRSs);
      if (revision === 0) {
        await this.event('Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find last revision.');
        return this.updateDeploymentAndClearRollbackTo(this.d);
      }
    }
    const target = allRSs.find((rs): rs is ReplicaSet => !!rs && revisionOf(rs) === revision);
    if (!target) {
      await this.event('Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find the revision to rollback to.');
      return this.updateDeploymentAndClearRollbackTo(this.d);
    }
    const working = structuredClone(this.d);
    if (equalIgnoreHash(working.spec?.template, target.spec?.template)) {
      await this.event('Warning', 'DeploymentRollbackTemplateUnchanged', `The rollback revision contains the same template as current deployment "${this.name}"`);
      return this.updateDeploymentAndClearRollbackTo(working);
    }
    working.spec = { ...working.spec, template: templateWithoutHash(target.spec?.template) };
    // The change-cause and other annotations follow the template back.
    setDeploymentAnnotationsTo(working, target);
    await this.updateDeploymentAndClearRollbackTo(working);
    await this.event('Normal', 'DeploymentRollback', `Rolled back deployment "${this.name}" to revision ${revision}`);
  }

  private async updateDeploymentAndClearRollbackTo(d: Deployment): Promise<void> {
    const working = structuredClone(d);
    const annotations = { ...(working.metadata?.annotations ?? {}) };
    delete annotations[DEPRECATED_ROLLBACK_TO_ANNOTATION];
    working.metadata = { ...working.metadata, annotations };
    const written = await this.env.client.updateDeployment(working);
    this.d = { ...working, metadata: written.metadata ?? working.metadata };
  }
}

/** A create refused because the namespace is terminating: every create would fail alike. */
function isNamespaceTerminating(err: unknown): boolean {
  if (!isForbidden(err)) return false;
  const causes = (err as { details?: { causes?: { type?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.type === 'NamespaceTerminating') || /because it is being terminated/.test((err as Error).message);
}
