import type { Status, StatusCause } from '../generated/meta/v1/meta';

/** Kubernetes' StatusReason values; each maps to one HTTP code and one gRPC code. */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Forbidden'
  | 'Unauthorized'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'Timeout'
  | 'ServerTimeout'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'InternalError'
  | 'Unknown';

export const HTTP_CODE_BY_REASON: Readonly<Record<StatusReason, number>> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  Forbidden: 403,
  Unauthorized: 401,
  Gone: 410,
  Expired: 410,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  UnsupportedMediaType: 415,
  Timeout: 504,
  ServerTimeout: 500,
  TooManyRequests: 429,
  ServiceUnavailable: 503,
  InternalError: 500,
  Unknown: 500,
};

export interface StatusErrorDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** An API failure carrying Kubernetes' reason, as apimachinery's StatusError does. */
export class StatusError extends Error {
  override readonly name = 'StatusError';

  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details: StatusErrorDetails = {},
  ) {
    super(message);
  }

  get code(): number {
    return HTTP_CODE_BY_REASON[this.reason];
  }

  toStatus(): Status {
    return {
      apiVersion: 'v1',
      kind: 'Status',
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
      details: {
        name: this.details.name,
        group: this.details.group,
        kind: this.details.kind,
        causes: this.details.causes ?? [],
        retryAfterSeconds: this.details.retryAfterSeconds,
      },
    };
  }

  static fromStatus(status: Status): StatusError {
    const reason = isStatusReason(status.reason) ? status.reason : 'Unknown';
    return new StatusError(reason, status.message ?? reason, {
      name: status.details?.name,
      group: status.details?.group,
      kind: status.details?.kind,
      causes: status.details?.causes,
      retryAfterSeconds: status.details?.retryAfterSeconds,
    });
  }
}

export function isStatusReason(value: string | undefined): value is StatusReason {
  return value !== undefined && Object.prototype.hasOwnProperty.call(HTTP_CODE_BY_REASON, value);
}

export function reasonOf(err: unknown): StatusReason | undefined {
  return err instanceof StatusError ? err.reason : undefined;
}

export const isNotFound = (err: unknown): boolean => reasonOf(err) === 'NotFound';
export const isAlreadyExists = (err: unknown): boolean => reasonOf(err) === 'AlreadyExists';
export const isConflict = (err: unknown): boolean => reasonOf(err) === 'Conflict';
export const isInvalid = (err: unknown): boolean => reasonOf(err) === 'Invalid';
export const isGone = (err: unknown): boolean => reasonOf(err) === 'Gone' || reasonOf(err) === 'Expired';
export const isForbidden = (err: unknown): boolean => reasonOf(err) === 'Forbidden';
export const isBadRequest = (err: unknown): boolean => reasonOf(err) === 'BadRequest';
export const isServiceUnavailable = (err: unknown): boolean =>
  reasonOf(err) === 'ServiceUnavailable' || reasonOf(err) === 'Timeout' || reasonOf(err) === 'ServerTimeout';
