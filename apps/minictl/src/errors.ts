// How minictl reports failures, in kubectl's words: `Error from server (Reason): message` for API
// errors, `The Kind "name" is invalid: ...` for validation failures, `error: ...` for the rest.

import { StatusError } from '@minik8s/api';
import { UsageError } from './args';

/** A failure minictl detected itself; printed as `error: <message>`. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/**
 * Several failures reported at once: kubectl prints one message as `error: <message>`, and several
 * one per line without the prefix. A `nested` aggregate (kubectl wrapped it in another) is listed
 * that way even when it holds one message, as `drain` does.
 */
export class AggregateCliError extends Error {
  override readonly name = 'AggregateCliError';
  constructor(
    readonly messages: string[],
    readonly nested = false,
  ) {
    super(messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`);
  }
}

/** An API error with where it happened in front, as kubectl's `error when creating "pod.yaml": ...`. */
export function withSource(err: unknown, verb: string, source: string): unknown {
  if (!(err instanceof StatusError) || !source) return err;
  return new StatusError(err.reason, `error when ${verb} "${source}": ${err.message}`, err.details);
}

function isConnectionRefused(err: StatusError): boolean {
  return err.reason === 'ServiceUnavailable' && /ECONNREFUSED|No connection established|connect ECONN/.test(err.message);
}

/** The host a failed name lookup was for (node's `getaddrinfo ENOTFOUND host`), when it was one. */
function unresolvedHost(err: StatusError): string | undefined {
  if (err.reason !== 'ServiceUnavailable') return undefined;
  return /getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([^\s)]+)/.exec(err.message)?.[1] ?? /Name resolution failed for target (?:dns:)?([^\s:]+)/.exec(err.message)?.[1];
}

/** The text (ending in a newline) minictl prints on stderr for an error. */
export function formatError(err: unknown, context: { command?: string; server?: string } = {}): string {
  if (err instanceof StatusError) {
    const host = unresolvedHost(err);
    if (host) return `Unable to connect to the server: dial tcp: lookup ${host}: no such host\n`;
    if (isConnectionRefused(err)) {
      return `The connection to the server ${context.server ?? ''} was refused - did you specify the right host or port?\n`;
    }
    const causes = err.details.causes ?? [];
    if (err.reason === 'Invalid' && err.details.kind && causes.length > 0) {
      const head = `The ${err.details.kind} "${err.details.name ?? ''}" is invalid: `;
      const messages = causes.map((c) => c.message || `${c.field}: ${c.reason}`);
      return messages.length === 1 ? `${head}${messages[0]}\n` : `${head}\n${messages.map((m) => `* ${m}`).join('\n')}\n`;
    }
    return `Error from server (${err.reason}): ${err.message}\n`;
  }
  if (err instanceof UsageError) {
    const help = context.command ? `minictl ${context.command} --help` : 'minictl --help';
    return `error: ${err.message}\nSee '${help}' for usage.\n`;
  }
  if (err instanceof AggregateCliError && (err.messages.length !== 1 || err.nested)) return err.messages.map((m) => `${m}\n`).join('');
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith('error: ') ? `${message}\n` : `error: ${message}\n`;
}
