import type { StatusCause } from '../generated/meta/v1/meta';
import { StatusError } from './status-error';

/** What an error is about: `pods` in group "" or `deployments.apps`. */
export interface QualifiedResource {
  group: string;
  resource: string;
}

export function qualifiedResourceString(r: QualifiedResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export function newNotFound(r: QualifiedResource, name: string): StatusError {
  return new StatusError('NotFound', `${qualifiedResourceString(r)} "${name}" not found`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

export function newAlreadyExists(r: QualifiedResource, name: string): StatusError {
  return new StatusError('AlreadyExists', `${qualifiedResourceString(r)} "${name}" already exists`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

export function newConflict(r: QualifiedResource, name: string, why: string): StatusError {
  return new StatusError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResourceString(r)} "${name}": ${why}`,
    { name, group: r.group, kind: r.resource },
  );
}

export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** `Pod "x" is invalid: a: Required value` or `... is invalid: [a: ..., b: ...]`, as Kubernetes prints it. */
export function newInvalid(
  kind: { group: string; kind: string },
  name: string,
  errors: ReadonlyArray<{ field: string; text: string; /** Kubernetes' cause type, e.g. FieldValueRequired. */ type: string }>,
): StatusError {
  const joined = errors.length === 1 ? errors[0].text : `[${errors.map((e) => e.text).join(', ')}]`;
  const causes: StatusCause[] = errors.map((e) => ({
    reason: e.type,
    message: e.text,
    field: e.field,
  }));
  return new StatusError('Invalid', `${kind.kind} "${name}" is invalid: ${joined}`, {
    name,
    group: kind.group,
    kind: kind.kind,
    causes,
  });
}

export function newBadRequest(message: string): StatusError {
  return new StatusError('BadRequest', message);
}

export function newForbidden(r: QualifiedResource, name: string, why: string): StatusError {
  const subject = name ? `${qualifiedResourceString(r)} "${name}"` : qualifiedResourceString(r);
  return new StatusError('Forbidden', `${subject} is forbidden: ${why}`, { name, group: r.group, kind: r.resource });
}

export function newGone(message: string): StatusError {
  return new StatusError('Expired', message);
}

export function newResourceExpired(message: string): StatusError {
  return new StatusError('Expired', message);
}

export function newMethodNotSupported(r: QualifiedResource, verb: string): StatusError {
  return new StatusError('MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResourceString(r)}"`);
}

export function newInternalError(err: unknown): StatusError {
  const text = err instanceof Error ? err.message : String(err);
  return new StatusError('InternalError', `Internal error occurred: ${text}`);
}

export function newServiceUnavailable(message: string): StatusError {
  return new StatusError('ServiceUnavailable', message);
}

export function newTimeout(message: string, retryAfterSeconds = 0): StatusError {
  return new StatusError('Timeout', message, { retryAfterSeconds });
}
