/**
 * Channel budgets per SSH connection. OpenSSH refuses more than MaxSessions (default 10) channels
 * on one connection, and a refused channel fails its operation; so channels are rationed here and
 * extra work waits its turn instead (core/semaphore.ts). Host-lock channels stay open while their
 * holder works and have their own small budget, so lock waiters can never take every channel from
 * the lock holder.
 */
export { Budget } from "../core/semaphore";
export const COMMAND_CHANNELS = 6;
export const LOCK_CHANNELS = 2;
