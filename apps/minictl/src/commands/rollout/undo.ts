// minictl rollout undo: put back the pod template of an earlier revision (by default the one before
// the latest). A Deployment also gets the annotations of the ReplicaSet it goes back to.

import type { ApiObject, appsv1, corev1 } from '@minik8s/api';
import type { Command, CommandContext } from '../../context';
import { CliError } from '../../errors';
import { objectRef } from '../../resources';
import { resolveTargets, updateObject, type Target } from '../../targets';
import { groupKind, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from '../../workloads';
import { RESOURCE_FLAGS } from './common';
import { chooseRevision, historyKind, listRevisions, sameTemplate, type Revision } from './revisions';

/** Deployment annotations that belong to the Deployment, not to the revision rolled back to. */
const DEPLOYMENT_OWN_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** The Deployment's annotations after going back to a ReplicaSet: its own kept, the rest from the ReplicaSet. */
export function rollbackAnnotations(deployment: Record<string, string> | undefined, replicaSet: Record<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(deployment ?? {})) if (DEPLOYMENT_OWN_ANNOTATIONS.has(k)) result[k] = v;
  for (const [k, v] of Object.entries(replicaSet ?? {})) if (!DEPLOYMENT_OWN_ANNOTATIONS.has(k)) result[k] = v;
  return result;
}

/** The template to put back: the revision's, without the ReplicaSet's pod-template-hash label. */
export function templateForRollback(template: corev1.PodTemplateSpec): corev1.PodTemplateSpec {
  const copy = structuredClone(template);
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return copy;
}

type Templated = ApiObject & { spec?: { template?: corev1.PodTemplateSpec; paused?: boolean } };

/** Rolls one object back; resolves to kubectl's outcome text (`rolled back`, `skipped rollback (…)`). */
async function rollback(ctx: CommandContext, target: Target, toRevision: number): Promise<string> {
  const kind = historyKind(target.info);
  if (!kind) throw new CliError(`no rollbacker has been implemented for ${groupKind(target.info)}`);
  const client = ctx.client();
  const obj = (await client.get(target.info, target.namespace, target.name)) as Templated;
  if (kind === 'replicasets' && obj.spec?.paused) {
    throw new CliError("you cannot rollback a paused deployment; resume it first with 'minictl rollout resume' and try again");
  }
  const revisions = await listRevisions(client, ctx.scheme, target.info, obj);
  const noHistory = kind === 'replicasets' ? `no rollout history found for deployment "${target.name}"` : `unable to find specified revision ${toRevision} in history`;
  const chosen: Revision = chooseRevision(revisions, toRevision, noHistory);
  const skipped = `skipped rollback (current template already matches revision ${chosen.revision})`;
  // The ReplicaSet's template (with its change-cause stripped back off) is what the Deployment had.
  const template = templateForRollback(kind === 'replicasets' ? ((chosen.source as appsv1.ReplicaSet).spec?.template ?? {}) : chosen.template);
  if (sameTemplate(ctx.scheme, template, obj.spec?.template)) return skipped;
  const { changed } = await updateObject<Templated>(ctx, target, (current) => {
    if (sameTemplate(ctx.scheme, template, current.spec?.template)) return false;
    current.spec = { ...current.spec, template: structuredClone(template) };
    if (kind === 'replicasets') {
      current.metadata = { ...current.metadata, annotations: rollbackAnnotations(current.metadata?.annotations, chosen.source.metadata?.annotations) };
    }
    return true;
  });
  return changed ? 'rolled back' : skipped;
}

async function run(ctx: CommandContext): Promise<void> {
  const toRevision = ctx.args.int('to-revision');
  const targets = await resolveTargets(ctx, ctx.args.positionals, 'rollout undo');
  for (const target of targets) {
    try {
      const outcome = await rollback(ctx, target, toRevision);
      ctx.out(`${objectRef(target.info, target.name)} ${outcome}\n`);
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const rolloutUndoCommand: Command = {
  name: 'undo',
  summary: 'Undo a previous rollout',
  usage: `Roll back to a previous rollout.

Examples:
  # Roll back to the previous deployment
  minictl rollout undo deployment/abc

  # Roll back to daemonset revision 3
  minictl rollout undo daemonset/abc --to-revision=3

Usage:
  minictl rollout undo (TYPE NAME | TYPE/NAME) [flags] [options]
`,
  flags: [
    { name: 'to-revision', type: 'int', default: 0, description: 'The revision to rollback to. Default to 0 (last revision).' },
    ...RESOURCE_FLAGS,
  ],
  run,
};
