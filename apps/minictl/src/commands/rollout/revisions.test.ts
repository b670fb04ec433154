import { defaultScheme, type appsv1, type corev1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { formatRfc3339 } from './common';
import { pauseChange, restartChange, resumeChange } from './pause-resume-restart';
import { chooseRevision, controllerRevisions, deploymentRevisions, historyTable, sameTemplate, templateText } from './revisions';
import { rollbackAnnotations, templateForRollback } from './undo';

const scheme = defaultScheme();
const owner = { uid: 'uid-web', controller: true, kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };

function template(image: string, hash?: string): corev1.PodTemplateSpec {
  return {
    metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
    spec: { containers: [{ name: 'nginx', image }] },
  };
}

function rs(name: string, revision: string | undefined, image: string, cause?: string, ownerUid = 'uid-web'): appsv1.ReplicaSet {
  const annotations: Record<string, string> = {};
  if (revision !== undefined) annotations['deployment.kubernetes.io/revision'] = revision;
  if (cause) annotations['kubernetes.io/change-cause'] = cause;
  return { metadata: { name, annotations, ownerReferences: [{ ...owner, uid: ownerUid }] }, spec: { template: template(image, name.slice(-4)) } };
}

const deployment: appsv1.Deployment = { metadata: { name: 'web', uid: 'uid-web' } };

describe('deploymentRevisions', () => {
  it('takes the Deployment\'s ReplicaSets in revision order with their change-cause', () => {
    const revisions = deploymentRevisions(deployment, [
      rs('web-bbbb', '2', 'nginx:1.25', 'minictl set image deployment/web nginx=nginx:1.25'),
      rs('web-aaaa', '1', 'nginx:1.24'),
      rs('other-cccc', '3', 'nginx:1.26', undefined, 'uid-other'),
      rs('web-junk', 'x', 'nginx:0'),
    ]);
    expect(revisions.map((r) => [r.revision, r.changeCause, r.source.metadata?.name])).toEqual([
      [1, '', 'web-aaaa'],
      [2, 'minictl set image deployment/web nginx=nginx:1.25', 'web-bbbb'],
    ]);
    expect(revisions[1].template.metadata?.annotations).toEqual({ 'kubernetes.io/change-cause': 'minictl set image deployment/web nginx=nginx:1.25' });
  });

  it('prints the REVISION / CHANGE-CAUSE table, or that there is no history', () => {
    const revisions = deploymentRevisions(deployment, [rs('web-aaaa', '1', 'a'), rs('web-bbbb', '12', 'b', 'scaled up')]);
    expect(historyTable(revisions)).toBe('REVISION  CHANGE-CAUSE\n1         <none>\n12        scaled up\n');
    expect(historyTable([])).toBe('No rollout history found.');
  });
});

describe('controllerRevisions', () => {
  it('reads the template out of each ControllerRevision\'s data', () => {
    const data = { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } };
    const info = scheme.forKind('apps/v1', 'DaemonSet');
    if (!info) throw new Error('no DaemonSet');
    const revisions = controllerRevisions(scheme, info, { metadata: { uid: 'uid-ds' } }, [
      { metadata: { name: 'agent-2', ownerReferences: [{ uid: 'uid-ds', controller: true }], annotations: { 'kubernetes.io/change-cause': 'bump' } }, revision: 2, data: { raw: Buffer.from(JSON.stringify(data)) } },
      { metadata: { name: 'stranger', ownerReferences: [{ uid: 'uid-x', controller: true }] }, revision: 1, data: { raw: Buffer.from('{}') } },
    ]);
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({ revision: 2, changeCause: 'bump', template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } });
  });
});

describe('templateText', () => {
  it('describes a pod template with the tabs kubectl leaves in it', () => {
    const text = templateText(template('nginx:1.25', 'abcd'));
    expect(text).toMatch(/^Pod Template:\n  Labels:\tapp=web\n\tpod-template-hash=abcd\n  Containers:\n   nginx:\n    Image:\tnginx:1\.25\n/);
  });
});

describe('choosing the revision to go back to', () => {
  const revisions = deploymentRevisions(deployment, [rs('web-aaaa', '1', 'a'), rs('web-bbbb', '2', 'b'), rs('web-cccc', '3', 'c')]);

  it('takes the one before the latest, or the one asked for', () => {
    expect(chooseRevision(revisions, 0, 'none').revision).toBe(2);
    expect(chooseRevision(revisions, 1, 'none').revision).toBe(1);
    expect(() => chooseRevision(revisions, 7, 'none')).toThrow('unable to find specified revision 7 in history');
    expect(() => chooseRevision(revisions.slice(0, 1), 0, 'no rollout history found for deployment "web"')).toThrow('no rollout history found for deployment "web"');
  });

  it('compares templates without the pod-template-hash label, and drops it before restoring', () => {
    expect(sameTemplate(scheme, template('a', 'aaaa'), template('a'))).toBe(true);
    expect(sameTemplate(scheme, template('a', 'aaaa'), template('b'))).toBe(false);
    expect(templateForRollback(template('a', 'aaaa')).metadata?.labels).toEqual({ app: 'web' });
  });

  it('keeps the Deployment\'s own annotations and takes the rest from the ReplicaSet', () => {
    expect(
      rollbackAnnotations(
        { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'new', team: 'a' },
        { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '2', 'kubernetes.io/change-cause': 'old' },
      ),
    ).toEqual({ 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'old' });
  });
});

describe('pause, resume and restart', () => {
  const deploy = scheme.forKind('apps/v1', 'Deployment');
  const ds = scheme.forKind('apps/v1', 'DaemonSet');
  const cm = scheme.forKind('v1', 'ConfigMap');
  if (!deploy || !ds || !cm) throw new Error('kinds missing');
  const now = new Date('2024-05-06T07:08:09Z');

  it('pauses and resumes Deployments only, once', () => {
    const d: appsv1.Deployment = { spec: {} };
    expect(pauseChange(deploy, d, now)).toBe(true);
    expect(d.spec?.paused).toBe(true);
    expect(() => pauseChange(deploy, d, now)).toThrow('is already paused');
    expect(resumeChange(deploy, d, now)).toBe(true);
    expect(d.spec?.paused).toBeUndefined();
    expect(() => resumeChange(deploy, d, now)).toThrow('is not paused');
    expect(() => pauseChange(ds, {}, now)).toThrow('pausing is not supported');
  });

  it('stamps the template with restartedAt, and refuses paused Deployments and other kinds', () => {
    const d: appsv1.Deployment = { spec: { template: { metadata: { annotations: { keep: 'me' } } } } };
    expect(restartChange(deploy, d, now)).toBe(true);
    expect(d.spec?.template?.metadata?.annotations).toEqual({ keep: 'me', 'kubectl.kubernetes.io/restartedAt': formatRfc3339(now) });
    expect(restartChange(deploy, d, now)).toBe(false);
    expect(() => restartChange(deploy, { spec: { paused: true } }, now)).toThrow("can't restart paused deployment (run rollout resume first)");
    expect(() => restartChange(cm, {}, now)).toThrow('restarting is not supported');
  });

  it('formats RFC 3339 times in local time, Z in UTC', () => {
    expect(formatRfc3339(now)).toMatch(/^2024-05-0\dT\d\d:\d\d:09(Z|[+-]\d\d:\d\d)$/);
  });
});
