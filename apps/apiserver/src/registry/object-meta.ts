import { randomInt, randomUUID } from 'node:crypto';

/** Kubernetes' metav1.Time form: RFC 3339 in UTC, whole seconds. */
export function formatTime(date: Date): string {
  // toISOString always ends in `.sssZ`; cutting the milliseconds is cheaper than a regex per write.
  const iso = date.toISOString();
  return `${iso.slice(0, -5)}Z`;
}

// Kubernetes leaves vowels and look-alike digits out of generated suffixes so they never spell words.
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return out;
}

/** Kubernetes truncates the prefix so that prefix + suffix fits in 63 characters. */
export function generatedName(prefix: string): string {
  const maxPrefix = 63 - 5;
  return `${prefix.length > maxPrefix ? prefix.slice(0, maxPrefix) : prefix}${generateNameSuffix()}`;
}

export function newUid(): string {
  return randomUUID();
}
