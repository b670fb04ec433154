import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  healthServiceDefinition,
  probeGrpc,
  type ServingStatus,
} from './grpc-health';

describe('grpc.health.v1 messages', () => {
  it('round-trips requests and responses in protobuf wire format', () => {
    // protoc --encode of HealthCheckRequest{service:"svc"} is 0a 03 73 76 63.
    expect(encodeHealthCheckRequest('svc')).toEqual(Buffer.from([0x0a, 3, 0x73, 0x76, 0x63]));
    expect(encodeHealthCheckRequest('')).toEqual(Buffer.alloc(0));
    expect(decodeHealthCheckRequest(encodeHealthCheckRequest('a'.repeat(300)))).toBe('a'.repeat(300));
    expect(encodeHealthCheckResponse('NOT_SERVING')).toEqual(Buffer.from([0x08, 2]));
    for (const s of ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const) expect(decodeHealthCheckResponse(encodeHealthCheckResponse(s))).toBe(s);
  });
});

describe('probeGrpc', () => {
  let server: grpc.Server | undefined;
  afterEach(() => {
    server?.forceShutdown();
    server = undefined;
  });

  async function serve(statuses: Record<string, ServingStatus>): Promise<number> {
    server = new grpc.Server();
    server.addService(healthServiceDefinition, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, ServingStatus>, callback: grpc.sendUnaryData<ServingStatus>) => {
        const s = statuses[call.request.service];
        if (s === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else callback(null, s);
      },
    });
    return new Promise((resolve, reject) => server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
  }

  it('succeeds only for SERVING, per service, with Kubernetes messages', async () => {
    const port = await serve({ '': 'SERVING', db: 'NOT_SERVING' });
    expect(await probeGrpc('127.0.0.1', port, '', 5_000)).toEqual({ ok: true, output: 'service is healthy' });
    expect(await probeGrpc('127.0.0.1', port, 'db', 5_000)).toEqual({ ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
    const missing = await probeGrpc('127.0.0.1', port, 'other', 5_000);
    expect(missing.ok).toBe(false);
    expect(missing.output).toBe('error: health rpc probe failed: rpc error: code = NOT_FOUND desc = unknown service');
  });

  it('fails when nothing listens', async () => {
    const port = await serve({});
    server?.forceShutdown();
    server = undefined;
    const r = await probeGrpc('127.0.0.1', port, '', 1_000);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/^timeout: failed to connect service "127\.0\.0\.1:\d+" within 1s/);
  });
});
