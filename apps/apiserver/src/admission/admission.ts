import type { ApiObject, KindInfo } from '@minik8s/api';

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  info: KindInfo;
  obj: ApiObject;
  old?: ApiObject;
  dryRun: boolean;
}

/** A step every write passes before it is stored; it may refuse it or complete it. */
export interface AdmissionPlugin {
  readonly name: string;
  admit(request: AdmissionRequest): Promise<void>;
  /** Undoes what `admit` reserved when the write did not land, or frees it after a delete. */
  release?(request: AdmissionRequest): Promise<void>;
}

/** Runs the plugins in order, as the apiserver's admission chain does. */
export class Admission {
  constructor(private readonly plugins: readonly AdmissionPlugin[]) {}

  async admit(request: AdmissionRequest): Promise<void> {
    for (const plugin of this.plugins) await plugin.admit(request);
  }

  async release(request: AdmissionRequest): Promise<void> {
    for (const plugin of this.plugins) await plugin.release?.(request);
  }
}
