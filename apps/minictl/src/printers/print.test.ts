import { defaultScheme, type ApiObject } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { parseOutputFormat } from './output';
import { ObjectPrinter, type Item, type PrintOptions } from './print';
import { toJsonText, toYamlText } from './serialize';

const scheme = defaultScheme();
const pods = scheme.resolve('pods')!;
const services = scheme.resolve('svc')!;
const now = new Date('2024-05-01T12:00:00Z');

function pod(name: string, namespace = 'default', labels: Record<string, string> = {}): Item {
  const obj = {
    metadata: { name, namespace, labels, creationTimestamp: '2024-05-01T11:57:00Z' },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }] },
  } as ApiObject;
  return { info: pods, obj };
}

const base: PrintOptions = { noHeaders: false, single: false, withNamespace: false, withKind: false, showLabels: false, labelColumns: [], now };

function print(format: string, items: Item[], options: Partial<PrintOptions> = {}): string {
  return new ObjectPrinter(scheme, parseOutputFormat(format), { ...base, ...options }).print(items);
}

describe('table output', () => {
  it('prints the kind columns aligned', () => {
    expect(print('', [pod('kubia'), pod('kubia-2')])).toBe(
      'NAME      READY   STATUS    RESTARTS   AGE\n' +
      'kubia     1/1     Running   0          3m\n' +
      'kubia-2   1/1     Running   0          3m\n',
    );
  });

  it('adds NAMESPACE first with -A, and labels at the end', () => {
    expect(print('', [pod('kubia', 'team-a', { app: 'kubia', tier: 'web' })], { withNamespace: true, showLabels: true, labelColumns: ['app'] })).toBe(
      'NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE   APP     LABELS\n' +
      'team-a      kubia   1/1     Running   0          3m    kubia   app=kubia,tier=web\n',
    );
  });

  it('prints the wide columns with -o wide', () => {
    expect(print('wide', [pod('kubia')]).split('\n')[0]).toBe('NAME    READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES');
  });

  it('prints one table per kind, names prefixed with the kind, separated by a blank line', () => {
    const svc = { info: services, obj: { metadata: { name: 'web', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80, protocol: 'TCP' }] } } as ApiObject };
    expect(print('', [pod('kubia'), svc], { withKind: true })).toBe(
      'NAME        READY   STATUS    RESTARTS   AGE\n' +
      'pod/kubia   1/1     Running   0          3m\n' +
      '\n' +
      'NAME          TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n' +
      'service/web   ClusterIP   10.96.0.10   <none>        80/TCP    60m\n',
    );
  });

  it('leaves the header out with --no-headers', () => {
    expect(print('', [pod('kubia')], { noHeaders: true })).toBe('kubia   1/1   Running   0   3m\n');
  });
});

describe('other formats', () => {
  it('prints names as kind/name', () => {
    expect(print('name', [pod('a'), pod('b')])).toBe('pod/a\npod/b\n');
  });

  it('prints a single object, or a List', () => {
    const single = print('yaml', [pod('kubia')], { single: true });
    expect(single.startsWith('apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: "2024-05-01T11:57:00Z"\n')).toBe(true);
    const list = JSON.parse(print('json', [pod('a'), pod('b')])) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['a', 'b']);
  });

  it('applies jsonpath to the List when several objects print', () => {
    expect(print('jsonpath={.items[*].metadata.name}', [pod('a'), pod('b')])).toBe('a b');
    expect(print('jsonpath={.metadata.name}', [pod('a')], { single: true })).toBe('a');
  });

  it('prints custom columns', () => {
    expect(print('custom-columns=NAME:.metadata.name,IMAGES:.spec.containers[*].image,NODE:.spec.nodeName', [pod('a')])).toBe(
      'NAME   IMAGES   NODE\na      nginx    <none>\n',
    );
  });
});

describe('serialization', () => {
  it('sorts keys and indents JSON by four spaces', () => {
    expect(toJsonText({ b: 1, a: { d: [1], c: 'x' } })).toBe('{\n    "a": {\n        "c": "x",\n        "d": [\n            1\n        ]\n    },\n    "b": 1\n}\n');
  });

  it('writes YAML with sequences flush with their key and ambiguous strings quoted', () => {
    expect(toYamlText({ spec: { ports: [{ port: 80, name: 'http' }] }, value: '8080', flag: 'on', empty: {} })).toBe(
      'empty: {}\nflag: "on"\nspec:\n  ports:\n  - name: http\n    port: 80\nvalue: "8080"\n',
    );
  });
});

describe('parseOutputFormat', () => {
  it('refuses unknown formats with kubectl\'s message', () => {
    expect(() => parseOutputFormat('toml')).toThrow('unable to match a printer suitable for the output format "toml"');
    expect(() => parseOutputFormat('jsonpath=')).toThrow('template format specified but no template given');
  });
});

describe('tables of several kinds', () => {
  it('lays out each kind on its own', () => {
    const long = pod('a-very-long-pod-name');
    const svc = { info: services, obj: { metadata: { name: 's', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.10' } } as ApiObject };
    const text = print('', [long, svc], { withKind: true });
    expect(text.split('\n')[3]).toBe('NAME        TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE');
  });
});
