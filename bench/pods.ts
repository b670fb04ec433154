import type { corev1 } from '@minik8s/api';

const APPS = ['checkout', 'cart', 'catalog', 'payments', 'search', 'users', 'orders', 'gateway'];

/**
 * A pod like a Deployment's: two containers (app + sidecar) with requests/limits, ports, env,
 * probes, labels and annotations — about 2 KiB of protobuf once stored.
 */
export function benchPod(namespace: string, name: string, index: number): corev1.Pod {
  const app = APPS[index % APPS.length];
  const hash = (index * 2654435761 >>> 0).toString(16).padStart(8, '0').slice(0, 8);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: {
        app,
        'app.kubernetes.io/name': app,
        'app.kubernetes.io/part-of': 'shop',
        'pod-template-hash': hash,
        tier: index % 3 === 0 ? 'frontend' : 'backend',
        shard: String(index % 10),
      },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
        'kubernetes.io/change-cause': `deploy ${app} build ${1000 + (index % 97)}`,
      },
    },
    spec: {
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      containers: [
        {
          name: app,
          image: `registry.example.com/shop/${app}:1.${index % 20}.${index % 7}`,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/server'],
          args: ['--port=8080', '--metrics-port=9090', `--shard=${index % 10}`],
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
          ],
          env: [
            { name: 'APP_NAME', value: app },
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'DB_HOST', value: `${app}-db.shop.svc.cluster.local` },
            { name: 'DB_PORT', value: '5432' },
            { name: 'CACHE_URL', value: 'redis://cache.shop.svc.cluster.local:6379/0' },
            { name: 'FEATURE_FLAGS', value: 'new-checkout,fast-search,async-orders' },
          ],
          resources: {
            requests: { cpu: '250m', memory: '256Mi' },
            limits: { cpu: '1', memory: '512Mi' },
          },
          readinessProbe: {
            httpGet: { path: '/healthz', port: { type: 0, intVal: 8080 } },
            initialDelaySeconds: 5,
            periodSeconds: 10,
          },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
        {
          name: 'log-shipper',
          image: 'registry.example.com/infra/log-shipper:3.2.1',
          imagePullPolicy: 'IfNotPresent',
          args: ['--input=/var/log/app', '--output=tcp://logs.infra.svc.cluster.local:5170'],
          env: [
            { name: 'SHIPPER_BUFFER', value: '8Mi' },
            { name: 'SHIPPER_FLUSH_SECONDS', value: '5' },
          ],
          resources: {
            requests: { cpu: '50m', memory: '64Mi' },
            limits: { cpu: '200m', memory: '128Mi' },
          },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
    },
  };
}

/** The change an update makes: a new annotation value, as a controller stamping a pod would. */
export function touched(pod: corev1.Pod, round: number): corev1.Pod {
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: { ...(pod.metadata?.annotations ?? {}), 'bench.minik8s.io/round': String(round) },
    },
  };
}
