// The kubelet's stream server (the real kubelet's port 10250): logs, exec, attach and
// port-forward for the pods of this node, served over gRPC from Docker. The apiserver is its only
// caller: it resolves the container name and the node before forwarding a user's stream here.

import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { Server, ServerCredentials, type ServerDuplexStream, type ServerWritableStream } from '@grpc/grpc-js';
import { newBadRequest, newNotFound, StatusError, streamingv1, toServiceError, type corev1 } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import {
  LABEL_CONTAINER_NAME,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_TYPE,
  TYPE_CONTAINER,
  TYPE_SANDBOX,
} from '../runtime/labels';
import { copyContainerLogs } from './log-stream';
import { logContainerId } from './log-container';
import { forwardPort, netnsConnect, tcpConnect } from './port-forward';
import { runStdioSession, type StdioTarget } from './stdio-session';

export interface StreamingServerOptions {
  docker: Docker;
  nodeName: string;
  /** The pod as this kubelet knows it (its informer's copy). */
  getPod(namespace: string, name: string): corev1.Pod | undefined;
  logger: Logger;
}

type StdioCall = ServerDuplexStream<streamingv1.StreamInput, streamingv1.StreamOutput>;

function fail(call: { emit(event: 'error', err: unknown): unknown }, err: unknown): void {
  call.emit('error', toServiceError(err));
}

/** The first frame of a client stream, or undefined when the caller ended without one. */
function firstFrame<T>(call: { once(event: 'data', l: (f: T) => void): unknown; once(event: 'end', l: () => void): unknown; pause(): void }): Promise<T | undefined> {
  return new Promise((resolve) => {
    call.once('data', (frame: T) => {
      // Hold the frames after the first until the session has its listeners.
      call.pause();
      resolve(frame);
    });
    call.once('end', () => resolve(undefined));
  });
}

export class StreamingServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  private port = 0;

  constructor(private readonly options: StreamingServerOptions) {
    const impl: streamingv1.PodStreamsServer = {
      log: (call) => void this.log(call),
      exec: (call) => void this.stdio(call, 'exec'),
      attach: (call) => void this.stdio(call, 'attach'),
      portForward: (call) => void this.portForward(call),
    };
    this.server.addService(streamingv1.PodStreamsService, impl);
  }

  /** Listens on address:port (port 0: any free port); resolves to the port. */
  async start(address: string, port: number): Promise<number> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${address}:${port}`, ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(new Error(`could not serve pod streams on ${address}:${port} (--address, --port): ${err.message}`)) : resolve(bound),
      ),
    );
    this.options.logger.info({ address, port: this.port }, 'serving pod streams');
    return this.port;
  }

  get boundPort(): number {
    return this.port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1_000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  /** The pod named by a request, checked against its uid when the caller gave one. */
  private pod(target: streamingv1.PodTarget | undefined): corev1.Pod {
    const namespace = target?.namespace ?? '';
    const name = target?.name ?? '';
    const pod = this.options.getPod(namespace, name);
    if (!pod || (target?.uid && pod.metadata?.uid !== target.uid)) throw newNotFound({ group: '', resource: 'pods' }, name);
    return pod;
  }

  /** The container name to use: the given one, or the pod's only container. */
  private containerName(pod: corev1.Pod, given: string | undefined): string {
    if (given) return given;
    const names = (pod.spec?.containers ?? []).map((c) => c.name ?? '');
    if (names.length === 1) return names[0];
    throw newBadRequest(`a container name must be specified for pod ${pod.metadata?.name}, choose one of: [${names.join(' ')}]`);
  }

  private async log(call: ServerWritableStream<streamingv1.LogRequest, streamingv1.LogChunk>): Promise<void> {
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    try {
      const pod = this.pod(call.request.pod);
      const options = call.request.options ?? {};
      const id = logContainerId(pod, this.containerName(pod, options.container), options.previous ?? false);
      await copyContainerLogs(this.options.docker, id, options, { write: (data) => call.write({ data }), once: (e, l) => call.once(e, l) }, abort.signal);
      if (!abort.signal.aborted) call.end();
    } catch (err) {
      if (!abort.signal.aborted) fail(call, err);
    }
  }

  /** The running Docker container of a pod's container, by the labels the kubelet gave it. */
  private async runningContainer(pod: corev1.Pod, container: string): Promise<string> {
    const labels = [
      `${LABEL_NODE}=${this.options.nodeName}`,
      `${LABEL_TYPE}=${TYPE_CONTAINER}`,
      `${LABEL_POD_NAMESPACE}=${pod.metadata?.namespace ?? ''}`,
      `${LABEL_POD_NAME}=${pod.metadata?.name ?? ''}`,
      `${LABEL_CONTAINER_NAME}=${container}`,
    ];
    const found = await this.options.docker.listContainers({ filters: { label: labels, status: ['running'] } });
    // A static pod's containers carry its own uid, not its mirror pod's: prefer an exact match.
    const exact = found.filter((c) => c.Labels[LABEL_POD_UID] === pod.metadata?.uid);
    const match = (exact.length > 0 ? exact : found).sort((a, b) => b.Created - a.Created)[0];
    if (!match) throw newBadRequest(`container not found ("${container}")`);
    return match.Id;
  }

  /** The process holding the pod's network namespace: its running sandbox's. */
  private async sandboxPid(pod: corev1.Pod): Promise<number> {
    const labels = [
      `${LABEL_NODE}=${this.options.nodeName}`,
      `${LABEL_TYPE}=${TYPE_SANDBOX}`,
      `${LABEL_POD_NAMESPACE}=${pod.metadata?.namespace ?? ''}`,
      `${LABEL_POD_NAME}=${pod.metadata?.name ?? ''}`,
    ];
    const [sandbox] = (await this.options.docker.listContainers({ filters: { label: labels, status: ['running'] } })).sort((a, b) => b.Created - a.Created);
    if (!sandbox) throw new Error('the pod sandbox is not running');
    return (await this.options.docker.getContainer(sandbox.Id).inspect()).State.Pid;
  }

  private async stdio(call: StdioCall, kind: 'exec' | 'attach'): Promise<void> {
    let done = false;
    call.on('cancelled', () => (done = true));
    try {
      const first = await firstFrame<streamingv1.StreamInput>(call);
      if (!first) throw newBadRequest('the stream ended before its options arrived');
      const pod = this.pod(first.pod);
      const opts = (kind === 'exec' ? first.exec : first.attach) ?? {};
      const name = this.containerName(pod, opts.container);
      const docker = this.options.docker;
      const container = docker.getContainer(await this.runningContainer(pod, name));
      const stdin = opts.stdin ?? false;
      let target: StdioTarget;
      let command: string[] | undefined;
      if (kind === 'exec') {
        command = first.exec?.command ?? [];
        if (command.length === 0) throw newBadRequest('you must specify at least 1 command');
        const tty = opts.tty ?? false;
        const exec = await container.exec({
          Cmd: command,
          AttachStdin: stdin,
          AttachStdout: opts.stdout ?? true,
          AttachStderr: (opts.stderr ?? true) && !tty,
          Tty: tty,
        });
        const stream = await exec.start({ hijack: true, stdin, Tty: tty });
        target = {
          stream,
          tty,
          stdin,
          resize: async ({ width, height }) => void (await exec.resize({ w: width, h: height })),
          exitCode: async () => {
            // The stream can end a moment before Docker records the exit code.
            for (let i = 0; ; i++) {
              const info = await exec.inspect();
              if (!info.Running || i >= 50) return info.ExitCode ?? 0;
              await new Promise((r) => setTimeout(r, 20));
            }
          },
        };
      } else {
        const info = await container.inspect();
        const tty = info.Config.Tty;
        if (stdin && !info.Config.OpenStdin) throw newBadRequest(`stdin is not enabled for this container; set stdin: true in the spec of container "${name}"`);
        const stream = (await container.attach({ stream: true, hijack: true, stdin, stdout: opts.stdout ?? true, stderr: opts.stderr ?? true })) as unknown as StdioTarget['stream'];
        target = {
          stream,
          tty,
          stdin,
          resize: async ({ width, height }) => void (await container.resize({ w: width, h: height })),
          // As with Kubernetes' attach, the session ends cleanly when the container's output does;
          // the container's own exit code belongs to its status, not to the attach.
          exitCode: async () => 0,
        };
      }
      // The size the caller's terminal had at the start, before any input reaches the process.
      const size = first.resize;
      if (target.tty && size?.width && size.height) await target.resize({ width: size.width, height: size.height }).catch(() => undefined);
      if (first.stdin && first.stdin.length > 0 && stdin) target.stream.write(Buffer.from(first.stdin));
      call.resume();
      const status = await runStdioSession(call, target, command);
      if (status && !done) {
        call.write({ exit: status });
        call.end();
      }
    } catch (err) {
      if (!done) fail(call, err);
    }
  }

  private async portForward(call: ServerDuplexStream<streamingv1.PortForwardInput, streamingv1.PortForwardOutput>): Promise<void> {
    try {
      const first = await firstFrame<streamingv1.PortForwardInput>(call);
      if (!first) {
        call.end();
        return;
      }
      const pod = this.pod(first.pod);
      const port = first.port ?? 0;
      if (port < 1 || port > 65535) throw newBadRequest(`invalid port: ${port}`);
      const ip = pod.status?.podIP;
      if (!ip) throw newBadRequest(`pod ${pod.metadata?.name} does not have an IP address yet`);
      const open = (): Promise<Duplex> =>
        tcpConnect(ip, port).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ECONNREFUSED' || pod.spec?.hostNetwork) throw err;
          return netnsConnect(await this.sandboxPid(pod), port);
        });
      const connected = forwardPort(call, open, first);
      call.resume();
      await connected.catch((err: Error) => {
        throw new StatusError('InternalError', `error forwarding port ${port} to pod ${pod.metadata?.uid}: ${err.message}`);
      });
    } catch (err) {
      fail(call, err);
    }
  }
}
