// Describing pods, and the containers, volumes and pod templates other describers share.

import type { corev1, IntOrString } from '@minik8s/api';
import { type DescribeWriter, formatTime, writeAnnotations, writeMap } from './writer';

function intOrString(v: IntOrString | undefined): string {
  if (!v) return '';
  return v.type === 1 ? (v.strVal ?? '') : String(v.intVal ?? 0);
}

function ports(list: readonly corev1.ContainerPort[] | undefined, host: boolean): string {
  return (list ?? []).map((p) => `${(host ? p.hostPort : p.containerPort) ?? 0}/${p.protocol || 'TCP'}`).join(',');
}

export function describeProbe(probe: corev1.Probe): string {
  const attrs = `delay=${probe.initialDelaySeconds ?? 0}s timeout=${probe.timeoutSeconds ?? 1}s period=${probe.periodSeconds ?? 10}s #success=${probe.successThreshold ?? 1} #failure=${probe.failureThreshold ?? 3}`;
  if (probe.exec) return `exec [${(probe.exec.command ?? []).join(' ')}] ${attrs}`;
  if (probe.httpGet) {
    const port = intOrString(probe.httpGet.port);
    const host = probe.httpGet.host ?? '';
    const scheme = (probe.httpGet.scheme || 'HTTP').toLowerCase();
    return `http-get ${scheme}://${port ? `${host}:${port}` : host}${probe.httpGet.path ?? ''} ${attrs}`;
  }
  if (probe.tcpSocket) return `tcp-socket ${probe.tcpSocket.host ?? ''}:${intOrString(probe.tcpSocket.port)} ${attrs}`;
  if (probe.grpc) return `grpc <pod>:${probe.grpc.port ?? 0} ${probe.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeState(w: DescribeWriter, name: string, state: corev1.ContainerState | undefined): void {
  if (state?.running) {
    w.line(2, `${name}:`, 'Running');
    w.line(3, 'Started:', formatTime(state.running.startedAt));
  } else if (state?.terminated) {
    const t = state.terminated;
    w.line(2, `${name}:`, 'Terminated');
    if (t.reason) w.line(3, 'Reason:', t.reason);
    if (t.message) w.line(3, 'Message:', t.message);
    w.line(3, 'Exit Code:', t.exitCode ?? 0);
    if (t.signal) w.line(3, 'Signal:', t.signal);
    w.line(3, 'Started:', formatTime(t.startedAt));
    w.line(3, 'Finished:', formatTime(t.finishedAt));
  } else {
    w.line(2, `${name}:`, 'Waiting');
    if (state?.waiting?.reason) w.line(3, 'Reason:', state.waiting.reason);
  }
}

function describeEnv(w: DescribeWriter, container: corev1.Container): void {
  if ((container.envFrom ?? []).length > 0) {
    w.raw(`${'  '.repeat(2)}Environment Variables from:\n`);
    for (const from of container.envFrom ?? []) {
      const [kind, ref] = from.configMapRef ? ['ConfigMap', from.configMapRef] : ['Secret', from.secretRef];
      const prefix = from.prefix ? ` with prefix '${from.prefix}'` : '';
      w.line(3, `${ref?.name ?? ''}`, `${kind}${prefix}`, `Optional: ${Boolean(ref?.optional)}`);
    }
  }
  const env = container.env ?? [];
  if (env.length === 0) {
    w.line(2, 'Environment:', '<none>');
    return;
  }
  w.raw(`${'  '.repeat(2)}Environment:\n`);
  for (const e of env) {
    const from = e.valueFrom;
    if (!from) {
      (e.value ?? '').split('\n').forEach((line, i) => w.line(3, i === 0 ? `${e.name}:` : '', line));
    } else if (from.fieldRef) {
      w.line(3, `${e.name}:`, ` (${from.fieldRef.apiVersion ?? 'v1'}:${from.fieldRef.fieldPath ?? ''})`);
    } else if (from.resourceFieldRef) {
      w.line(3, `${e.name}:`, `${from.resourceFieldRef.resource ?? ''} (${from.resourceFieldRef.containerName ?? ''})`);
    } else if (from.configMapKeyRef) {
      w.line(3, `${e.name}:`, `<set to the key '${from.configMapKeyRef.key ?? ''}' of config map '${from.configMapKeyRef.name ?? ''}'>`, `Optional: ${Boolean(from.configMapKeyRef.optional)}`);
    } else if (from.secretKeyRef) {
      w.line(3, `${e.name}:`, `<set to the key '${from.secretKeyRef.key ?? ''}' in secret '${from.secretKeyRef.name ?? ''}'>`, `Optional: ${Boolean(from.secretKeyRef.optional)}`);
    }
  }
}

/** `Containers:` (or `Init Containers:`) with each container's image, ports, state, resources, probes, env and mounts. */
export function describeContainers(
  w: DescribeWriter,
  title: string,
  containers: readonly corev1.Container[],
  statuses: readonly corev1.ContainerStatus[] | undefined,
  space: string,
): void {
  w.raw(`${space}${title}:\n`);
  for (const c of containers) {
    const status = statuses?.find((s) => s.name === c.name);
    w.raw(`  ${space ? ' ' : ''}${c.name ?? ''}:\n`);
    if (status) w.line(2, 'Container ID:', status.containerID ?? '');
    w.line(2, 'Image:', c.image ?? '');
    if (status) w.line(2, 'Image ID:', status.imageID ?? '');
    const p = ports(c.ports, false);
    w.line(2, p.includes(',') ? 'Ports:' : 'Port:', p || '<none>');
    const hp = ports(c.ports, true);
    w.line(2, hp.includes(',') ? 'Host Ports:' : 'Host Port:', hp || '<none>');
    for (const [label, list] of [['Command', c.command], ['Args', c.args]] as const) {
      if ((list ?? []).length === 0) continue;
      w.raw(`    ${label}:\n`);
      for (const item of list ?? []) for (const line of item.split('\n')) w.line(3, line);
    }
    if (status) {
      describeState(w, 'State', status.state);
      if (status.lastState?.terminated) describeState(w, 'Last State', status.lastState);
      w.line(2, 'Ready:', status.ready ? 'True' : 'False');
      w.line(2, 'Restart Count:', status.restartCount ?? 0);
    }
    for (const [label, map] of [['Limits', c.resources?.limits], ['Requests', c.resources?.requests]] as const) {
      const keys = Object.keys(map ?? {}).sort();
      if (keys.length === 0) continue;
      w.raw(`    ${label}:\n`);
      for (const k of keys) w.line(3, `${k}:`, map?.[k] ?? '');
    }
    if (c.livenessProbe) w.line(2, 'Liveness:', describeProbe(c.livenessProbe));
    if (c.readinessProbe) w.line(2, 'Readiness:', describeProbe(c.readinessProbe));
    if (c.startupProbe) w.line(2, 'Startup:', describeProbe(c.startupProbe));
    describeEnv(w, c);
    const mounts = c.volumeMounts ?? [];
    if (mounts.length === 0) {
      w.line(2, 'Mounts:', '<none>');
    } else {
      w.raw('    Mounts:\n');
      for (const m of [...mounts].sort((a, b) => (a.mountPath ?? '').localeCompare(b.mountPath ?? ''))) {
        const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path="${m.subPath}"`] : [])];
        w.line(3, `${m.mountPath ?? ''} from ${m.name ?? ''} (${flags.join(',')})`);
      }
    }
  }
}

export function describeVolumes(w: DescribeWriter, volumes: readonly corev1.Volume[] | undefined, space: string): void {
  if (!volumes || volumes.length === 0) {
    w.line(0, `${space}Volumes:`, '<none>');
    return;
  }
  w.raw(`${space}Volumes:\n`);
  for (const v of volumes) {
    w.raw(`  ${space ? ' ' : ''}${v.name ?? ''}:\n`);
    if (v.hostPath) {
      w.line(2, 'Type:', 'HostPath (bare host directory volume)');
      w.line(2, 'Path:', v.hostPath.path ?? '');
      w.line(2, 'HostPathType:', v.hostPath.type ?? '');
    } else if (v.emptyDir) {
      w.line(2, 'Type:', "EmptyDir (a temporary directory that shares a pod's lifetime)");
      w.line(2, 'Medium:', v.emptyDir.medium ?? '');
      w.line(2, 'SizeLimit:', v.emptyDir.sizeLimit ?? '<unset>');
    } else if (v.configMap) {
      w.line(2, 'Type:', 'ConfigMap (a volume populated by a ConfigMap)');
      w.line(2, 'Name:', v.configMap.name ?? '');
      w.line(2, 'Optional:', Boolean(v.configMap.optional));
    } else if (v.secret) {
      w.line(2, 'Type:', 'Secret (a volume populated by a Secret)');
      w.line(2, 'SecretName:', v.secret.secretName ?? '');
      w.line(2, 'Optional:', Boolean(v.secret.optional));
    } else if (v.persistentVolumeClaim) {
      w.line(2, 'Type:', 'PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)');
      w.line(2, 'ClaimName:', v.persistentVolumeClaim.claimName ?? '');
      w.line(2, 'ReadOnly:', Boolean(v.persistentVolumeClaim.readOnly));
    } else if (v.projected) {
      w.line(2, 'Type:', 'Projected (a volume that contains injected data from multiple sources)');
    } else if (v.downwardAPI) {
      w.line(2, 'Type:', 'DownwardAPI (a volume populated by information about the pod)');
    } else if (v.nfs) {
      w.line(2, 'Type:', 'NFS (an NFS mount that lasts the lifetime of a pod)');
      w.line(2, 'Server:', v.nfs.server ?? '');
      w.line(2, 'Path:', v.nfs.path ?? '');
      w.line(2, 'ReadOnly:', Boolean(v.nfs.readOnly));
    } else {
      w.line(2, '<unknown>');
    }
  }
}

/** `key=value:Effect op=Exists for 300s`, one per line. */
export function writeTolerations(w: DescribeWriter, title: string, tolerations: readonly corev1.Toleration[] | undefined): void {
  if (!tolerations || tolerations.length === 0) {
    w.line(0, `${title}:`, '<none>');
    return;
  }
  tolerations.forEach((t, i) => {
    let text = t.key ?? '';
    if (t.value) text += `=${t.value}`;
    if (t.effect) text += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) text += t.key ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
    w.line(0, i === 0 ? `${title}:` : '', text);
  });
}

export function describePodTemplate(w: DescribeWriter, template: corev1.PodTemplateSpec | undefined): void {
  w.raw('Pod Template:\n');
  if (!template) {
    w.line(1, '<unset>');
    return;
  }
  writeMap(w, 0, '  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) writeAnnotations(w, 0, '  Annotations', template.metadata?.annotations);
  const spec = template.spec ?? {};
  if (spec.serviceAccountName) w.line(1, 'Service Account:', spec.serviceAccountName);
  if ((spec.initContainers ?? []).length > 0) describeContainers(w, 'Init Containers', spec.initContainers ?? [], undefined, '  ');
  describeContainers(w, 'Containers', spec.containers ?? [], undefined, '  ');
  describeVolumes(w, spec.volumes, '  ');
  if (spec.priorityClassName) w.line(1, 'Priority Class Name:', spec.priorityClassName);
  writeMap(w, 0, '  Node-Selectors', spec.nodeSelector);
  writeTolerations(w, '  Tolerations', spec.tolerations);
}

function hasResources(c: corev1.Container): boolean {
  return Object.keys(c.resources?.requests ?? {}).length + Object.keys(c.resources?.limits ?? {}).length > 0;
}

/** BestEffort without any requests or limits; Guaranteed when every container's cpu and memory limits equal requests. */
export function qosClass(pod: corev1.Pod): string {
  if (pod.status?.qosClass) return pod.status.qosClass;
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  if (!containers.some(hasResources)) return 'BestEffort';
  const guaranteed = containers.every((c) =>
    ['cpu', 'memory'].every((r) => {
      const limit = c.resources?.limits?.[r];
      const request = c.resources?.requests?.[r] ?? limit;
      return limit !== undefined && request === limit;
    }),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function describePod(w: DescribeWriter, pod: corev1.Pod, until: (timestamp: string) => string): void {
  const meta = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  w.line(0, 'Name:', meta.name ?? '');
  w.line(0, 'Namespace:', meta.namespace ?? '');
  if (spec.priority !== undefined) w.line(0, 'Priority:', spec.priority);
  if (spec.priorityClassName) w.line(0, 'Priority Class Name:', spec.priorityClassName);
  if (spec.runtimeClassName) w.line(0, 'Runtime Class Name:', spec.runtimeClassName);
  if (spec.serviceAccountName) w.line(0, 'Service Account:', spec.serviceAccountName);
  w.line(0, 'Node:', spec.nodeName ? `${spec.nodeName}/${status.hostIP ?? ''}` : '<none>');
  if (status.startTime) w.line(0, 'Start Time:', formatTime(status.startTime));
  writeMap(w, 0, 'Labels', meta.labels);
  writeAnnotations(w, 0, 'Annotations', meta.annotations);
  if (meta.deletionTimestamp && status.phase !== 'Failed' && status.phase !== 'Succeeded') {
    w.line(0, 'Status:', `Terminating (lasts ${until(meta.deletionTimestamp)})`);
    w.line(0, 'Termination Grace Period:', `${meta.deletionGracePeriodSeconds ?? 0}s`);
  } else {
    w.line(0, 'Status:', status.phase ?? '');
  }
  if (status.reason) w.line(0, 'Reason:', status.reason);
  if (status.message) w.line(0, 'Message:', status.message);
  w.line(0, 'IP:', status.podIP ?? '');
  const ips = status.podIPs ?? [];
  if (ips.length === 0) w.line(0, 'IPs:', '<none>');
  else {
    w.raw('IPs:\n');
    for (const ip of ips) w.line(1, 'IP:', ip.ip ?? '');
  }
  const controller = (meta.ownerReferences ?? []).find((o) => o.controller);
  if (controller) w.line(0, 'Controlled By:', `${controller.kind ?? ''}/${controller.name ?? ''}`);
  if (status.nominatedNodeName) w.line(0, 'NominatedNodeName:', status.nominatedNodeName);
  if ((spec.initContainers ?? []).length > 0) describeContainers(w, 'Init Containers', spec.initContainers ?? [], status.initContainerStatuses ?? [], '');
  describeContainers(w, 'Containers', spec.containers ?? [], status.containerStatuses ?? [], '');
  if ((spec.readinessGates ?? []).length > 0) {
    w.raw('Readiness Gates:\n');
    w.line(1, 'Type', 'Status');
    for (const g of spec.readinessGates ?? []) {
      const c = (status.conditions ?? []).find((x) => x.type === g.conditionType);
      w.line(1, g.conditionType ?? '', c?.status ?? '<none>');
    }
  }
  if ((status.conditions ?? []).length > 0) {
    w.raw('Conditions:\n');
    w.line(1, 'Type', 'Status');
    for (const c of status.conditions ?? []) w.line(1, `${c.type ?? ''} `, `${c.status ?? ''} `);
  }
  describeVolumes(w, spec.volumes, '');
  w.line(0, 'QoS Class:', qosClass(pod));
  writeMap(w, 0, 'Node-Selectors', spec.nodeSelector);
  writeTolerations(w, 'Tolerations', spec.tolerations);
}
