import { Metadata, status as GrpcCode, type ServiceError } from '@grpc/grpc-js';
import { Status } from '../generated/meta/v1/meta';
import { StatusError, type StatusReason } from './status-error';
import { newInternalError, newServiceUnavailable } from './constructors';

/** Trailer that carries the full Kubernetes Status beside the gRPC code. */
export const STATUS_TRAILER = 'k8s-status-bin';

const GRPC_CODE_BY_REASON: Readonly<Record<StatusReason, GrpcCode>> = {
  NotFound: GrpcCode.NOT_FOUND,
  AlreadyExists: GrpcCode.ALREADY_EXISTS,
  Conflict: GrpcCode.ABORTED,
  Invalid: GrpcCode.INVALID_ARGUMENT,
  BadRequest: GrpcCode.INVALID_ARGUMENT,
  Forbidden: GrpcCode.PERMISSION_DENIED,
  Unauthorized: GrpcCode.UNAUTHENTICATED,
  Gone: GrpcCode.OUT_OF_RANGE,
  Expired: GrpcCode.OUT_OF_RANGE,
  MethodNotAllowed: GrpcCode.UNIMPLEMENTED,
  NotAcceptable: GrpcCode.INVALID_ARGUMENT,
  UnsupportedMediaType: GrpcCode.INVALID_ARGUMENT,
  Timeout: GrpcCode.UNAVAILABLE,
  ServerTimeout: GrpcCode.UNAVAILABLE,
  TooManyRequests: GrpcCode.RESOURCE_EXHAUSTED,
  ServiceUnavailable: GrpcCode.UNAVAILABLE,
  InternalError: GrpcCode.INTERNAL,
  Unknown: GrpcCode.UNKNOWN,
};

export function grpcCodeFor(reason: StatusReason): GrpcCode {
  return GRPC_CODE_BY_REASON[reason];
}

/** What a gRPC handler passes to its callback (or `call.destroy`) for a failure. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const statusError = err instanceof StatusError ? err : newInternalError(err);
  const metadata = new Metadata();
  metadata.set(STATUS_TRAILER, Buffer.from(Status.encode(statusError.toStatus()).finish()));
  return { code: grpcCodeFor(statusError.reason), details: statusError.message, metadata };
}

/** Turns a failed call back into the StatusError the server raised. */
export function fromServiceError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const serviceError = err as Partial<ServiceError>;
  const raw = serviceError.metadata?.get(STATUS_TRAILER)?.[0];
  if (raw instanceof Buffer) {
    return StatusError.fromStatus(Status.decode(raw));
  }
  const details = serviceError.details ?? (err instanceof Error ? err.message : String(err));
  switch (serviceError.code) {
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DEADLINE_EXCEEDED:
      return newServiceUnavailable(details);
    case GrpcCode.CANCELLED:
      return new StatusError('Timeout', details);
    default:
      return newInternalError(details);
  }
}
