import { FlagError } from '@minik8s/flags';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's duration syntax as Kubernetes' flags take it (`40s`, `5m`, `1h30m`, `500ms`), in ms. */
export function parseDuration(value: string, flag: string): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) {
    throw new FlagError(`invalid argument "${value}" for "${flag}" flag: time: invalid duration "${value}"`);
  }
  return parts.reduce((total, [, n, unit]) => total + Number(n) * UNITS[unit], 0);
}
