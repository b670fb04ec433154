import { describe, expect, it } from 'vitest';
import type { Endpoints, Service } from '../generated/core/v1';
import { FieldPath, formatFieldError } from '../validation/field-path';
import { endpointsStrategy, serviceStrategy, validateNonSpecialIP } from './core-v1-service';

function baseService(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  };
}

function created(mutate: (svc: Service) => void = () => undefined): Service {
  const svc = baseService();
  mutate(svc);
  serviceStrategy.prepareForCreate?.(svc);
  serviceStrategy.applyDefaults?.(svc);
  return svc;
}

function createErrors(mutate: (svc: Service) => void): string[] {
  return (serviceStrategy.validate?.(created(mutate)) ?? []).map(formatFieldError);
}

/** An update of a stored service whose cluster IP (and node ports) the apiserver had allocated. */
function updateErrors(mutate: (svc: Service) => void, base: (svc: Service) => void = () => undefined): string[] {
  const old = created((s) => {
    s.spec!.clusterIP = '10.96.0.20';
    base(s);
  });
  const next = structuredClone(old);
  mutate(next);
  serviceStrategy.applyDefaults?.(next);
  serviceStrategy.prepareForUpdate?.(next, old);
  return (serviceStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError);
}

describe('Service defaults', () => {
  it('fills type, affinity, protocols, target ports and traffic policies', () => {
    const svc = created((s) => {
      s.spec!.ports = [{ port: 80 }, { name: 'https', port: 443, targetPort: { type: 1, strVal: 'https' } }];
      s.spec!.ports[0].name = 'http';
    });
    expect(svc.spec).toEqual({
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: { type: 0, intVal: 80 } },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: { type: 1, strVal: 'https' } },
      ],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
    });
    expect(svc.status).toEqual({});
  });

  it('gives NodePort and LoadBalancer services an external traffic policy', () => {
    expect(created((s) => (s.spec!.type = 'NodePort')).spec?.externalTrafficPolicy).toBe('Cluster');
    const lb = created((s) => (s.spec!.type = 'LoadBalancer')).spec;
    expect(lb?.externalTrafficPolicy).toBe('Cluster');
    expect(lb?.allocateLoadBalancerNodePorts).toBe(true);
  });

  it('gives ClientIP affinity its default timeout', () => {
    const svc = created((s) => (s.spec!.sessionAffinity = 'ClientIP'));
    expect(svc.spec?.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  it('leaves ExternalName services without cluster fields', () => {
    const svc = created((s) => {
      s.spec = { type: 'ExternalName', externalName: 'db.example.com' };
    });
    expect(svc.spec).toEqual({ type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' });
  });

  it('fills clusterIPs from clusterIP on create', () => {
    expect(created((s) => (s.spec!.clusterIP = 'None')).spec?.clusterIPs).toEqual(['None']);
  });

  it('names services with DNS-1035 labels', () => {
    expect(serviceStrategy.nameValidator?.('1web', false)).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character " +
        "(e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(serviceStrategy.nameValidator?.('web', false)).toEqual([]);
  });
});

describe('Service validation', () => {
  it('accepts the base service', () => {
    expect(createErrors(() => undefined)).toEqual([]);
  });

  const cases: [string, (svc: Service) => void, string[]][] = [
    ['no ports', (s) => (s.spec!.ports = []), ['spec.ports: Required value']],
    ['a headless service without ports', (s) => {
      s.spec!.ports = [];
      s.spec!.clusterIP = 'None';
    }, []],
    [
      'two ports without names',
      (s) => (s.spec!.ports = [{ port: 80 }, { port: 443 }]),
      ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'],
    ],
    [
      'two ports with one name',
      (s) => (s.spec!.ports = [{ name: 'web', port: 80 }, { name: 'web', port: 443 }]),
      ['spec.ports[1].name: Duplicate value: "web"'],
    ],
    ['a port of 0', (s) => (s.spec!.ports = [{ port: 0, targetPort: { type: 0, intVal: 8080 } }]), ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
    [
      'a port name with capitals',
      (s) => (s.spec!.ports = [{ name: 'Web', port: 80 }]),
      [
        'spec.ports[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', ' +
          "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    [
      'an unknown protocol',
      (s) => (s.spec!.ports![0].protocol = 'ICMP'),
      ['spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'a target port name that is not an IANA service name',
      (s) => (s.spec!.ports![0].targetPort = { type: 1, strVal: 'web_port' }),
      ['spec.ports[0].targetPort: Invalid value: "web_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
    ],
    [
      'the same port twice',
      (s) => (s.spec!.ports = [{ name: 'a', port: 80 }, { name: 'b', port: 80 }]),
      ['spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}'],
    ],
    [
      'a node port on a ClusterIP service',
      (s) => (s.spec!.ports![0].nodePort = 30080),
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
    [
      'two ports on one node port',
      (s) => {
        s.spec!.type = 'NodePort';
        s.spec!.ports = [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }];
      },
      ['spec.ports[1].nodePort: Duplicate value: 30080'],
    ],
    [
      'an unknown type',
      (s) => (s.spec!.type = 'Internal'),
      ['spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    ],
    [
      'an unknown session affinity',
      (s) => (s.spec!.sessionAffinity = 'Cookie'),
      ['spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"'],
    ],
    [
      'a client IP timeout of two days',
      (s) => {
        s.spec!.sessionAffinity = 'ClientIP';
        s.spec!.sessionAffinityConfig = { clientIP: { timeoutSeconds: 172800 } };
      },
      ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 172800: must be greater than 0 and less than 86400'],
    ],
    [
      'a selector value with a space',
      (s) => (s.spec!.selector = { app: 'web app' }),
      [
        'spec.selector: Invalid value: "web app": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', ' +
          "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      'a headless NodePort service',
      (s) => {
        s.spec!.type = 'NodePort';
        s.spec!.clusterIP = 'None';
      },
      ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"],
    ],
    ['an ExternalName without a name', (s) => (s.spec = { type: 'ExternalName' }), ['spec.externalName: Required value']],
    [
      'an ExternalName with a cluster IP',
      (s) => (s.spec = { type: 'ExternalName', externalName: 'db.example.com.', clusterIP: '10.96.0.5' }),
      ['spec.clusterIPs: Forbidden: may not be set for ExternalName services'],
    ],
    [
      'an ExternalName that is not a DNS name',
      (s) => (s.spec = { type: 'ExternalName', externalName: 'db_primary.example.com' }),
      [
        'spec.externalName: Invalid value: "db_primary.example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', ' +
          "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    [
      'a cluster IP that is not an IP',
      (s) => (s.spec!.clusterIP = '10.96.0.300'),
      ['spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ],
    [
      'clusterIPs that disagree with clusterIP',
      (s) => {
        s.spec!.clusterIP = '10.96.0.5';
        s.spec!.clusterIPs = ['10.96.0.6'];
      },
      ['spec.clusterIPs: Invalid value: []string{"10.96.0.6"}: first value must match `clusterIP`'],
    ],
    [
      'two IPv4 cluster IPs',
      (s) => {
        s.spec!.clusterIP = '10.96.0.5';
        s.spec!.clusterIPs = ['10.96.0.5', '10.96.0.6'];
      },
      ['spec.clusterIPs: Invalid value: []string{"10.96.0.5", "10.96.0.6"}: may specify no more than one IP for each IP family'],
    ],
    [
      'a loopback external IP',
      (s) => (s.spec!.externalIPs = ['127.0.0.1']),
      ['spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ],
    [
      'source ranges on a ClusterIP service',
      (s) => (s.spec!.loadBalancerSourceRanges = ['10.0.0.0/8']),
      ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"],
    ],
    [
      'an external traffic policy on an internal service',
      (s) => (s.spec!.externalTrafficPolicy = 'Local'),
      ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    ],
    [
      'an unknown external traffic policy',
      (s) => {
        s.spec!.type = 'NodePort';
        s.spec!.externalTrafficPolicy = 'Nearest';
      },
      ['spec.externalTrafficPolicy: Unsupported value: "Nearest": supported values: "Cluster", "Local"'],
    ],
    [
      'a health check port without Local traffic',
      (s) => {
        s.spec!.type = 'LoadBalancer';
        s.spec!.healthCheckNodePort = 32000;
      },
      ["spec.healthCheckNodePort: Invalid value: 32000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"],
    ],
    [
      'a load balancer class on a NodePort service',
      (s) => {
        s.spec!.type = 'NodePort';
        s.spec!.loadBalancerClass = 'example.com/lb';
      },
      ["spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"],
    ],
    [
      'an unknown internal traffic policy',
      (s) => (s.spec!.internalTrafficPolicy = 'Node'),
      ['spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"'],
    ],
  ];

  it.each(cases)('handles %s', (_name, mutate, expected) => {
    expect(createErrors(mutate)).toEqual(expected);
  });
});

describe('Service updates', () => {
  it('keep the allocated cluster IP when the client leaves it out', () => {
    const old = created((s) => (s.spec!.clusterIP = '10.96.0.20'));
    const next = baseService();
    serviceStrategy.applyDefaults?.(next);
    serviceStrategy.prepareForUpdate?.(next, old);
    expect(next.spec?.clusterIP).toBe('10.96.0.20');
    expect(next.spec?.clusterIPs).toEqual(['10.96.0.20']);
    expect(serviceStrategy.validateUpdate?.(next, old)).toEqual([]);
  });

  it('keep allocated node ports the client left out', () => {
    const old = created((s) => {
      s.spec!.type = 'NodePort';
      s.spec!.clusterIP = '10.96.0.20';
      s.spec!.ports![0].nodePort = 30080;
    });
    const next = baseService();
    next.spec!.type = 'NodePort';
    serviceStrategy.applyDefaults?.(next);
    serviceStrategy.prepareForUpdate?.(next, old);
    expect(next.spec?.ports?.[0].nodePort).toBe(30080);
  });

  it('drop node ports and the external policy when a NodePort service becomes ClusterIP', () => {
    const old = created((s) => {
      s.spec!.type = 'NodePort';
      s.spec!.clusterIP = '10.96.0.20';
      s.spec!.ports![0].nodePort = 30080;
    });
    const next = structuredClone(old);
    next.spec!.type = 'ClusterIP';
    serviceStrategy.applyDefaults?.(next);
    serviceStrategy.prepareForUpdate?.(next, old);
    expect(next.spec?.ports?.[0].nodePort).toBeUndefined();
    expect(next.spec?.externalTrafficPolicy).toBeUndefined();
    expect(serviceStrategy.validateUpdate?.(next, old)).toEqual([]);
  });

  it('drop cluster fields when a service becomes ExternalName', () => {
    const old = created((s) => (s.spec!.clusterIP = '10.96.0.20'));
    const next = structuredClone(old);
    next.spec!.type = 'ExternalName';
    next.spec!.externalName = 'db.example.com';
    serviceStrategy.applyDefaults?.(next);
    serviceStrategy.prepareForUpdate?.(next, old);
    expect(serviceStrategy.validateUpdate?.(next, old)?.map(formatFieldError)).toEqual([]);
    expect(next.spec?.clusterIP).toBeUndefined();
    expect(next.spec?.ipFamilyPolicy).toBeUndefined();
  });

  const cases: [string, (svc: Service) => void, string[], ((svc: Service) => void)?][] = [
    ['a new port', (s) => s.spec!.ports!.push({ name: 'b', port: 81 }), ['spec.ports[0].name: Required value']],
    ['a new selector', (s) => (s.spec!.selector = { app: 'web2' }), []],
    [
      'a new cluster IP',
      (s) => (s.spec!.clusterIP = '10.96.0.21'),
      ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.21"}: may not change once set'],
    ],
    [
      'new cluster IPs',
      (s) => {
        s.spec!.clusterIP = '10.96.0.21';
        s.spec!.clusterIPs = ['10.96.0.21'];
      },
      ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.21"}: may not change once set'],
    ],
    [
      'a changed health check node port',
      (s) => (s.spec!.healthCheckNodePort = 32001),
      ['spec.healthCheckNodePort: Forbidden: field is immutable'],
      (s) => {
        s.spec!.type = 'LoadBalancer';
        s.spec!.externalTrafficPolicy = 'Local';
        s.spec!.healthCheckNodePort = 32000;
      },
    ],
  ];

  it.each(cases)('handle %s', (_name, mutate, expected, base) => {
    expect(updateErrors(mutate, base)).toEqual(expected);
  });

  // A status write goes through validateUpdate alone (no defaults, no prepareForUpdate).
  it.each([
    ['ClusterIP', { ingress: [{ ip: '203.0.113.10', ipMode: 'VIP' }] }, ["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]],
    ['LoadBalancer', { ingress: [{ ip: '203.0.113.10', ipMode: 'VIP' }, { hostname: 'lb.example.com' }] }, []],
    ['LoadBalancer', { ingress: [{ ip: '203.0.113.10' }] }, ['status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set']],
    ['LoadBalancer', { ingress: [{ hostname: '203.0.113.10' }] }, ['status.loadBalancer.ingress[0].hostname: Invalid value: "203.0.113.10": must be a DNS name, not an IP address']],
  ])('check a load balancer status written to a %s service', (type, loadBalancer, expected) => {
    const old = created((s) => {
      s.spec!.type = type;
      s.spec!.clusterIP = '10.96.0.20';
    });
    const next = { ...old, status: { loadBalancer } };
    expect(serviceStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual(expected);
  });
});

describe('validateNonSpecialIP', () => {
  it.each([
    ['10.0.0.1', []],
    ['0.0.0.0', ['ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']],
    ['::1', ['ip: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['169.254.169.254', ['ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['224.0.0.5', ['ip: Invalid value: "224.0.0.5": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']],
    ['::ffff:127.0.0.1', ['ip: Invalid value: "::ffff:127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
  ])('%s', (ip, expected) => {
    expect(validateNonSpecialIP(ip, FieldPath.root('ip')).map(formatFieldError)).toEqual(expected);
  });
});

describe('Endpoints', () => {
  function endpoints(mutate: (ep: Endpoints) => void = () => undefined): string[] {
    const ep: Endpoints = {
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 8080 }] }],
    };
    mutate(ep);
    endpointsStrategy.applyDefaults?.(ep);
    return (endpointsStrategy.validate?.(ep) ?? []).map(formatFieldError);
  }

  it('defaults port protocols', () => {
    const ep: Endpoints = { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] };
    endpointsStrategy.applyDefaults?.(ep);
    expect(ep.subsets?.[0].ports?.[0].protocol).toBe('TCP');
  });

  it.each([
    ['a valid subset', () => undefined, []],
    ['a subset without addresses', (ep: Endpoints) => (ep.subsets![0].addresses = []), ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']],
    [
      'an address that is not an IP',
      (ep: Endpoints) => (ep.subsets![0].addresses = [{ ip: 'pod-a' }]),
      [
        'subsets[0].addresses[0].ip: Invalid value: "pod-a": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        'subsets[0].addresses[0].ip: Invalid value: "pod-a": must be a valid IP address',
      ],
    ],
    [
      'two unnamed ports',
      (ep: Endpoints) => (ep.subsets![0].ports = [{ port: 80 }, { port: 443 }]),
      ['subsets[0].ports[0].name: Required value', 'subsets[0].ports[1].name: Required value'],
    ],
    ['a port out of range', (ep: Endpoints) => (ep.subsets![0].ports = [{ port: 0 }]), ['subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
  ])('%s', (_name, mutate, expected) => {
    expect(endpoints(mutate)).toEqual(expected);
  });
});
