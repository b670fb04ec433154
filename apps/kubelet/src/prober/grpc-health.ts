import * as grpc from '@grpc/grpc-js';
import type { ProbeResult } from './probe';

/**
 * The standard gRPC health protocol (grpc.health.v1.Health/Check), encoded by hand: the two
 * messages have one field each, which spares a proto file and a loader.
 *   message HealthCheckRequest { string service = 1; }
 *   message HealthCheckResponse { ServingStatus status = 1; }
 */
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
export type ServingStatus = (typeof SERVING_STATUS)[number];

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function decodeVarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length; i++) {
    value += (buf[i] & 0x7f) * 2 ** shift;
    if ((buf[i] & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new Error('truncated varint');
}

export function encodeHealthCheckRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...encodeVarint(bytes.length)]), bytes]);
}

export function decodeHealthCheckRequest(buf: Buffer): string {
  let service = '';
  for (let i = 0; i < buf.length; ) {
    const [tag, afterTag] = decodeVarint(buf, i);
    const wire = tag & 7;
    if (wire === 2) {
      const [len, start] = decodeVarint(buf, afterTag);
      if (tag >>> 3 === 1) service = buf.subarray(start, start + len).toString('utf8');
      i = start + len;
    } else if (wire === 0) {
      i = decodeVarint(buf, afterTag)[1];
    } else {
      throw new Error(`unexpected wire type ${wire} in HealthCheckRequest`);
    }
  }
  return service;
}

export function encodeHealthCheckResponse(status: ServingStatus): Buffer {
  const n = SERVING_STATUS.indexOf(status);
  return n === 0 ? Buffer.alloc(0) : Buffer.from([0x08, ...encodeVarint(n)]);
}

export function decodeHealthCheckResponse(buf: Buffer): ServingStatus {
  let status = 0;
  for (let i = 0; i < buf.length; ) {
    const [tag, afterTag] = decodeVarint(buf, i);
    const wire = tag & 7;
    if (wire === 0) {
      const [value, next] = decodeVarint(buf, afterTag);
      if (tag >>> 3 === 1) status = value;
      i = next;
    } else if (wire === 2) {
      const [len, start] = decodeVarint(buf, afterTag);
      i = start + len;
    } else {
      throw new Error(`unexpected wire type ${wire} in HealthCheckResponse`);
    }
  }
  return SERVING_STATUS[status] ?? 'UNKNOWN';
}

/**
 * The Health service for a grpc-js server (test servers and anything else that serves health).
 * Requests arrive as `{ service }`: grpc-js takes a falsy message ('' for the whole server) for none.
 */
export const healthServiceDefinition: grpc.ServiceDefinition = {
  Check: {
    path: HEALTH_CHECK_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (req: { service: string }) => encodeHealthCheckRequest(req.service),
    requestDeserialize: (buf: Buffer) => ({ service: decodeHealthCheckRequest(buf) }),
    responseSerialize: (status: ServingStatus) => encodeHealthCheckResponse(status),
    responseDeserialize: (buf: Buffer) => decodeHealthCheckResponse(buf),
  },
};

/**
 * The kubelet's gRPC probe: Health/Check for `service` on host:port in plain text, success only
 * for SERVING. Messages follow Kubernetes' prober (pkg/probe/grpc).
 */
export function probeGrpc(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeResult> {
  const addr = `${host}:${port}`;
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1000,
  });
  const deadline = Date.now() + timeoutMs;
  const seconds = `${timeoutMs / 1000}s`;
  return new Promise<ProbeResult>((resolve) => {
    client.waitForReady(deadline, (connectErr) => {
      if (connectErr) {
        resolve({ ok: false, output: `timeout: failed to connect service "${addr}" within ${seconds}: ${connectErr.message}` });
        return;
      }
      client.makeUnaryRequest<string, ServingStatus>(
        HEALTH_CHECK_PATH,
        encodeHealthCheckRequest,
        decodeHealthCheckResponse,
        service,
        new grpc.Metadata(),
        { deadline },
        (err, status) => {
          if (err) {
            if (err.code === grpc.status.UNIMPLEMENTED) {
              resolve({ ok: false, output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}` });
            } else if (err.code === grpc.status.DEADLINE_EXCEEDED) {
              resolve({ ok: false, output: `timeout: health rpc did not complete within ${seconds}` });
            } else {
              resolve({ ok: false, output: `error: health rpc probe failed: rpc error: code = ${grpc.status[err.code]} desc = ${err.details}` });
            }
            return;
          }
          if (status !== 'SERVING') resolve({ ok: false, output: `service unhealthy (responded with "${status ?? 'UNKNOWN'}")` });
          else resolve({ ok: true, output: 'service is healthy' });
        },
      );
    });
  }).finally(() => client.close());
}
