/** Several failures of one sync, reported as one error (Kubernetes' utilerrors.Aggregate). */
export class MultiError extends Error {
  constructor(readonly errors: readonly Error[]) {
    super(errors.length === 1 ? errors[0].message : `[${errors.map((e) => e.message).join(', ')}]`);
    this.name = 'MultiError';
  }
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
