import { describe, expect, it } from 'vitest';
import { JsonPath, JsonPathError, relaxedJsonPath } from './jsonpath';

const pod = {
  kind: 'Pod',
  metadata: { name: 'kubia', labels: { app: 'kubia', 'app.kubernetes.io/name': 'web' } },
  spec: { containers: [{ name: 'a', image: 'nginx', ports: [{ containerPort: 80 }] }, { name: 'b', image: 'redis' }] },
  status: {
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ],
    restarts: 3,
  },
};
const list = { kind: 'List', items: [pod, { metadata: { name: 'other' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }] };

function run(template: string, data: unknown = pod): string {
  return new JsonPath(template).execute(data);
}

describe('JsonPath', () => {
  it('follows fields and indexes', () => {
    expect(run('{.metadata.name}')).toBe('kubia');
    expect(run('{.spec.containers[1].image}')).toBe('redis');
    expect(run('{.spec.containers[-1].name}')).toBe('b');
    expect(run('{$.kind}')).toBe('Pod');
  });

  it('joins the results of wildcards with spaces', () => {
    expect(run('{.spec.containers[*].name}')).toBe('a b');
    expect(run('{.items[*].metadata.name}', list)).toBe('kubia other');
    expect(run('{.spec.containers[0:1].name}')).toBe('a');
  });

  it('mixes text, string literals and unions', () => {
    expect(run('name={.metadata.name}{"\\n"}')).toBe('name=kubia\n');
    expect(run('{.metadata.name,.kind}')).toBe('kubia Pod');
  });

  it('loops with range', () => {
    expect(run('{range .items[*]}{.metadata.name}:{.spec.containers[*].image}{"\\n"}{end}', list)).toBe('kubia:nginx redis\nother:busybox\n');
  });

  it('filters arrays', () => {
    expect(run('{.status.conditions[?(@.type=="Ready")].status}')).toBe('True');
    expect(run('{.spec.containers[?(@.ports)].name}')).toBe('a');
    expect(run("{.items[?(@.metadata.name!='kubia')].metadata.name}", list)).toBe('other');
    expect(run('{.status.conditions[?(@.type=="Nope")].status}')).toBe('');
  });

  it('reads quoted keys and recursive descent', () => {
    expect(run("{.metadata.labels['app.kubernetes.io/name']}")).toBe('web');
    expect(run('{..image}')).toBe('nginx redis');
    expect(run('{.metadata.labels.app\\.kubernetes\\.io/name}')).toBe('web');
  });

  it('prints maps and lists as JSON and numbers as they are', () => {
    expect(run('{.metadata.labels}')).toBe('{"app":"kubia","app.kubernetes.io/name":"web"}');
    expect(run('{.status.restarts}')).toBe('3');
  });

  it('prints nothing for missing keys', () => {
    expect(run('{.spec.nothing.here}')).toBe('');
  });

  it('rejects malformed templates', () => {
    expect(() => new JsonPath('{.metadata.name')).toThrow(JsonPathError);
    expect(() => new JsonPath('{range .items[*]}{.x}')).toThrow(JsonPathError);
    expect(() => new JsonPath('{end}')).toThrow(JsonPathError);
  });
});

describe('relaxedJsonPath', () => {
  it('accepts paths without braces or the leading dot', () => {
    expect(relaxedJsonPath('.metadata.name').values(pod)).toEqual(['kubia']);
    expect(relaxedJsonPath('metadata.name').values(pod)).toEqual(['kubia']);
    expect(relaxedJsonPath('{.spec.containers[*].name}').values(pod)).toEqual(['a', 'b']);
  });
});

describe('relaxedJsonPath in custom columns', () => {
  it("refuses kubectl's way what is not one relaxed expression", () => {
    expect(() => relaxedJsonPath('{.a}{.b}')).toThrow("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
    expect(relaxedJsonPath('{metadata.name}').values({ metadata: { name: 'kubia' } })).toEqual(['kubia']);
  });
});
