import type { corev1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { runOffline } from '../test-context';
import { runningLine, serviceLink, serviceTitle } from './cluster-info';

function service(name: string, spec: corev1.ServiceSpec, extra: Partial<corev1.Service> = {}): corev1.Service {
  return { metadata: { name, namespace: 'kube-system', labels: { 'kubernetes.io/cluster-service': 'true' } }, spec, ...extra };
}

describe('cluster-info links', () => {
  it('points at the apiserver proxy for the first port, naming the port and guessing https', () => {
    expect(serviceLink('10.0.0.1:6443', service('kube-dns', { ports: [{ name: 'dns', port: 53 }, { name: 'dns-tcp', port: 53 }] }))).toBe(
      '10.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy',
    );
    expect(serviceLink('h:1', service('dash', { ports: [{ port: 443 }] }))).toBe('h:1/api/v1/namespaces/kube-system/services/https:dash:/proxy');
    expect(serviceLink('h:1', service('metrics', { ports: [{ name: 'https', port: 8443 }] }))).toBe('h:1/api/v1/namespaces/kube-system/services/https:metrics:https/proxy');
    expect(serviceLink('h:1', service('bare', {}))).toBe('h:1/api/v1/namespaces/kube-system/services/bare/proxy');
  });

  it('uses the load balancer\'s address for every port when there is one', () => {
    const lb = service('lb', { ports: [{ port: 80 }, { port: 8080 }] }, { status: { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } } });
    expect(serviceLink('h:1', lb)).toBe('http://lb.example:80 http://lb.example:8080 ');
  });

  it('names a service by its kubernetes.io/name label when it has one', () => {
    expect(serviceTitle({ metadata: { name: 'kube-dns', labels: { 'kubernetes.io/name': 'CoreDNS' } } })).toBe('CoreDNS');
    expect(serviceTitle({ metadata: { name: 'kube-dns' } })).toBe('kube-dns');
  });

  it('colours the name and link only for a terminal', () => {
    expect(runningLine('CoreDNS', 'x', false)).toBe('CoreDNS is running at x\n');
    expect(runningLine('CoreDNS', 'x', true)).toBe('\x1b[0;32mCoreDNS\x1b[0m is running at \x1b[0;33mx\x1b[0m\n');
  });
});

describe('cluster-info without a server', () => {
  it('refuses dump and unknown subcommands, and reports an unreachable server with exit code 1', async () => {
    expect(await runOffline(['cluster-info', 'dump'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: cluster-info dump is not supported by minictl; use "minictl get", "minictl describe", "minictl events -A" and "minictl logs" instead\n',
    });
    expect(await runOffline(['cluster-info', 'bogus'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: unknown command "bogus" for "minictl cluster-info"\nSee \'minictl cluster-info --help\' for usage.\n',
    });
    expect(await runOffline(['cluster-info'])).toEqual({
      code: 1,
      stdout: "\nTo further debug and diagnose cluster problems, use 'minictl cluster-info dump'.\n",
      stderr: 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
    });
  });
});
