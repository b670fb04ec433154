import type { appsv1, corev1 } from '@minik8s/api';

export const BUSYBOX = 'minik8s/busybox:1.36';
export const KUBIA_V1 = 'minik8s/kubia:v1';
export const KUBIA_V2 = 'minik8s/kubia:v2';

export const intOrString = {
  int: (intVal: number) => ({ type: 0, intVal }),
  str: (strVal: string) => ({ type: 1, strVal }),
};

/** A busybox container running `script` with sh; it exits promptly on SIGTERM. */
export function shContainer(name: string, script: string, extra: Partial<corev1.Container> = {}): corev1.Container {
  return { name, image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra };
}

/** A busybox container that idles until it is stopped. */
export function idleContainer(name = 'idle', extra: Partial<corev1.Container> = {}): corev1.Container {
  return shContainer(name, 'trap "exit 0" TERM; while true; do sleep 1; done', extra);
}

/** A one-shot pod: `script` decides success (phase Succeeded) or failure (Failed). */
export function scriptPod(name: string, script: string, spec: Partial<corev1.PodSpec> = {}): corev1.Pod {
  return {
    metadata: { name },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 2, containers: [shContainer('main', script)], ...spec },
  };
}

/** The kubia container: answers on :8080, ready when it answers, lingers 3 s after SIGTERM so the proxy drops it first. */
export function kubiaContainer(image = KUBIA_V1): corev1.Container {
  return {
    name: 'kubia',
    image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/', port: intOrString.str('http') }, periodSeconds: 1 },
    lifecycle: { preStop: { exec: { command: ['sleep', '3'] } } },
  };
}

export function kubiaDeployment(replicas: number, podSpec: Partial<corev1.PodSpec> = {}): appsv1.Deployment {
  return {
    metadata: { name: 'kubia', labels: { app: 'kubia' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'kubia' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: intOrString.int(1), maxUnavailable: intOrString.int(0) } },
      template: {
        metadata: { labels: { app: 'kubia' } },
        spec: { terminationGracePeriodSeconds: 10, containers: [kubiaContainer()], ...podSpec },
      },
    },
  };
}

export function kubiaService(type: 'ClusterIP' | 'NodePort' = 'NodePort'): corev1.Service {
  return {
    metadata: { name: 'kubia' },
    spec: { type, selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: intOrString.str('http') }] },
  };
}
