import { isNotFound } from '@minik8s/api';

/** The object `get` reads, or undefined when the apiserver says NotFound; other errors propagate. */
export async function getOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
