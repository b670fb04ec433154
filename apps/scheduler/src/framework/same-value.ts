/**
 * Whether two decoded API values are the same: objects key by key (a key holding `undefined`
 * counts as absent), arrays element by element, everything else by `===`. What JSON.stringify
 * comparisons did, without building the strings; decoded objects hold no cycles.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  return sameFields(a as Record<string, unknown>, b as Record<string, unknown>, undefined);
}

/** Like `sameValue` for two objects, leaving out the field `skip`. */
export function sameFields(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, skip: string | undefined): boolean {
  let definedInA = 0;
  for (const key in a) {
    if (key === skip || a[key] === undefined) continue;
    definedInA++;
    if (!sameValue(a[key], b[key])) return false;
  }
  let definedInB = 0;
  for (const key in b) if (key !== skip && b[key] !== undefined) definedInB++;
  return definedInA === definedInB;
}
