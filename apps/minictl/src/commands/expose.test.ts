import { defaultScheme, type ApiObject, type KindInfo } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { buildService, parseIntOrString, parseLabels, portsForObject, protocolsForObject, serviceForObject } from './expose';

const scheme = defaultScheme();
const kind = (name: string): KindInfo => scheme.resolve(name) as KindInfo;

const deployment = (containers: unknown[], selector: unknown = { matchLabels: { app: 'web' } }): ApiObject =>
  ({
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: { selector, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } },
  }) as ApiObject;

describe('buildService', () => {
  it('makes one unnamed TCP port targeting itself', () => {
    expect(buildService({ defaultName: 'web', selector: 'app=web', port: '80' })).toEqual({
      metadata: { name: 'web' },
      spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: { type: 0, intVal: 80 } }], selector: { app: 'web' } },
      status: { loadBalancer: {} },
    });
  });

  it('names several ports port-N, gives all the same target port, and takes --name, labels and type', () => {
    const svc = buildService({ name: 'front', defaultName: 'web', selector: 'app=web,tier=x', labels: 'team=a', ports: ['80', '443'], targetPort: 'http', type: 'NodePort' });
    expect(svc.metadata).toEqual({ name: 'front', labels: { team: 'a' } });
    expect(svc.spec).toEqual({
      ports: [
        { name: 'port-1', port: 80, protocol: 'TCP', targetPort: { type: 1, strVal: 'http' } },
        { name: 'port-2', port: 443, protocol: 'TCP', targetPort: { type: 1, strVal: 'http' } },
      ],
      selector: { app: 'web', tier: 'x' },
      type: 'NodePort',
    });
  });

  it('uses the object\'s protocols unless --protocol is given, one port per protocol where there are several', () => {
    const protocols = new Map([['53', ['TCP', 'UDP']], ['9153', ['TCP']], ['5000', ['SCTP']]]);
    expect(buildService({ defaultName: 'dns', selector: 'k=v', ports: ['53', '9153', '5000'], protocols }).spec?.ports).toEqual([
      { name: 'port-1-tcp', port: 53, protocol: 'TCP', targetPort: { type: 0, intVal: 53 } },
      { name: 'port-1-udp', port: 53, protocol: 'UDP', targetPort: { type: 0, intVal: 53 } },
      { name: 'port-2', port: 9153, protocol: 'TCP', targetPort: { type: 0, intVal: 9153 } },
      { name: 'port-3', port: 5000, protocol: 'SCTP', targetPort: { type: 0, intVal: 5000 } },
    ]);
    expect(buildService({ defaultName: 'dns', selector: 'k=v', port: '53', protocol: 'UDP', protocols }).spec?.ports).toEqual([
      { port: 53, protocol: 'UDP', targetPort: { type: 0, intVal: 53 } },
    ]);
  });

  it('makes a headless Service without ports, and sets affinity, external and load balancer IPs', () => {
    expect(buildService({ defaultName: 'h', selector: 'a=b', clusterIP: 'None' }).spec).toEqual({ ports: [], selector: { a: 'b' }, clusterIP: 'None' });
    expect(buildService({ defaultName: 'l', selector: 'a=b', port: '80', type: 'LoadBalancer', loadBalancerIP: '1.2.3.4', externalIP: '5.6.7.8', sessionAffinity: 'ClientIP' }).spec)
      .toMatchObject({ type: 'LoadBalancer', loadBalancerIP: '1.2.3.4', externalIPs: ['5.6.7.8'], sessionAffinity: 'ClientIP' });
  });

  it('refuses what kubectl refuses, in its words', () => {
    expect(() => buildService({ defaultName: 'x', selector: '', port: '80' })).toThrow('selector must be specified');
    expect(() => buildService({ selector: 'a=b', port: '80' })).toThrow('name must be specified');
    expect(() => buildService({ defaultName: 'x', selector: 'a=b', port: 'http' })).toThrow('strconv.Atoi: parsing "http": invalid syntax');
    expect(() => buildService({ defaultName: 'x', selector: 'a=b', port: '80', sessionAffinity: 'Sticky' })).toThrow('unknown session affinity: Sticky');
    expect(() => parseLabels('a=b,c')).toThrow('unexpected label spec: c');
    expect(() => parseLabels('=b')).toThrow('unexpected empty label key');
  });

  it('parses a target port as kubectl\'s intstr.Parse', () => {
    expect(parseIntOrString('8080')).toEqual({ type: 0, intVal: 8080 });
    expect(parseIntOrString('http')).toEqual({ type: 1, strVal: 'http' });
  });
});

describe('serviceForObject', () => {
  it('takes a deployment\'s matchLabels as selector, its labels, and its one container port', () => {
    const svc = serviceForObject(kind('deployments'), deployment([{ name: 'c', image: 'i', ports: [{ containerPort: 8080 }] }]), {});
    expect(svc).toEqual({
      metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
      spec: { ports: [{ port: 8080, protocol: 'TCP', targetPort: { type: 0, intVal: 8080 } }], selector: { app: 'web' } },
      status: { loadBalancer: {} },
    });
  });

  it('exposes every container port of every container as port-N, with their protocols', () => {
    const obj = deployment([
      { name: 'a', image: 'i', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] },
      { name: 'b', image: 'i', ports: [{ containerPort: 9090 }] },
    ]);
    expect(portsForObject(kind('deploy'), obj)).toEqual(['80', '53', '9090']);
    expect(serviceForObject(kind('deploy'), obj, { targetPort: '8000' }).spec?.ports).toEqual([
      { name: 'port-1', port: 80, protocol: 'TCP', targetPort: { type: 0, intVal: 8000 } },
      { name: 'port-2', port: 53, protocol: 'UDP', targetPort: { type: 0, intVal: 8000 } },
      { name: 'port-3', port: 9090, protocol: 'TCP', targetPort: { type: 0, intVal: 8000 } },
    ]);
  });

  it('lists a port served over TCP and UDP once, with both protocols', () => {
    const pod = { metadata: { name: 'dns', labels: { k: 'dns' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }] }] } } as ApiObject;
    expect(portsForObject(kind('pods'), pod)).toEqual(['53']);
    expect(protocolsForObject(kind('pods'), pod)).toEqual(new Map([['53', ['TCP', 'UDP']]]));
    expect(serviceForObject(kind('pods'), pod, {}).spec?.ports?.map((p) => p.name)).toEqual(['port-1-tcp', 'port-1-udp']);
  });

  it('takes a pod\'s labels, an rc\'s selector, a service\'s selector and ports; flags win', () => {
    const pod = { metadata: { name: 'p', labels: { run: 'p' } }, spec: { containers: [{ name: 'p', ports: [{ containerPort: 80 }] }] } } as ApiObject;
    expect(serviceForObject(kind('po'), pod, {}).spec?.selector).toEqual({ run: 'p' });
    expect(serviceForObject(kind('po'), pod, { selector: 'x=y', port: '90', name: 'other', labels: 'l=1' })).toMatchObject({
      metadata: { name: 'other', labels: { l: '1' } },
      spec: { selector: { x: 'y' }, ports: [{ port: 90, targetPort: { type: 0, intVal: 90 } }] },
    });
    const rc = { metadata: { name: 'rc' }, spec: { selector: { app: 'old' }, template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 81 }] }] } } } } as ApiObject;
    expect(serviceForObject(kind('rc'), rc, {})).toMatchObject({ metadata: { name: 'rc' }, spec: { selector: { app: 'old' }, ports: [{ port: 81 }] } });
    const svc = { metadata: { name: 's' }, spec: { selector: { app: 's' }, ports: [{ port: 443, protocol: 'TCP', targetPort: { type: 0, intVal: 8443 } }] } } as ApiObject;
    // The new Service targets its own port, not the old one's target port, as kubectl.
    expect(serviceForObject(kind('svc'), svc, { name: 's2' }).spec?.ports).toEqual([{ port: 443, protocol: 'TCP', targetPort: { type: 0, intVal: 443 } }]);
  });

  it('cuts a long name to 63 characters', () => {
    const pod = { metadata: { name: 'a'.repeat(70), labels: { a: 'b' } }, spec: { containers: [] } } as ApiObject;
    expect(serviceForObject(kind('po'), pod, { port: '80' }).metadata?.name).toBe('a'.repeat(63));
  });

  it('fails as kubectl does', () => {
    const noPorts = deployment([{ name: 'c', image: 'i' }]);
    expect(() => serviceForObject(kind('deploy'), noPorts, {})).toThrow(/^couldn't find port via --port flag or introspection$/);
    // A headless Service needs no port.
    expect(serviceForObject(kind('deploy'), noPorts, { clusterIP: 'None' }).spec?.ports).toEqual([]);
    const expressions = deployment([], { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'Exists' }] });
    expect(() => serviceForObject(kind('deploy'), expressions, { port: '80' })).toThrow(
      'couldn\'t retrieve selectors via --selector flag or introspection: couldn\'t convert expressions - "[{Key:tier Operator:In Values:[a b]} {Key:x Operator:Exists Values:[]}]" to map-based selector format',
    );
    expect(() => serviceForObject(kind('po'), { metadata: { name: 'bare' }, spec: {} } as ApiObject, { port: '80' })).toThrow(
      "couldn't retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be exposed",
    );
    expect(() => serviceForObject(kind('svc'), { metadata: { name: 'ext' }, spec: { type: 'ExternalName' } } as ApiObject, { port: '80' })).toThrow(
      "couldn't retrieve selectors via --selector flag or introspection: the service has no pod selector set",
    );
    expect(() => serviceForObject(kind('nodes'), { metadata: { name: 'n' } } as ApiObject, {})).toThrow(/^cannot expose a Node$/);
    expect(() => serviceForObject(kind('ds'), { metadata: { name: 'd' } } as ApiObject, {})).toThrow(/^cannot expose a DaemonSet.apps$/);
  });
});
