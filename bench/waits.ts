/**
 * Bounded waiting for the client workers: polling a condition with a deadline, and running tasks
 * with a concurrency limit. Nothing here waits without an end.
 */

/** Polls `check` every 10 ms until it is true or `timeoutMs` has passed. */
export function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const tick = (): void => {
      if (check() || Date.now() >= deadline) resolve();
      else setTimeout(tick, 10);
    };
    tick();
  });
}

/** Runs `task` over `items` with at most `concurrency` at once; collects the errors it returns. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<string | null>): Promise<string[]> {
  const errors: string[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      const error = await task(item);
      if (error) errors.push(error);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return errors;
}
