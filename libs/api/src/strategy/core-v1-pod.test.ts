import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Pod, PodTemplateSpec } from '../generated/core/v1';
import { defaultScheme } from '../registry/default-scheme';
import { FieldPath, formatFieldError } from '../validation/field-path';
import {
  applyPodSpecDefaults,
  applyPodTemplateDefaults,
  computePodQOSClass,
  imageTag,
  podStrategy,
  validatePodSpec,
  validatePodTemplateSpec,
} from './core-v1-pod';

function basePod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
  };
}

/** The pod as the apiserver would store it: create-prepared and defaulted. */
function created(mutate: (pod: Pod) => void = () => undefined): Pod {
  const pod = basePod();
  mutate(pod);
  podStrategy.prepareForCreate?.(pod);
  podStrategy.applyDefaults?.(pod);
  return pod;
}

function createErrors(mutate: (pod: Pod) => void): string[] {
  return (podStrategy.validate?.(created(mutate)) ?? []).map(formatFieldError);
}

function updateErrors(mutate: (pod: Pod) => void, base: (pod: Pod) => void = () => undefined): string[] {
  const old = created(base);
  const next = structuredClone(old);
  mutate(next);
  podStrategy.applyDefaults?.(next);
  podStrategy.prepareForUpdate?.(next, old);
  return (podStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError);
}

const DNS_LABEL_ERROR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character " +
  "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('Pod defaults', () => {
  it('fills the PodSpec, container and admission defaults', () => {
    const pod = created();
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: 'default',
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    });
    expect(pod.spec?.containers?.[0]).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    });
  });

  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['registry.example.com:5000/team/app', 'Always'],
    ['registry.example.com:5000/team/app:v2', 'IfNotPresent'],
    ['nginx@sha256:bc5eac5eafc581aeda3008b4b1f07ebba230de2f27d47767129a6a905c84f470', 'IfNotPresent'],
  ])('pulls %s with policy %s', (image, policy) => {
    const pod = created((p) => {
      p.spec!.containers![0].image = image;
    });
    expect(pod.spec?.containers?.[0].imagePullPolicy).toBe(policy);
  });

  it('keeps an explicit pull policy', () => {
    const pod = created((p) => {
      p.spec!.containers![0].imagePullPolicy = 'Never';
    });
    expect(pod.spec?.containers?.[0].imagePullPolicy).toBe('Never');
  });

  it('reads the tag of an image reference', () => {
    expect(imageTag('busybox')).toBe('latest');
    expect(imageTag('localhost:5000/busybox')).toBe('latest');
    expect(imageTag('localhost:5000/busybox:1.36')).toBe('1.36');
    expect(imageTag('busybox:1.36@sha256:abc')).toBe('1.36');
  });

  it('defaults probes and their HTTP actions', () => {
    const pod = created((p) => {
      p.spec!.containers![0].livenessProbe = { httpGet: { port: { type: 1, strVal: 'http' } } };
      p.spec!.containers![0].readinessProbe = { tcpSocket: { port: { type: 0, intVal: 8080 } }, periodSeconds: 5 };
    });
    const c = pod.spec?.containers?.[0];
    expect(c?.livenessProbe).toEqual({
      httpGet: { port: { type: 1, strVal: 'http' }, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c?.readinessProbe?.periodSeconds).toBe(5);
  });

  it('defaults volumes', () => {
    const pod = created((p) => {
      p.spec!.volumes = [
        { name: 'scratch' },
        { name: 'conf', configMap: { name: 'web' } },
        { name: 'tls', secret: { secretName: 'web-tls' } },
        { name: 'logs', hostPath: { path: '/var/log' } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      ];
    });
    expect(pod.spec?.volumes).toEqual([
      { name: 'scratch', emptyDir: {} },
      { name: 'conf', configMap: { name: 'web', defaultMode: 420 } },
      { name: 'tls', secret: { secretName: 'web-tls', defaultMode: 420 } },
      { name: 'logs', hostPath: { path: '/var/log', type: '' } },
      { name: 'info', downwardAPI: { defaultMode: 420, items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }] } },
      { name: 'token', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
    ]);
  });

  it('copies limits into missing requests', () => {
    const pod = created((p) => {
      p.spec!.containers![0].resources = { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } };
    });
    expect(pod.spec?.containers?.[0].resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '128Mi' } });
  });

  it('gives host-network containers their container port as host port', () => {
    const pod = created((p) => {
      p.spec!.hostNetwork = true;
    });
    expect(pod.spec?.containers?.[0].ports?.[0].hostPort).toBe(8080);
  });

  it('leaves priority alone when a priority class is named', () => {
    const pod = created((p) => {
      p.spec!.priorityClassName = 'high';
    });
    expect(pod.spec?.priority).toBeUndefined();
    expect(pod.spec?.preemptionPolicy).toBe('PreemptLowerPriority');
  });
});

describe('Pod prepareForCreate', () => {
  it('resets status to Pending with the QoS class', () => {
    const pod = created((p) => {
      p.status = { phase: 'Running', podIP: '10.244.1.5' };
    });
    expect(pod.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it.each([
    ['BestEffort', undefined],
    ['Burstable', { requests: { cpu: '100m' } }],
    ['Burstable', { limits: { cpu: '1' } }],
    ['Guaranteed', { limits: { cpu: '1', memory: '1Gi' } }],
    ['Burstable', { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } }],
    ['BestEffort', { limits: { 'example.com/gpu': '1' } }],
  ])('computes %s for %j', (qos, resources) => {
    const pod = created((p) => {
      p.spec!.containers![0].resources = resources;
    });
    expect(pod.status?.qosClass).toBe(qos);
  });

  it('marks a gated pod as not scheduled', () => {
    const pod = created((p) => {
      p.spec!.schedulingGates = [{ name: 'example.com/wait' }];
    });
    expect(pod.status?.conditions).toEqual([
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
        lastTransitionTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      },
    ]);
  });

  it('agrees with the QoS class of every pod in the corpus', () => {
    const file = join(__dirname, '..', '..', 'testdata', 'manifests', 'core-v1', 'pod.yaml');
    const scheme = defaultScheme();
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const pod = scheme.fromJson(doc.toJS()).obj as Pod;
      expect(computePodQOSClass(pod.spec), pod.metadata?.name).toBe(pod.status?.qosClass);
    }
  });
});

describe('Pod validation on create', () => {
  it('accepts the base pod', () => {
    expect(createErrors(() => undefined)).toEqual([]);
  });

  const cases: [string, (pod: Pod) => void, string[]][] = [
    ['no containers', (p) => (p.spec!.containers = []), ['spec.containers: Required value']],
    ['no image', (p) => delete p.spec!.containers![0].image, ['spec.containers[0].image: Required value']],
    [
      'an image padded with spaces',
      (p) => (p.spec!.containers![0].image = ' nginx'),
      ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    ],
    ['a container name that is not a DNS label', (p) => (p.spec!.containers![0].name = 'Web'), [`spec.containers[0].name: Invalid value: "Web": ${DNS_LABEL_ERROR}`]],
    ['no container name', (p) => delete p.spec!.containers![0].name, ['spec.containers[0].name: Required value']],
    [
      'an init container named like an app container',
      (p) => (p.spec!.initContainers = [{ name: 'app', image: 'busybox:1.36' }]),
      ['spec.initContainers[0].name: Duplicate value: "app"'],
    ],
    [
      'two app containers with one name',
      (p) => p.spec!.containers!.push({ name: 'app', image: 'busybox:1.36' }),
      ['spec.containers[1].name: Duplicate value: "app"'],
    ],
    ['a container port of 0', (p) => (p.spec!.containers![0].ports![0].containerPort = 0), ['spec.containers[0].ports[0].containerPort: Required value']],
    [
      'a container port out of range',
      (p) => (p.spec!.containers![0].ports![0].containerPort = 70000),
      ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
    [
      'a host port out of range',
      (p) => (p.spec!.containers![0].ports![0].hostPort = 70000),
      ['spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
    [
      'an unknown protocol',
      (p) => (p.spec!.containers![0].ports![0].protocol = 'HTTP'),
      ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'a port name with a double hyphen',
      (p) => (p.spec!.containers![0].ports![0].name = 'web--ui'),
      ['spec.containers[0].ports[0].name: Invalid value: "web--ui": must not contain consecutive hyphens'],
    ],
    [
      'two ports with one name',
      (p) => p.spec!.containers![0].ports!.push({ name: 'http', containerPort: 8443 }),
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [
      'two containers on one host port',
      (p) => {
        p.spec!.containers![0].ports![0].hostPort = 80;
        p.spec!.containers!.push({ name: 'sidecar', image: 'envoy:1.30', ports: [{ containerPort: 9090, hostPort: 80 }] });
      },
      ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//80"'],
    ],
    [
      'an env name with "="',
      (p) => (p.spec!.containers![0].env = [{ name: 'A=B', value: 'x' }]),
      ['spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\''],
    ],
    ['an env var without a name', (p) => (p.spec!.containers![0].env = [{ value: 'x' }]), ['spec.containers[0].env[0].name: Required value']],
    [
      'valueFrom without a source',
      (p) => (p.spec!.containers![0].env = [{ name: 'A', valueFrom: {} }]),
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'],
    ],
    [
      'valueFrom with two sources',
      (p) =>
        (p.spec!.containers![0].env = [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' }, secretKeyRef: { name: 'sec', key: 'a' } } },
        ]),
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time'],
    ],
    [
      'both value and valueFrom',
      (p) => (p.spec!.containers![0].env = [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]),
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'],
    ],
    [
      'a field path Kubernetes cannot convert',
      (p) => (p.spec!.containers![0].env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.hostname' } } }]),
      ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.hostname": error converting fieldPath: field label not supported: spec.hostname'],
    ],
    [
      'a field path environment variables cannot use',
      (p) => (p.spec!.containers![0].env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }]),
      [
        'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", ' +
          '"metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      ],
    ],
    [
      'a secret key ref without a key',
      (p) => (p.spec!.containers![0].env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 'sec' } } }]),
      ['spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value'],
    ],
    [
      'a cpu divisor of 1Mi',
      (p) => (p.spec!.containers![0].env = [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1Mi' } } }]),
      ['spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "limits.cpu": only divisor\'s values 1m and 1 are supported with the cpu resource'],
    ],
    [
      'envFrom without a source',
      (p) => (p.spec!.containers![0].envFrom = [{ prefix: 'X_' }]),
      ['spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'],
    ],
    [
      'requests above limits',
      (p) => (p.spec!.containers![0].resources = { requests: { cpu: '1' }, limits: { cpu: '500m' } }),
      ['spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m'],
    ],
    [
      'a quantity that does not parse',
      (p) => (p.spec!.containers![0].resources = { requests: { memory: 'lots' } }),
      ["spec.containers[0].resources.requests[memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ],
    [
      'a negative request',
      (p) => (p.spec!.containers![0].resources = { requests: { cpu: '-1' } }),
      ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    ],
    [
      'an unqualified non-standard resource',
      (p) => (p.spec!.containers![0].resources = { requests: { gpu: '1' } }),
      [
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    ],
    [
      'an extended resource requested below its limit',
      (p) => (p.spec!.containers![0].resources = { requests: { 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '2' } }),
      ['spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2'],
    ],
    [
      'a claim the pod does not declare',
      (p) => (p.spec!.containers![0].resources = { claims: [{ name: 'gpu' }] }),
      ['spec.containers[0].resources.claims[0]: Not found: "gpu": must be one of the names in pod.spec.resourceClaims which is empty'],
    ],
    [
      'a mount of an unknown volume',
      (p) => (p.spec!.containers![0].volumeMounts = [{ name: 'data', mountPath: '/data' }]),
      ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ],
    [
      'two mounts on one path',
      (p) => {
        p.spec!.volumes = [{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }];
        p.spec!.containers![0].volumeMounts = [
          { name: 'a', mountPath: '/data' },
          { name: 'b', mountPath: '/data' },
        ];
      },
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique'],
    ],
    [
      'a subPath that climbs out',
      (p) => {
        p.spec!.volumes = [{ name: 'a', emptyDir: {} }];
        p.spec!.containers![0].volumeMounts = [{ name: 'a', mountPath: '/data', subPath: '../etc' }];
      },
      ['spec.containers[0].volumeMounts.subPath: Invalid value: "../etc": must not contain \'..\''],
    ],
    [
      'bidirectional propagation in an unprivileged container',
      (p) => {
        p.spec!.volumes = [{ name: 'a', hostPath: { path: '/mnt' } }];
        p.spec!.containers![0].volumeMounts = [{ name: 'a', mountPath: '/mnt', mountPropagation: 'Bidirectional' }];
      },
      ['spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers'],
    ],
    [
      'two volumes with one name',
      (p) => (p.spec!.volumes = [{ name: 'a', emptyDir: {} }, { name: 'a', emptyDir: {} }]),
      ['spec.volumes[1].name: Duplicate value: "a"'],
    ],
    ['a volume name that is not a DNS label', (p) => (p.spec!.volumes = [{ name: 'A', emptyDir: {} }]), [`spec.volumes[0].name: Invalid value: "A": ${DNS_LABEL_ERROR}`]],
    [
      'a volume with two sources',
      (p) => (p.spec!.volumes = [{ name: 'a', emptyDir: {}, hostPath: { path: '/tmp' } }]),
      ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type'],
    ],
    ['a secret volume without a secret', (p) => (p.spec!.volumes = [{ name: 'a', secret: {} }]), ['spec.volumes[0].secret.secretName: Required value']],
    [
      'a file mode above 0777',
      (p) => (p.spec!.volumes = [{ name: 'a', configMap: { name: 'cfg', defaultMode: 0o1000 } }]),
      ['spec.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive'],
    ],
    [
      'an unknown host path type',
      (p) => (p.spec!.volumes = [{ name: 'a', hostPath: { path: '/tmp', type: 'Dir' } }]),
      [
        'spec.volumes[0].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      ],
    ],
    [
      'a relative NFS path',
      (p) => (p.spec!.volumes = [{ name: 'a', nfs: { server: 'nfs', path: 'exports' } }]),
      ['spec.volumes[0].nfs.path: Invalid value: "exports": must be an absolute path'],
    ],
    [
      'a probe without a handler',
      (p) => (p.spec!.containers![0].livenessProbe = {}),
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    ],
    [
      'a probe with two handlers',
      (p) => (p.spec!.containers![0].readinessProbe = { exec: { command: ['true'] }, tcpSocket: { port: { type: 0, intVal: 8080 } } }),
      ['spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type'],
    ],
    [
      'a probe on a port name the container does not have',
      (p) => (p.spec!.containers![0].livenessProbe = { httpGet: { port: { type: 1, strVal: 'admin' } } }),
      ['spec.containers[0].livenessProbe.httpGet.port: Not found: "admin"'],
    ],
    [
      'a probe on a port number out of range',
      (p) => (p.spec!.containers![0].startupProbe = { tcpSocket: { port: { type: 0, intVal: 0 } } }),
      ['spec.containers[0].startupProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive'],
    ],
    [
      'a liveness probe that needs two successes',
      (p) => (p.spec!.containers![0].livenessProbe = { exec: { command: ['true'] }, successThreshold: 2 }),
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    [
      'a negative failure threshold',
      (p) => (p.spec!.containers![0].readinessProbe = { exec: { command: ['true'] }, failureThreshold: -1 }),
      ['spec.containers[0].readinessProbe.failureThreshold: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'an exec probe without a command',
      (p) => (p.spec!.containers![0].livenessProbe = { exec: {} }),
      ['spec.containers[0].livenessProbe.exec.command: Required value'],
    ],
    [
      'a probe on a plain init container',
      (p) => (p.spec!.initContainers = [{ name: 'init', image: 'busybox:1.36', readinessProbe: { exec: { command: ['true'] } } }]),
      ['spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always'],
    ],
    [
      'an init container restart policy other than Always',
      (p) => (p.spec!.initContainers = [{ name: 'init', image: 'busybox:1.36', restartPolicy: 'OnFailure' }]),
      ['spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    ],
    [
      'an unknown pull policy',
      (p) => (p.spec!.containers![0].imagePullPolicy = 'Sometimes'),
      ['spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"'],
    ],
    [
      'an unknown restart policy',
      (p) => (p.spec!.restartPolicy = 'Sometimes'),
      ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ],
    [
      'an unknown DNS policy',
      (p) => (p.spec!.dnsPolicy = 'Magic'),
      ['spec.dnsPolicy: Unsupported value: "Magic": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
    ],
    [
      'DNS policy None without a DNS config',
      (p) => (p.spec!.dnsPolicy = 'None'),
      ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'],
    ],
    [
      'DNS policy None without nameservers',
      (p) => {
        p.spec!.dnsPolicy = 'None';
        p.spec!.dnsConfig = { searches: ['svc.cluster.local'] };
      },
      ['spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None'],
    ],
    [
      'a nameserver that is not an IP',
      (p) => (p.spec!.dnsConfig = { nameservers: ['dns.local'] }),
      ['spec.dnsConfig.nameservers[0]: Invalid value: "dns.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ],
    ['a hostname that is not a DNS label', (p) => (p.spec!.hostname = 'Web'), [`spec.hostname: Invalid value: "Web": ${DNS_LABEL_ERROR}`]],
    ['a subdomain that is not a DNS label', (p) => (p.spec!.subdomain = 'a.b'), ['spec.subdomain: Invalid value: "a.b": must not contain dots']],
    [
      'a node selector value with a space',
      (p) => (p.spec!.nodeSelector = { disk: 'fast ssd' }),
      [
        'spec.nodeSelector: Invalid value: "fast ssd": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', ' +
          "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      'an activeDeadlineSeconds of 0',
      (p) => (p.spec!.activeDeadlineSeconds = 0),
      ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive'],
    ],
    [
      'a negative grace period',
      (p) => (p.spec!.terminationGracePeriodSeconds = -1),
      ['spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'a toleration without a key that is not Exists',
      (p) => (p.spec!.tolerations = [{ operator: 'Equal', value: 'x' }]),
      ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'],
    ],
    [
      'tolerationSeconds on a NoSchedule toleration',
      (p) => (p.spec!.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }]),
      ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"],
    ],
    [
      'an unknown toleration operator',
      (p) => (p.spec!.tolerations = [{ key: 'k', operator: 'In' }]),
      ['spec.tolerations[0].operator: Unsupported value: "In": supported values: "Equal", "Exists"'],
    ],
    [
      'an unknown toleration effect',
      (p) => (p.spec!.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoRun' }]),
      ['spec.tolerations[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
    ],
    [
      'an unknown node selector operator',
      (p) =>
        (p.spec!.affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Near', values: ['a'] }] }] },
          },
        }),
      ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator'],
    ],
    [
      'required node affinity without terms',
      (p) => (p.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }),
      ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term'],
    ],
    [
      'a pod affinity term without a topology key',
      (p) => (p.spec!.affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: {} }] } }),
      [
        'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Required value: can not be empty',
        'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "": name part must be non-empty',
        'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "": name part must consist of ' +
          "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " +
          "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
    [
      'a preferred term weighing 0',
      (p) =>
        (p.spec!.affinity = {
          podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }] },
        }),
      ['spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100'],
    ],
    [
      'ephemeral containers on create',
      (p) => (p.spec!.ephemeralContainers = [{ name: 'debug', image: 'busybox:1.36', targetContainerName: 'app' }]),
      ['spec.ephemeralContainers: Forbidden: cannot be set on create'],
    ],
    [
      'a node name while gated',
      (p) => {
        p.spec!.nodeName = 'worker-1';
        p.spec!.schedulingGates = [{ name: 'example.com/wait' }];
      },
      ['spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared'],
    ],
    [
      'a host port that differs from the container port under hostNetwork',
      (p) => {
        p.spec!.hostNetwork = true;
        p.spec!.containers![0].ports![0].hostPort = 80;
      },
      ['spec.containers[0].ports[0].hostPort: Invalid value: 80: must match `containerPort` when `hostNetwork` is true'],
    ],
    [
      'an unknown preemption policy',
      (p) => (p.spec!.preemptionPolicy = 'Always'),
      ['spec.preemptionPolicy: Unsupported value: "Always": supported values: "PreemptLowerPriority", "Never"'],
    ],
    [
      'a run-as user out of range',
      (p) => (p.spec!.securityContext = { runAsUser: -1 }),
      ['spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive'],
    ],
    [
      'windows options on a linux pod',
      (p) => {
        p.spec!.os = { name: 'linux' };
        p.spec!.containers![0].securityContext = { windowsOptions: { runAsUserName: 'ContainerUser' } };
      },
      ['spec.containers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod'],
    ],
    [
      'a bad pod deletion cost',
      (p) => (p.metadata!.annotations = { 'controller.kubernetes.io/pod-deletion-cost': 'high' }),
      ['metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "high": must be a 32bit integer'],
    ],
  ];

  it.each(cases)('refuses %s', (_name, mutate, expected) => {
    expect(createErrors(mutate)).toEqual(expected);
  });
});

describe('Pod validation on update', () => {
  const cases: [string, (pod: Pod) => void, string[], ((pod: Pod) => void)?][] = [
    ['a new image', (p) => (p.spec!.containers![0].image = 'nginx:1.28'), []],
    ['new labels', (p) => (p.metadata!.labels = { app: 'web', tier: 'front' }), []],
    ['a first activeDeadlineSeconds', (p) => (p.spec!.activeDeadlineSeconds = 600), []],
    ['a lower activeDeadlineSeconds', (p) => (p.spec!.activeDeadlineSeconds = 300), [], (p) => (p.spec!.activeDeadlineSeconds = 600)],
    [
      'a higher activeDeadlineSeconds',
      (p) => (p.spec!.activeDeadlineSeconds = 900),
      ['spec.activeDeadlineSeconds: Invalid value: 900: must be less than or equal to previous value'],
      (p) => (p.spec!.activeDeadlineSeconds = 600),
    ],
    [
      'a removed activeDeadlineSeconds',
      (p) => delete p.spec!.activeDeadlineSeconds,
      ['spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value'],
      (p) => (p.spec!.activeDeadlineSeconds = 600),
    ],
    ['an added toleration', (p) => p.spec!.tolerations!.push({ key: 'b', operator: 'Exists' }), [], (p) => (p.spec!.tolerations = [{ key: 'a', operator: 'Exists' }])],
    [
      'a changed tolerationSeconds',
      (p) => (p.spec!.tolerations![0].tolerationSeconds = 30),
      [],
      (p) => (p.spec!.tolerations = [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]),
    ],
    [
      'a changed toleration',
      (p) => (p.spec!.tolerations![0].key = 'b'),
      ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'],
      (p) => (p.spec!.tolerations = [{ key: 'a', operator: 'Exists' }]),
    ],
    ['a removed scheduling gate', (p) => (p.spec!.schedulingGates = []), [], (p) => (p.spec!.schedulingGates = [{ name: 'example.com/wait' }])],
    [
      'an added scheduling gate',
      (p) => (p.spec!.schedulingGates = [{ name: 'example.com/wait' }]),
      ["spec.schedulingGates[0].name: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/wait'"],
    ],
    [
      'a node selector addition while gated',
      (p) => (p.spec!.nodeSelector = { zone: 'a', disk: 'ssd' }),
      [],
      (p) => {
        p.spec!.schedulingGates = [{ name: 'example.com/wait' }];
        p.spec!.nodeSelector = { zone: 'a' };
      },
    ],
    [
      'an added container',
      (p) => p.spec!.containers!.push({ name: 'sidecar', image: 'envoy:1.30' }),
      ['spec.containers: Forbidden: pod updates may not add or remove containers'],
    ],
    [
      'a changed QoS class',
      (p) => (p.status = { ...p.status, qosClass: 'Guaranteed' }),
      ['status.qosClass: Invalid value: "Guaranteed": field is immutable'],
    ],
  ];

  it.each(cases)('handles %s', (_name, mutate, expected, base) => {
    expect(updateErrors(mutate, base)).toEqual(expected);
  });

  it.each([
    ['restartPolicy', (p: Pod) => (p.spec!.restartPolicy = 'Never'), '  spec.restartPolicy: "Always" -> "Never"'],
    ['nodeName', (p: Pod) => (p.spec!.nodeName = 'worker-2'), '  spec.nodeName: <unset> -> "worker-2"'],
    ['container ports', (p: Pod) => (p.spec!.containers![0].ports![0].containerPort = 9090), '  spec.containers[0].ports[0].containerPort: 8080 -> 9090'],
  ])('refuses a change of %s with Kubernetes message', (_name, mutate, diff) => {
    expect(updateErrors(mutate)).toEqual([
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
        '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
        '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n' +
        diff,
    ]);
  });

  it('compares a stored (protobuf) pod with a JSON update without spurious changes', () => {
    const scheme = defaultScheme();
    const info = scheme.forKind('v1', 'Pod')!;
    const pod = created();
    const stored = scheme.decode(info, scheme.encode(info, pod)) as Pod;
    const next = scheme.fromJson(scheme.toJson(info, stored)).obj as Pod;
    next.spec!.containers![0].image = 'nginx:1.28';
    podStrategy.applyDefaults?.(next);
    expect(podStrategy.validateUpdate?.(next, stored).map(formatFieldError)).toEqual([]);
  });
});

describe('pod templates', () => {
  it('get the PodSpec defaults but not the Pod-only ones', () => {
    const template: PodTemplateSpec = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
    applyPodTemplateDefaults(template);
    expect(template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    expect(template.spec?.enableServiceLinks).toBeUndefined();
    expect(template.spec?.serviceAccountName).toBeUndefined();
    expect(template.spec?.priority).toBeUndefined();
    expect(template.spec?.containers?.[0].imagePullPolicy).toBe('Always');
  });

  it('are validated at the given path, labels reported where Kubernetes reports them', () => {
    const template: PodTemplateSpec = {
      metadata: { labels: { app: 'web app' } },
      spec: { containers: [{ name: 'app' }], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] },
    };
    applyPodTemplateDefaults(template);
    expect(validatePodTemplateSpec(template, FieldPath.root('spec', 'template')).map(formatFieldError)).toEqual([
      'spec.template.labels: Invalid value: "web app": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', ' +
        "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      'spec.template.spec.containers[0].image: Required value',
      'spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template',
    ]);
  });

  it('allow host port 0 under hostNetwork, which the pod will default', () => {
    const spec = { hostNetwork: true, containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }] };
    applyPodSpecDefaults(spec);
    expect(validatePodSpec(spec, FieldPath.root('spec', 'template', 'spec'))).toEqual([]);
  });

  it('treat a missing spec as an empty one', () => {
    expect(validatePodTemplateSpec(undefined, FieldPath.root('spec', 'template')).map(formatFieldError)).toEqual([
      'spec.template.spec.terminationGracePeriodSeconds: Required value',
      'spec.template.spec.containers: Required value',
      'spec.template.spec.restartPolicy: Required value',
      'spec.template.spec.dnsPolicy: Required value',
    ]);
  });
});
