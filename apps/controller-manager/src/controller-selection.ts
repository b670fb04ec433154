/**
 * Kubernetes' --controllers rule: `*` enables every controller on by default, `name` enables
 * one, `-name` disables one; the last word about a name wins.
 */
export function selectControllers(flag: readonly string[], known: readonly string[]): string[] {
  const unknown = flag.map((f) => f.replace(/^-/, '')).filter((f) => f !== '*' && !known.includes(f));
  if (unknown.length > 0) {
    throw new Error(`--controllers: unknown controller(s) ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${known.join(', ')}`);
  }
  const enabled = new Set<string>();
  for (const word of flag) {
    if (word === '*') known.forEach((k) => enabled.add(k));
    else if (word.startsWith('-')) enabled.delete(word.slice(1));
    else enabled.add(word);
  }
  // An explicit -name wins over a later *.
  for (const word of flag) if (word.startsWith('-')) enabled.delete(word.slice(1));
  return known.filter((k) => enabled.has(k));
}
