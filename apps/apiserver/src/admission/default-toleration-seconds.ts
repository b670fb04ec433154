import type { corev1 } from '@minik8s/api';
import type { AdmissionPlugin, AdmissionRequest } from './admission';

const DEFAULT_SECONDS = 300;
const TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'] as const;

function tolerates(tolerations: readonly corev1.Toleration[], key: string): boolean {
  return tolerations.some(
    (t) => (t.effect === 'NoExecute' || !t.effect) && ((t.operator === 'Exists' && !t.key) || t.key === key),
  );
}

/**
 * Kubernetes' DefaultTolerationSeconds: a pod that does not say otherwise tolerates its node
 * being not-ready or unreachable for 300 s before the node lifecycle controller evicts it.
 */
export class DefaultTolerationSeconds implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';

  constructor(private readonly seconds = DEFAULT_SECONDS) {}

  async admit(request: AdmissionRequest): Promise<void> {
    if (request.operation !== 'CREATE' || request.info.group !== '' || request.info.kind !== 'Pod') return;
    const spec = ((request.obj as corev1.Pod).spec ??= {});
    const tolerations = (spec.tolerations ??= []);
    for (const key of TAINTS) {
      if (!tolerates(tolerations, key)) {
        tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.seconds });
      }
    }
  }
}
