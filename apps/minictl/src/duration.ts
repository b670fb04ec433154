// Go durations in minictl's flags (--timeout, --since, --pod-running-timeout). @minik8s/flags
// parses and prints them; here a bad one becomes the CliError kubectl's pflag error would be.

import { parseDurationFlag } from '@minik8s/flags';
import { CliError } from './errors';

/**
 * The value of duration flag `flag` (`30s`, `1m30s`, `0`) in milliseconds; a bad one fails as
 * `invalid argument "V" for "--flag" flag: time: invalid duration "V"`.
 */
export function parseDurationArg(value: string, flag: string): number {
  try {
    return parseDurationFlag(value, flag);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
