import { newBadRequest } from '@minik8s/api';

/** Where a paged list resumes: the snapshot revision and the next key, relative to the prefix. */
export interface ContinueToken {
  rv: number;
  start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'minik8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

export function decodeContinue(raw: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { v?: string; rv?: unknown; start?: unknown };
    if (parsed.v === 'minik8s.io/v1' && typeof parsed.rv === 'number' && typeof parsed.start === 'string' && !parsed.start.includes('..')) {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the error below
  }
  throw newBadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
