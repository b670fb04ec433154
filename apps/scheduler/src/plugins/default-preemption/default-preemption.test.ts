import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { CycleState } from '../../framework/cycle-state';
import { Framework } from '../../framework/framework';
import { NodeToStatus } from '../../framework/interfaces';
import { PodInfo } from '../../framework/pod-info';
import { Code } from '../../framework/status';
import { newTestHandle } from '../../testing/fake-handle';
import { fakeClient, type RecordedCall } from '../../testing/fake-client';
import { makeNode, makePod } from '../../testing/wrappers';
import { moreImportantPod, selectCandidate, type Candidate } from '../../preemption/evaluator';
import { DEFAULT_PLUGINS, inTreeRegistry } from '../registry';
import type { DefaultPreemption } from './default-preemption';

interface Setup {
  nodes: corev1.Node[];
  pods: corev1.Pod[];
}

/** Runs Filter over every node (as a cycle would), then PostFilter with what it found. */
async function preempt(setup: Setup, preemptor: corev1.Pod) {
  const calls: RecordedCall[] = [];
  const handle = { ...newTestHandle({ nodes: setup.nodes, pods: [...setup.pods, preemptor] }), client: fakeClient(calls) };
  const fw = new Framework(inTreeRegistry(), { schedulerName: 'default-scheduler', plugins: DEFAULT_PLUGINS }, handle);
  const pod = new PodInfo(preemptor);
  const state = new CycleState();
  const nodes = handle.snapshot().list();
  const pre = fw.runPreFilterPlugins(state, pod, nodes);
  expect(pre.status).toBeNull();
  const statuses = new NodeToStatus();
  for (const n of nodes) {
    const s = fw.runFilterPluginsWithNominatedPods(state, pod, n);
    if (s) statuses.set(n.name, s);
  }
  const plugin = fw.pluginByName('DefaultPreemption') as DefaultPreemption;
  const out = await plugin.postFilter(state, pod, statuses);
  return { out, calls, deleted: calls.filter((c) => c.verb === 'delete').map((c) => c.name).sort(), events: handle.events };
}

const small = (name: string) => makeNode(name).capacity({ cpu: '1', memory: '1Gi' });

describe('DefaultPreemption', () => {
  it('evicts the lower-priority pod and nominates its node', async () => {
    const { out, calls, deleted, events } = await preempt(
      { nodes: [small('n1').obj()], pods: [makePod('low').priority(1).req({ cpu: '800m' }).node('n1').obj()] },
      makePod('high').priority(100).req({ cpu: '500m' }).obj(),
    );
    expect(out.status.code).toBe(Code.Success);
    expect(out.result?.nominatedNodeName).toBe('n1');
    expect(deleted).toEqual(['low']);
    const patch = calls.find((c) => c.verb === 'patch' && c.name === 'low');
    expect(patch?.subresource).toBe('status');
    expect(JSON.stringify(patch?.body)).toContain('PreemptionByScheduler');
    expect(events.map((e) => `${e.reason}: ${e.message}`)).toEqual(['Preempted: Preempted by pod uid-high on node n1']);
  });

  it('evicts as few pods as possible, least important first', async () => {
    const { out, deleted } = await preempt(
      {
        nodes: [small('n1').obj()],
        pods: [
          makePod('p1').priority(1).req({ cpu: '300m' }).node('n1').obj(),
          makePod('p5').priority(5).req({ cpu: '300m' }).node('n1').obj(),
          makePod('p3').priority(3).req({ cpu: '300m' }).node('n1').obj(),
        ],
      },
      makePod('high').priority(100).req({ cpu: '400m' }).obj(),
    );
    expect(out.result?.nominatedNodeName).toBe('n1');
    expect(deleted).toEqual(['p1']);
  });

  it('picks the node whose victims matter least', async () => {
    const { out, deleted } = await preempt(
      {
        nodes: [small('n1').obj(), small('n2').obj()],
        pods: [makePod('mid').priority(50).req({ cpu: '900m' }).node('n1').obj(), makePod('low').priority(10).req({ cpu: '900m' }).node('n2').obj()],
      },
      makePod('high').priority(100).req({ cpu: '500m' }).obj(),
    );
    expect(out.result?.nominatedNodeName).toBe('n2');
    expect(deleted).toEqual(['low']);
  });

  it('never evicts pods of equal or higher priority', async () => {
    const { out, deleted } = await preempt(
      { nodes: [small('n1').obj()], pods: [makePod('same').priority(100).req({ cpu: '900m' }).node('n1').obj()] },
      makePod('high').priority(100).req({ cpu: '500m' }).obj(),
    );
    expect(out.status.code).toBe(Code.Unschedulable);
    expect(out.status.message()).toBe('preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
    expect(out.result?.nominatedNodeName).toBe('');
    expect(deleted).toEqual([]);
  });

  it('does not help against taints', async () => {
    const { out } = await preempt(
      { nodes: [small('n1').taint('dedicated', 'gpu', 'NoSchedule').obj()], pods: [makePod('low').priority(1).node('n1').obj()] },
      makePod('high').priority(100).req({ cpu: '500m' }).obj(),
    );
    expect(out.status.message()).toBe('preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
  });

  it('respects preemptionPolicy Never', async () => {
    const { out, deleted } = await preempt(
      { nodes: [small('n1').obj()], pods: [makePod('low').priority(1).req({ cpu: '900m' }).node('n1').obj()] },
      makePod('high').priority(100).preemptionPolicy('Never').req({ cpu: '500m' }).obj(),
    );
    expect(out.status.message()).toBe('preemption: not eligible due to preemptionPolicy=Never.');
    expect(deleted).toEqual([]);
  });

  it('waits while its earlier victims are still terminating', async () => {
    const victim = makePod('low').priority(1).req({ cpu: '900m' }).node('n1').terminating().obj();
    victim.status = { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] };
    const { out, deleted } = await preempt({ nodes: [small('n1').obj()], pods: [victim] }, makePod('high').priority(100).nominatedNodeName('n1').req({ cpu: '500m' }).obj());
    expect(out.status.message()).toBe('preemption: not eligible due to a terminating pod on the nominated node.');
    expect(deleted).toEqual([]);
  });

  it('orders candidates by highest victim priority, sum, count', () => {
    const v = (name: string, priority: number) => new PodInfo(makePod(name).priority(priority).obj());
    const cands: Candidate[] = [
      { nodeName: 'a', victims: [v('a1', 10), v('a2', 1)] },
      { nodeName: 'b', victims: [v('b1', 10)] },
      { nodeName: 'c', victims: [v('c1', 20)] },
    ];
    expect(selectCandidate(cands).nodeName).toBe('b');
    expect(moreImportantPod(v('x', 5), v('y', 1))).toBe(true);
  });
});
