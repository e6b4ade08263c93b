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
