/** A counting semaphore: at most `size` holders at once, the others wait their turn in order. */
export class Budget {
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  /** Resolves with a release function once a place is free; a second call of that function does nothing. */
  async take(): Promise<() => void> {
    if (this.inUse >= this.size) await new Promise<void>((go) => this.waiting.push(go));
    else this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.inUse--;
    };
  }
}

/**
 * Runs fn over items with at most `limit` at once (a Budget of that size); results keep the items'
 * order. onDone is told how many have finished, after each.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const budget = new Budget(limit);
  let done = 0;
  return Promise.all(
    items.map(async (item) => {
      const release = await budget.take();
      try {
        return await fn(item);
      } finally {
        release();
        onDone?.(++done);
      }
    }),
  );
}
