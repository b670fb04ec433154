/** An ApiClient stand-in that records the calls plugins make. Test-only. */
import type { ApiClient } from '@minik8s/client';

export interface RecordedCall {
  verb: 'patch' | 'delete' | 'update' | 'bind';
  resource: string;
  namespace?: string;
  name: string;
  body?: unknown;
  subresource?: string;
}

export function fakeClient(calls: RecordedCall[], fail?: (call: RecordedCall) => Error | undefined): ApiClient {
  const run = async (call: RecordedCall): Promise<Record<string, unknown>> => {
    calls.push(call);
    const err = fail?.(call);
    if (err) throw err;
    return {};
  };
  const resource = (ref: { kind: string }, namespace?: string): unknown => ({
    namespace: (ns: string | undefined) => resource(ref, ns),
    patch: (name: string, _type: string, body: unknown, subresource = '') => run({ verb: 'patch', resource: ref.kind, namespace, name, body, subresource }),
    delete: (name: string, body?: unknown) => run({ verb: 'delete', resource: ref.kind, namespace, name, body }),
    update: (obj: { metadata?: { name?: string } }) => run({ verb: 'update', resource: ref.kind, namespace, name: obj.metadata?.name ?? '', body: obj }),
  });
  return {
    resource: (ref: { kind: string }) => resource(ref),
    bind: async (namespace: string, name: string, node: string) => {
      await run({ verb: 'bind', resource: 'Pod', namespace, name, body: node });
    },
  } as unknown as ApiClient;
}
