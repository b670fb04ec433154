// run and expose against a real apiserver and etcd.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type NamespacedCli } from '../test-support';

let cluster: TestCluster;
const NS = 'run-expose';

let ok: NamespacedCli['ok'];
let minictl: NamespacedCli['minictl'];

let jsonpath: NamespacedCli['jsonpath'];

interface ServiceJson {
  metadata: { labels?: Record<string, string> };
  spec: {
    type: string;
    clusterIP: string;
    selector: Record<string, string>;
    ports: { name?: string; port: number; protocol: string; targetPort: number | string; nodePort?: number }[];
  };
}

async function service(name: string): Promise<ServiceJson> {
  return JSON.parse(await ok('get', 'svc', name, '-o', 'json')) as ServiceJson;
}

beforeAll(async () => {
  cluster = await TestCluster.start();
  ({ ok, minictl, jsonpath } = cluster.inNamespace(NS));
  expect((await cluster.minictl(['create', 'namespace', NS])).code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('run', () => {
  it('prints the Pod it would create with --dry-run=client -o yaml, creating nothing', async () => {
    expect(await ok('run', 'nginx', '--image=nginx', '--dry-run=client', '-o', 'yaml')).toBe(`apiVersion: v1
kind: Pod
metadata:
  labels:
    run: nginx
  name: nginx
  namespace: run-expose
spec:
  containers:
  - image: nginx
    name: nginx
    resources: {}
  dnsPolicy: ClusterFirst
  restartPolicy: Always
status: {}
`);
    expect(await minictl('get', 'pod', 'nginx')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): pods "nginx" not found\n' });
  });

  it('creates a bare pod labelled run=NAME with the port, env, args and restart policy', async () => {
    expect(await ok('run', 'web', '--image=nginx:1.25', '--port=8080', '--env=MODE=prod', '--restart=OnFailure', '--', 'nginx', '-g', 'daemon off;')).toBe('pod/web created\n');
    const pod = JSON.parse(await ok('get', 'pod', 'web', '-o', 'json')) as {
      metadata: { labels: Record<string, string>; ownerReferences?: unknown };
      spec: { restartPolicy: string; dnsPolicy: string; containers: { name: string; image: string; args: string[]; command?: string[]; env: unknown; ports: { containerPort: number; protocol: string }[] }[] };
    };
    expect(pod.metadata.labels).toEqual({ run: 'web' });
    expect(pod.metadata.ownerReferences).toBeUndefined();
    expect(pod.spec.restartPolicy).toBe('OnFailure');
    expect(pod.spec.dnsPolicy).toBe('ClusterFirst');
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0]).toMatchObject({
      name: 'web',
      image: 'nginx:1.25',
      args: ['nginx', '-g', 'daemon off;'],
      env: [{ name: 'MODE', value: 'prod' }],
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
    });
    expect(pod.spec.containers[0].command).toBeUndefined();
    expect(await minictl('run', 'web', '--image=nginx')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (AlreadyExists): pods "web" already exists\n' });
  });

  it('uses --labels instead of run=NAME and the arguments as the command with --command', async () => {
    expect(await ok('run', 'tick', '--image=busybox', '--labels=app=tick,tier=batch', '--command', '--', 'sh', '-c', 'date')).toBe('pod/tick created\n');
    expect(await jsonpath('pod/tick', '{.metadata.labels.app} {.metadata.labels.tier} {.spec.containers[0].command}')).toBe('tick batch ["sh","-c","date"]');
  });

  it('creates a ClusterIP Service selecting run=NAME with --expose, printed before the pod', async () => {
    expect(await ok('run', 'api', '--image=nginx', '--port=80', '--expose')).toBe('service/api created\npod/api created\n');
    const svc = await service('api');
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', selector: { run: 'api' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
    expect(svc.spec.clusterIP).toMatch(/^10\./);
    expect(svc.metadata.labels).toBeUndefined();
    expect(await jsonpath('pod/api', '{.metadata.labels.run}')).toBe('api');
  });

  it('prints both objects as YAML documents under --dry-run=client --expose', async () => {
    expect(await ok('run', 'preview', '--image=nginx', '--port=80', '--expose', '--labels=app=preview', '--dry-run=client', '-o', 'yaml')).toBe(`apiVersion: v1
kind: Service
metadata:
  labels:
    app: preview
  name: preview
  namespace: run-expose
spec:
  ports:
  - port: 80
    protocol: TCP
    targetPort: 80
  selector:
    app: preview
status:
  loadBalancer: {}
---
apiVersion: v1
kind: Pod
metadata:
  labels:
    app: preview
  name: preview
  namespace: run-expose
spec:
  containers:
  - image: nginx
    name: preview
    ports:
    - containerPort: 80
    resources: {}
  dnsPolicy: ClusterFirst
  restartPolicy: Always
status: {}
`);
    expect((await minictl('get', 'svc', 'preview')).code).toBe(1);
    expect((await minictl('get', 'pod', 'preview')).code).toBe(1);
  });

  it('checks with the server under --dry-run=server without persisting', async () => {
    expect(await ok('run', 'shadow', '--image=nginx', '--port=80', '--expose', '--dry-run=server')).toBe('service/shadow created (server dry run)\npod/shadow created (server dry run)\n');
    expect((await minictl('get', 'pod', 'shadow')).code).toBe(1);
    expect((await minictl('get', 'svc', 'shadow')).code).toBe(1);
  });

  it('still creates the pod when its Service fails, and reports the failure after it', async () => {
    expect(await ok('apply', '-f', cluster.file('taken.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: taken\nspec:\n  selector:\n    app: other\n  ports:\n  - port: 80\n'))).toBe('service/taken created\n');
    expect(await minictl('run', 'taken', '--image=nginx', '--port=80', '--expose')).toEqual({
      code: 1,
      stdout: 'pod/taken created\n',
      stderr: 'Error from server (AlreadyExists): services "taken" already exists\n',
    });
    expect(await jsonpath('pod/taken', '{.metadata.name}')).toBe('taken');
  });
});

describe('expose', () => {
  beforeAll(async () => {
    expect(await ok('apply', '-f', cluster.file('deploy.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  labels:
    app: shop
    team: store
spec:
  replicas: 0
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 8080
        - containerPort: 8443
      - name: metrics
        image: exporter
        ports:
        - containerPort: 9100
          protocol: UDP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: picky
spec:
  replicas: 0
  selector:
    matchLabels:
      app: picky
    matchExpressions:
    - key: tier
      operator: In
      values: [front]
  template:
    metadata:
      labels:
        app: picky
        tier: front
    spec:
      containers:
      - name: c
        image: nginx
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
`))).toBe('deployment.apps/shop created\ndeployment.apps/picky created\nconfigmap/settings created\n');
  });

  it('builds the selector from matchLabels and a port-N per container port, keeping the labels', async () => {
    expect(await ok('expose', 'deployment', 'shop')).toBe('service/shop exposed\n');
    const svc = await service('shop');
    expect(svc.metadata.labels).toEqual({ app: 'shop', team: 'store' });
    expect(svc.spec.selector).toEqual({ app: 'shop' });
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([
      { name: 'port-1', port: 8080, protocol: 'TCP', targetPort: 8080 },
      { name: 'port-2', port: 8443, protocol: 'TCP', targetPort: 8443 },
      { name: 'port-3', port: 9100, protocol: 'UDP', targetPort: 9100 },
    ]);
  });

  it('takes --port, --target-port, --name, --labels and --selector', async () => {
    expect(await ok('expose', 'deploy/shop', '--port=80', '--target-port=8080', '--name=shop-front', '--labels=role=front', '--selector=app=shop,canary=no')).toBe('service/shop-front exposed\n');
    const svc = await service('shop-front');
    expect(svc.metadata.labels).toEqual({ role: 'front' });
    expect(svc.spec.selector).toEqual({ app: 'shop', canary: 'no' });
    expect(svc.spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
  });

  it('exposes a pod on its container port, and a NodePort Service gets a node port from the apiserver', async () => {
    expect(await ok('expose', 'pod', 'web', '--type=NodePort', '--name=web-np')).toBe('service/web-np exposed\n');
    const svc = await service('web-np');
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.selector).toEqual({ run: 'web' });
    expect(svc.spec.ports).toHaveLength(1);
    expect(svc.spec.ports[0]).toMatchObject({ port: 8080, protocol: 'TCP', targetPort: 8080 });
    expect(svc.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(svc.spec.ports[0].nodePort).toBeLessThanOrEqual(32767);
  });

  it('exposes a service again under another name and port', async () => {
    expect(await ok('expose', 'service', 'api', '--port=443', '--target-port=80', '--name=api-tls')).toBe('service/api-tls exposed\n');
    expect((await service('api-tls')).spec).toMatchObject({ selector: { run: 'api' }, ports: [{ port: 443, targetPort: 80 }] });
  });

  it('fails without a port to take', async () => {
    expect(await ok('run', 'bare', '--image=nginx')).toBe('pod/bare created\n');
    expect(await minictl('expose', 'pod', 'bare')).toEqual({ code: 1, stdout: '', stderr: "error: couldn't find port via --port flag or introspection\n" });
    expect(await minictl('get', 'svc', 'bare')).toMatchObject({ code: 1 });
    expect(await ok('expose', 'pod', 'bare', '--port=80')).toBe('service/bare exposed\n');
  });

  it('refuses selectors with expressions, kinds it cannot expose and missing objects', async () => {
    expect(await minictl('expose', 'deployment', 'picky')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: couldn\'t retrieve selectors via --selector flag or introspection: couldn\'t convert expressions - "[{Key:tier Operator:In Values:[front]}]" to map-based selector format\n',
    });
    expect(await minictl('expose', 'configmap', 'settings', '--port=80')).toEqual({ code: 1, stdout: '', stderr: 'error: cannot expose a ConfigMap\n' });
    expect(await minictl('expose', 'deployment', 'nope')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
    expect(await minictl('expose', 'deployment')).toMatchObject({ code: 1, stderr: 'error: resource(s) were provided, but no name was specified\n' });
    expect(await minictl('expose')).toMatchObject({ code: 1, stderr: expect.stringContaining('error: You must provide one or more resources by argument or filename.\n') });
  });

  it('exposes the object of a file, printing the Service under --dry-run=client', async () => {
    const file = cluster.file('rc.yaml', `apiVersion: v1
kind: ReplicationController
metadata:
  name: legacy
spec:
  selector:
    app: legacy
  template:
    metadata:
      labels:
        app: legacy
    spec:
      containers:
      - name: c
        image: nginx
        ports:
        - containerPort: 8000
`);
    expect(await ok('expose', '-f', file, '--port=80', '--target-port=8000', '--dry-run=client', '-o', 'yaml')).toBe(`apiVersion: v1
kind: Service
metadata:
  name: legacy
  namespace: run-expose
spec:
  ports:
  - port: 80
    protocol: TCP
    targetPort: 8000
  selector:
    app: legacy
status:
  loadBalancer: {}
`);
    expect(await minictl('get', 'svc', 'legacy')).toMatchObject({ code: 1 });
    // The object need not exist: it is read from the file, as kubectl does.
    expect(await ok('expose', '-f', file, '--port=80', '-o', 'name')).toBe('service/legacy\n');
    expect(await ok('expose', '-f', file, '--name=legacy2', '--dry-run=server')).toBe('service/legacy2 exposed (server dry run)\n');
  });
});
