/**
 * The outcome of a plugin call, as kube-scheduler's framework.Status: expected failures (a node
 * that does not fit) are values with a code and reasons, never exceptions. `null` stands for
 * Success on the hot paths, so a fitting node allocates nothing.
 */
export enum Code {
  Success = 0,
  /** Something went wrong inside the scheduler (not the pod's fault); retried with back-off. */
  Error = 1,
  /** The node does not fit now, but preempting pods on it might help. */
  Unschedulable = 2,
  /** The node does not fit, and preemption cannot change that. */
  UnschedulableAndUnresolvable = 3,
  Wait = 4,
  /** The plugin has nothing to do for this pod; its later extension points are skipped. */
  Skip = 5,
  Pending = 6,
}

const CODE_NAMES: Readonly<Record<Code, string>> = {
  [Code.Success]: 'Success',
  [Code.Error]: 'Error',
  [Code.Unschedulable]: 'Unschedulable',
  [Code.UnschedulableAndUnresolvable]: 'UnschedulableAndUnresolvable',
  [Code.Wait]: 'Wait',
  [Code.Skip]: 'Skip',
  [Code.Pending]: 'Pending',
};

export class Status {
  /** The plugin that returned it, filled in by the framework. */
  plugin = '';

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    readonly error?: Error,
  ) {}

  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  /** Unschedulable, UnschedulableAndUnresolvable or Pending: the pod was turned away, nothing broke. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending;
  }

  message(): string {
    return this.reasons.join(', ');
  }

  codeName(): string {
    return CODE_NAMES[this.code];
  }

  withPlugin(name: string): Status {
    this.plugin = name;
    return this;
  }

  toString(): string {
    return `${this.codeName()}${this.reasons.length ? `: ${this.message()}` : ''}`;
  }
}

/** What a plugin returns: `null` (or undefined) is Success. */
export type PluginStatus = Status | null | undefined;

export function isSuccess(status: PluginStatus): boolean {
  return !status || status.code === Code.Success;
}

export function unschedulable(...reasons: string[]): Status {
  return new Status(Code.Unschedulable, reasons);
}

export function unresolvable(...reasons: string[]): Status {
  return new Status(Code.UnschedulableAndUnresolvable, reasons);
}

export function skip(): Status {
  return new Status(Code.Skip);
}

export function success(): Status {
  return new Status(Code.Success);
}

/** An internal failure as a Status (framework.AsStatus). */
export function asStatus(err: unknown): Status {
  const error = err instanceof Error ? err : new Error(String(err));
  return new Status(Code.Error, [error.message], error);
}

export function codeName(code: Code): string {
  return CODE_NAMES[code];
}
