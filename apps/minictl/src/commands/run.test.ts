import { describe, expect, it } from 'vitest';
import { runOffline as minictl } from '../test-context';
import { buildRunPod, buildRunService, isValidImageReference, parseEnvs } from './run';

describe('buildRunPod', () => {
  it('makes the pod kubectl run makes: labelled run=NAME, one container named NAME, restarted always', () => {
    expect(buildRunPod({ name: 'nginx', image: 'nginx' })).toEqual({
      metadata: { name: 'nginx', labels: { run: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }], dnsPolicy: 'ClusterFirst', restartPolicy: 'Always' },
      status: {},
    });
  });

  it('sets the port, env, labels (instead of run=NAME), annotations, restart policy, pull policy and privilege', () => {
    const pod = buildRunPod({
      name: 'hz',
      image: 'hazelcast/hazelcast:5',
      port: '5701',
      env: ['DNS_DOMAIN=cluster', 'EMPTY=', 'EQ=a=b'],
      labels: 'app=hz,env=prod',
      annotations: ['team=core'],
      restart: 'Never',
      imagePullPolicy: 'IfNotPresent',
      privileged: true,
    });
    expect(pod.metadata).toEqual({ name: 'hz', labels: { app: 'hz', env: 'prod' }, annotations: { team: 'core' } });
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.spec?.containers).toEqual([
      {
        name: 'hz',
        image: 'hazelcast/hazelcast:5',
        resources: {},
        securityContext: { privileged: true },
        env: [{ name: 'DNS_DOMAIN', value: 'cluster' }, { name: 'EMPTY', value: '' }, { name: 'EQ', value: 'a=b' }],
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 5701 }],
      },
    ]);
  });

  it('keeps stdin open once with -i (always with --leave-stdin-open) and allocates a terminal with -t', () => {
    expect(buildRunPod({ name: 'sh', image: 'busybox', stdin: true, tty: true, restart: 'Never' }).spec).toEqual({
      containers: [{ name: 'sh', image: 'busybox', resources: {}, stdin: true, stdinOnce: true, tty: true }],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Never',
    });
    expect(buildRunPod({ name: 'sh', image: 'busybox', stdin: true, leaveStdinOpen: true }).spec?.containers?.[0]).toEqual({ name: 'sh', image: 'busybox', resources: {}, stdin: true });
    expect(buildRunPod({ name: 'sh', image: 'busybox', leaveStdinOpen: true }).spec?.containers?.[0]).toEqual({ name: 'sh', image: 'busybox', resources: {} });
  });

  it('puts the arguments in args, or in command with --command', () => {
    expect(buildRunPod({ name: 'b', image: 'busybox', args: ['sleep', '1'] }).spec?.containers?.[0]).toMatchObject({ args: ['sleep', '1'] });
    const withCommand = buildRunPod({ name: 'b', image: 'busybox', args: ['sleep', '1'], command: true }).spec?.containers?.[0];
    expect(withCommand).toMatchObject({ command: ['sleep', '1'] });
    expect(withCommand?.args).toBeUndefined();
  });

  it('refuses bad env, labels, annotations and ports in kubectl\'s words', () => {
    expect(() => parseEnvs(['NOVALUE'])).toThrow('invalid env: NOVALUE');
    expect(() => parseEnvs(['=x'])).toThrow('invalid env: =x');
    expect(() => parseEnvs(['1A=x'])).toThrow('invalid env: 1A=x');
    expect(() => buildRunPod({ name: 'x', image: 'x', labels: 'app' })).toThrow('unexpected label spec: app');
    expect(() => buildRunPod({ name: 'x', image: 'x', annotations: ['a', 'b=1', 'c'] })).toThrow('invalid annotations format: a, c');
    expect(() => buildRunPod({ name: 'x', image: 'x', port: 'http' })).toThrow('strconv.Atoi: parsing "http": invalid syntax');
  });
});

describe('buildRunService', () => {
  it('selects run=NAME on the port, or the --labels (which it also carries)', () => {
    expect(buildRunService('web', '80')).toEqual({
      metadata: { name: 'web' },
      spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: { type: 0, intVal: 80 } }], selector: { run: 'web' } },
      status: { loadBalancer: {} },
    });
    expect(buildRunService('web', '80', 'app=web')).toMatchObject({ metadata: { name: 'web', labels: { app: 'web' } }, spec: { selector: { app: 'web' } } });
  });
});

describe('isValidImageReference', () => {
  it('accepts image references and refuses the rest', () => {
    for (const image of ['nginx', 'nginx:1.25', 'registry.example.com:5000/team/api-server:v2', 'localhost/a_b__c-d', `busybox@sha256:${'a'.repeat(64)}`]) {
      expect(isValidImageReference(image), image).toBe(true);
    }
    for (const image of ['Nginx', 'nginx:', 'a//b', ':tag', 'nginx@sha256:abc', 'a b']) expect(isValidImageReference(image), image).toBe(false);
  });
});

describe('minictl run flags', () => {
  it('refuses bad invocations before talking to the server', async () => {
    expect(await minictl(['run', 'web'])).toEqual({ code: 1, stdout: '', stderr: "error: required flag(s) \"image\" not set\nSee 'minictl run --help' for usage.\n" });
    expect(await minictl(['run', '--image=nginx'])).toMatchObject({ code: 1, stderr: "error: NAME is required for run\nSee 'minictl run --help' for usage.\n" });
    expect(await minictl(['run', '--image=nginx', '--', 'web'])).toMatchObject({ code: 1, stderr: "error: NAME is required for run\nSee 'minictl run --help' for usage.\n" });
    expect(await minictl(['run', 'web', '--image='])).toMatchObject({ code: 1, stderr: 'error: --image is required\n' });
    expect(await minictl(['run', 'web', '--image=Nginx'])).toMatchObject({ code: 1, stderr: 'error: invalid image name "Nginx": invalid reference format\n' });
    expect(await minictl(['run', 'web', '--image=nginx', '--expose'])).toMatchObject({
      code: 1,
      stderr: "error: --port must be set when exposing a service\nSee 'minictl run --help' for usage.\n",
    });
    expect(await minictl(['run', 'web', '--image=nginx', '--restart=Sometimes'])).toMatchObject({ code: 1, stderr: "error: invalid restart policy: Sometimes\nSee 'minictl run --help' for usage.\n" });
    expect(await minictl(['run', 'web', '--image=nginx', '--image-pull-policy=Maybe'])).toMatchObject({
      code: 1,
      stderr: "error: invalid image pull policy: Maybe\nSee 'minictl run --help' for usage.\n",
    });
    expect(await minictl(['run', 'web', '--image=nginx', '-t'])).toMatchObject({ code: 1, stderr: "error: -i/--stdin is required for containers with -t/--tty=true\nSee 'minictl run --help' for usage.\n" });
    expect(await minictl(['run', 'web', '--image=nginx', '--rm'])).toMatchObject({ code: 1, stderr: "error: --rm should only be used for attached containers\nSee 'minictl run --help' for usage.\n" });
    expect(await minictl(['run', 'web', '--image=nginx', '-it', '--dry-run=client'])).toMatchObject({
      code: 1,
      stderr: "error: --dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)\nSee 'minictl run --help' for usage.\n",
    });
    expect(await minictl(['run', 'web', '--image=nginx', '-it', '--rm', '--pod-running-timeout=soon'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: invalid argument "soon" for "--pod-running-timeout" flag: time: invalid duration "soon"\n',
    });
  });

  it('prints the pod without a server under --dry-run=client', async () => {
    expect(await minictl(['run', 'web', '--image=nginx', '--dry-run=client'])).toEqual({ code: 0, stdout: 'pod/web created (dry run)\n', stderr: '' });
    expect(await minictl(['run', 'web', '--image=nginx', '--port=80', '--expose', '--dry-run=client', '-o', 'name'])).toEqual({
      code: 0,
      stdout: 'service/web\npod/web\n',
      stderr: '',
    });
  });
});
