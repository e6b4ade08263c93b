/**
 * Channel budgets per SSH connection. OpenSSH refuses more than MaxSessions (default 10) channels
 * on one connection, and a refused channel fails its operation; so channels are rationed here and
 * extra work waits its turn instead. Host-lock channels stay open while their holder works and have
 * their own small budget, so lock waiters can never take every channel from the lock holder.
 */
export const COMMAND_CHANNELS = 6;
export const LOCK_CHANNELS = 2;

export class Budget {
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  /** Resolves with a release function once a channel may be opened. */
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
