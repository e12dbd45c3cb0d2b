/**
 * Spreading simulated clients over worker processes, and the names they register with.
 */

/** Deals `items` round-robin into `parts` lists. */
export function deal<T>(items: readonly T[], parts: number): T[][] {
  const lists: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, i) => lists[i % parts]?.push(item));
  return lists;
}

/** `count` protocol-valid names with a prefix, e.g. p1-00042. */
export function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
}
