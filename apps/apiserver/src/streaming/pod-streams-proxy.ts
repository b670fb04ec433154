// The apiserver's pods/log, pods/exec, pods/attach and pods/portforward: it checks the request
// against the stored pod, finds the kubelet of the pod's node, and forwards the user's stream
// there frame by frame (the one side channel ARCHITECTURE.md allows).

import {
  credentials,
  status as GrpcCode,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServerDuplexStream,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { fromServiceError, newBadRequest, STATUS_TRAILER, StatusError, streamingv1, toServiceError, type corev1, type Scheme } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import type { GenericRegistry } from '../registry/generic-registry';
import { kubeletEndpoint, streamContainer } from './stream-location';

interface Located {
  target: streamingv1.PodTarget;
  /** host:port of the kubelet; '' when the pod is not on a node yet. */
  kubelet: string;
  container: string;
  pod: corev1.Pod;
}

/** The error a user sees for a failed kubelet call: the kubelet's own Status, or a dial error. */
function upstreamError(err: unknown): Partial<ServiceError> {
  const e = err as Partial<ServiceError>;
  if (e.metadata?.get(STATUS_TRAILER).length) return toServiceError(fromServiceError(err));
  if (e.code === GrpcCode.UNAVAILABLE) return toServiceError(new StatusError('InternalError', `error dialing backend: ${e.details ?? String(err)}`));
  return toServiceError(new StatusError('InternalError', e.details ?? String(err)));
}

type Emitter = { emit(event: 'error', err: unknown): unknown };

export class PodStreamsProxy {
  private readonly kubelets = new Map<string, streamingv1.PodStreamsClient>();

  constructor(
    private readonly registry: GenericRegistry,
    private readonly scheme: Scheme,
    private readonly logger: Logger,
  ) {}

  private kubelet(address: string): streamingv1.PodStreamsClient {
    let client = this.kubelets.get(address);
    if (!client) {
      client = new streamingv1.PodStreamsClient(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
      this.kubelets.set(address, client);
    }
    return client;
  }

  private async locate(target: streamingv1.PodTarget | undefined, container: string | undefined, needsNode: boolean): Promise<Located> {
    const podInfo = this.scheme.forKind('v1', 'Pod');
    const nodeInfo = this.scheme.forKind('v1', 'Node');
    if (!podInfo || !nodeInfo) throw new StatusError('InternalError', 'the scheme has no Pod or Node kind');
    const namespace = target?.namespace || 'default';
    const name = target?.name ?? '';
    if (!name) throw newBadRequest('resource name may not be empty');
    const pod = (await this.registry.get(podInfo, namespace, name)) as corev1.Pod;
    const resolved = container === undefined ? '' : streamContainer(pod, container);
    const nodeName = pod.spec?.nodeName ?? '';
    if (!nodeName) {
      if (needsNode) throw newBadRequest(`pod ${name} does not have a host assigned`);
      return { target: { namespace, name, uid: pod.metadata?.uid }, kubelet: '', container: resolved, pod };
    }
    const node = (await this.registry.get(nodeInfo, undefined, nodeName)) as corev1.Node;
    return { target: { namespace, name, uid: pod.metadata?.uid }, kubelet: kubeletEndpoint(node), container: resolved, pod };
  }

  implementation(): streamingv1.PodStreamsServer {
    return {
      log: (call) => void this.log(call),
      exec: (call) => void this.stdio(call, 'exec'),
      attach: (call) => void this.stdio(call, 'attach'),
      portForward: (call) => void this.portForward(call),
    };
  }

  private async log(call: ServerWritableStream<streamingv1.LogRequest, streamingv1.LogChunk>): Promise<void> {
    let cancelled = false;
    let upstream: ClientReadableStream<streamingv1.LogChunk> | undefined;
    call.on('cancelled', () => {
      cancelled = true;
      upstream?.cancel();
    });
    try {
      const options = call.request.options ?? {};
      const where = await this.locate(call.request.pod, options.container ?? '', false);
      // A pod not on a node yet has no logs: Kubernetes answers with an empty stream.
      if (!where.kubelet) return void call.end();
      if (cancelled) return;
      const up = this.kubelet(where.kubelet).log({ pod: where.target, options: { ...options, container: where.container } });
      upstream = up;
      up.on('data', (chunk: streamingv1.LogChunk) => {
        if (!call.write(chunk)) {
          up.pause();
          call.once('drain', () => up.resume());
        }
      });
      up.on('end', () => call.end());
      up.on('error', (err: ServiceError) => {
        if (!cancelled) call.emit('error', upstreamError(err));
      });
    } catch (err) {
      if (!cancelled) call.emit('error', toServiceError(err));
    }
  }

  /**
   * Forwards a bidi stream: waits for the caller's first frame, lets `open` check it and start the
   * kubelet call, then copies frames both ways, with backpressure, until either side ends.
   */
  private async bidi<In, Out>(
    call: ServerDuplexStream<In, Out>,
    open: (first: In) => Promise<ClientDuplexStream<In, Out>>,
  ): Promise<void> {
    let cancelled = false;
    let upstream: ClientDuplexStream<In, Out> | undefined;
    call.on('cancelled', () => {
      cancelled = true;
      upstream?.cancel();
    });
    try {
      const first = await new Promise<In | undefined>((resolve) => {
        call.once('data', (frame: In) => {
          call.pause();
          resolve(frame);
        });
        call.once('end', () => resolve(undefined));
      });
      if (first === undefined) throw newBadRequest('the stream ended before its options arrived');
      const up = await open(first);
      upstream = up;
      if (cancelled) return void up.cancel();
      call.on('data', (frame: In) => {
        if (!up.write(frame)) {
          call.pause();
          up.once('drain', () => call.resume());
        }
      });
      call.on('end', () => up.end());
      up.on('data', (frame: Out) => {
        if (!call.write(frame)) {
          up.pause();
          call.once('drain', () => up.resume());
        }
      });
      up.on('end', () => call.end());
      up.on('error', (err: ServiceError) => {
        if (!cancelled) (call as Emitter).emit('error', upstreamError(err));
      });
      call.resume();
    } catch (err) {
      if (!cancelled) (call as Emitter).emit('error', toServiceError(err));
    }
  }

  private stdio(call: ServerDuplexStream<streamingv1.StreamInput, streamingv1.StreamOutput>, kind: 'exec' | 'attach'): Promise<void> {
    return this.bidi(call, async (first) => {
      const options = (kind === 'exec' ? first.exec : first.attach) ?? {};
      const where = await this.locate(first.pod, options.container ?? '', true);
      const up = kind === 'exec' ? this.kubelet(where.kubelet).exec() : this.kubelet(where.kubelet).attach();
      const resolved = { ...options, container: where.container };
      up.write({ ...first, pod: where.target, ...(kind === 'exec' ? { exec: resolved } : { attach: resolved }) });
      this.logger.debug({ kind, pod: `${where.target.namespace}/${where.target.name}`, kubelet: where.kubelet }, 'forwarding stream');
      return up;
    });
  }

  private portForward(call: ServerDuplexStream<streamingv1.PortForwardInput, streamingv1.PortForwardOutput>): Promise<void> {
    return this.bidi(call, async (first) => {
      const where = await this.locate(first.pod, undefined, true);
      const up = this.kubelet(where.kubelet).portForward();
      up.write({ ...first, pod: where.target });
      return up;
    });
  }

  close(): void {
    for (const client of this.kubelets.values()) client.close();
    this.kubelets.clear();
  }
}
