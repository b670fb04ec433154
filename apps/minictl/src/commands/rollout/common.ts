// What the rollout subcommands share: their resource flags and kubectl's per-object error form.

import type { KindInfo } from '@minik8s/api';
import type { FlagDef } from '../../args';
import { CliError } from '../../errors';
import { resourceRef } from '../../resources';
import { FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from '../get';

export const RESOURCE_FLAGS: FlagDef[] = [FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG];

/** `error: deployments.apps "web" is already paused`. */
export function objectError(info: KindInfo, name: string, message: string): CliError {
  return new CliError(`error: ${resourceRef(info)} "${name}" ${message}`);
}

/** Go's time.RFC3339 layout in local time: `2006-01-02T15:04:05Z07:00`. */
export function formatRfc3339(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${zone}`;
}
