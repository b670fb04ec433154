import { describe, expect, it } from 'vitest';
import { JsonPath, relaxedJsonPathExpression } from '../printers/jsonpath';
import {
  hasCondition,
  jsonPathMatches,
  parseWaitCondition,
  parseWaitTimeout,
  splitJsonPathInput,
  WEEK_MS,
} from './wait-command';
import { runOffline as cli } from '../test-context';

describe('parseWaitCondition', () => {
  it('reads delete and create in any case', () => {
    expect(parseWaitCondition('delete')).toEqual({ kind: 'delete' });
    expect(parseWaitCondition('DELETE')).toEqual({ kind: 'delete' });
    expect(parseWaitCondition('Create')).toEqual({ kind: 'create' });
  });

  it('reads a condition, its value defaulting to true', () => {
    expect(parseWaitCondition('condition=Ready')).toEqual({ kind: 'condition', name: 'Ready', value: 'true' });
    expect(parseWaitCondition('condition=Available=false')).toEqual({ kind: 'condition', name: 'Available', value: 'false' });
    // Only the first = separates name and value.
    expect(parseWaitCondition('condition=a=b=c')).toEqual({ kind: 'condition', name: 'a', value: 'b=c' });
  });

  it('reads a JSONPath with or without a value; == stays inside the expression', () => {
    const phase = parseWaitCondition('jsonpath={.status.phase}=Running');
    expect(phase).toMatchObject({ kind: 'jsonpath', value: 'Running' });
    expect(phase.kind === 'jsonpath' && phase.path.template).toBe('{.status.phase}');
    const ready = parseWaitCondition('jsonpath={.status.conditions[?(@.type=="Ready")].status}=True');
    expect(ready.kind === 'jsonpath' && ready.path.template).toBe('{.status.conditions[?(@.type=="Ready")].status}');
    expect(ready).toMatchObject({ value: 'True' });
    const any = parseWaitCondition("jsonpath='{.status.loadBalancer.ingress}'".replace(/'/g, ''));
    expect(any).toMatchObject({ kind: 'jsonpath', value: undefined });
    // Quotes around the value are dropped, and the relaxed forms are accepted.
    expect(parseWaitCondition(`jsonpath=.status.phase="Running"`)).toMatchObject({ value: 'Running' });
    expect(parseWaitCondition('jsonpath=status.readyReplicas=3').kind === 'jsonpath').toBe(true);
  });

  it('refuses what kubectl refuses, with its messages', () => {
    expect(() => parseWaitCondition('foo')).toThrow('unrecognized condition: "foo"');
    expect(() => parseWaitCondition('')).toThrow('unrecognized condition: ""');
    expect(() => parseWaitCondition('Condition=Ready')).toThrow('unrecognized condition: "Condition=Ready"');
    expect(() => parseWaitCondition('jsonpath={.a}=1=2')).toThrow("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'");
    expect(() => parseWaitCondition('jsonpath={.a}=')).toThrow("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3");
    expect(() => parseWaitCondition('jsonpath=')).toThrow('jsonpath expression cannot be empty');
    expect(() => parseWaitCondition('jsonpath={.a}{.b}')).toThrow("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
    expect(() => parseWaitCondition('jsonpath={.a[}')).toThrow();
  });
});

describe('splitJsonPathInput and relaxedJsonPathExpression', () => {
  it('split on single = only, as kubectl', () => {
    expect(splitJsonPathInput('a.b.c====d.e.f===g.h.i===')).toEqual(['a.b.c====d.e.f==', 'g.h.i==', '']);
    expect(splitJsonPathInput('{.a}')).toEqual(['{.a}']);
  });

  it('relax the path forms kubectl accepts', () => {
    expect(relaxedJsonPathExpression('{.a.b}')).toBe('{.a.b}');
    expect(relaxedJsonPathExpression('{a.b}')).toBe('{.a.b}');
    expect(relaxedJsonPathExpression('.a.b')).toBe('{.a.b}');
    expect(relaxedJsonPathExpression('a.b')).toBe('{.a.b}');
    expect(relaxedJsonPathExpression('')).toBe('');
  });
});

describe('parseWaitTimeout', () => {
  it('reads Go durations; 0 checks once; a negative one means a week', () => {
    expect(parseWaitTimeout('30s')).toBe(30_000);
    expect(parseWaitTimeout('1m30s')).toBe(90_000);
    expect(parseWaitTimeout('0')).toBe(0);
    expect(parseWaitTimeout('-1s')).toBe(WEEK_MS);
    expect(parseWaitTimeout('-0s')).toBe(0);
  });

  it('refuses a bad one as pflag does', () => {
    expect(() => parseWaitTimeout('soon')).toThrow('invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"');
    expect(() => parseWaitTimeout('-soon')).toThrow('invalid argument "-soon" for "--timeout" flag: time: invalid duration "-soon"');
    expect(() => parseWaitTimeout('-1')).toThrow('invalid argument "-1" for "--timeout" flag: time: missing unit in duration "-1"');
  });
});

describe('hasCondition', () => {
  const pod = (conditions: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ metadata: { name: 'p', ...extra }, status: { conditions } });

  it('matches type and status ignoring case, status defaulting to true', () => {
    const ready = pod([{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }]);
    expect(hasCondition(ready, 'Ready', 'true')).toBe(true);
    expect(hasCondition(ready, 'ready', 'TRUE')).toBe(true);
    expect(hasCondition(ready, 'Ready', 'false')).toBe(false);
    expect(hasCondition(ready, 'Initialized', 'true')).toBe(false);
    expect(hasCondition(pod([{ type: 'Available', status: 'False' }]), 'Available', 'false')).toBe(true);
  });

  it('is false without conditions', () => {
    expect(hasCondition({ metadata: {} }, 'Ready', 'true')).toBe(false);
    expect(hasCondition({ status: { conditions: 'nope' } }, 'Ready', 'true')).toBe(false);
  });

  it('ignores a condition observed for an older generation', () => {
    expect(hasCondition(pod([{ type: 'Ready', status: 'True', observedGeneration: 1 }], { generation: 2 }), 'Ready', 'true')).toBe(false);
    expect(hasCondition(pod([{ type: 'Ready', status: 'True', observedGeneration: 2 }], { generation: 2 }), 'Ready', 'true')).toBe(true);
    const stale = { metadata: { generation: 3 }, status: { observedGeneration: 2, conditions: [{ type: 'Available', status: 'True' }] } };
    expect(hasCondition(stale, 'Available', 'true')).toBe(false);
    expect(hasCondition({ ...stale, status: { ...stale.status, observedGeneration: 3 } }, 'Available', 'true')).toBe(true);
  });
});

describe('jsonPathMatches', () => {
  const obj = { status: { phase: 'Running', readyReplicas: 3, ingress: [], conditions: [{ type: 'Ready', status: 'True' }, { type: 'X', status: 'True' }] } };

  it('compares the value as text, trimmed', () => {
    expect(jsonPathMatches(obj, new JsonPath('{.status.phase}'), 'Running')).toBe(true);
    expect(jsonPathMatches(obj, new JsonPath('{.status.phase}'), 'Pending')).toBe(false);
    expect(jsonPathMatches(obj, new JsonPath('{.status.readyReplicas}'), '3')).toBe(true);
    expect(jsonPathMatches(obj, new JsonPath('{.status.conditions[?(@.type=="Ready")].status}'), 'True')).toBe(true);
  });

  it('without a value, any value found will do; a missing one is not met', () => {
    expect(jsonPathMatches(obj, new JsonPath('{.status.ingress}'), undefined)).toBe(true);
    expect(jsonPathMatches(obj, new JsonPath('{.status.missing}'), undefined)).toBe(false);
    expect(jsonPathMatches(obj, new JsonPath('{.status.missing}'), 'x')).toBe(false);
  });

  it('refuses several values and nested ones', () => {
    expect(() => jsonPathMatches(obj, new JsonPath('{.status.conditions[*].status}'), 'True')).toThrow('given jsonpath expression matches more than one value');
    expect(() => jsonPathMatches(obj, new JsonPath('{.status.conditions}'), 'True')).toThrow('jsonpath leads to a nested object or list which is not supported');
  });
});

describe('minictl wait, before talking to the server', () => {
  it('names an unrecognized condition', async () => {
    expect(await cli(['wait', 'pod/web-0', '--for=foo'])).toEqual({ code: 1, stdout: '', stderr: 'error: unrecognized condition: "foo"\n' });
    expect(await cli(['wait', 'pod/web-0'])).toEqual({ code: 1, stdout: '', stderr: 'error: unrecognized condition: ""\n' });
  });

  it('refuses a bad timeout, output format or resource arguments', async () => {
    expect(await cli(['wait', 'pod/a', '--for=delete', '--timeout=soon'])).toMatchObject({ code: 1, stderr: 'error: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"\n' });
    expect(await cli(['wait', 'pod/a', '--for=delete', '-o', 'wide'])).toMatchObject({
      code: 1,
      stderr: 'error: unable to match a printer suitable for the output format "wide", allowed formats are: json, jsonpath, name, yaml\n',
    });
    expect(await cli(['wait', 'pods', '--for=delete'])).toMatchObject({ code: 1, stderr: 'error: resource(s) were provided, but no name was specified\n' });
    expect(await cli(['wait', 'pods', 'a', '-l', 'app=x', '--for=delete'])).toMatchObject({ code: 1, stderr: 'error: name cannot be provided when a selector or --all is specified\n' });
    expect(await cli(['wait', 'pods', 'a', '-A', '--for=delete'])).toMatchObject({ code: 1, stderr: 'error: a resource cannot be retrieved by name across all namespaces\n' });
  });

  it('is listed in the root help and has its own', async () => {
    expect((await cli([])).stdout).toContain('  wait            Experimental: Wait for a specific condition on one or many resources\n');
    const help = await cli(['wait', '--help']);
    expect(help.stdout).toContain("--timeout='30s':");
    expect(help.stdout).toContain('minictl wait --for=condition=Ready pod/busybox1');
  });
});
