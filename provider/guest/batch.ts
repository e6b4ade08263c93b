/**
 * Creates on one host that wait for its lock together take it once: one lock channel and one slot
 * count for the batch, then each create in turn under the same hold, each judged against the count
 * with the ones before it added. The engine runs several creates at once, and without this they
 * would queue on the host lock one full count each.
 */
import { AsyncResource } from "async_hooks";
import { Libvirt } from "../effects/libvirt";
import { withHostLock } from "../effects/lock";
import { label } from "../effects/ssh";
import { slotCountCommand } from "../effects/host";
import { parseSlotCount, SlotCount } from "../core/parse/probe";

/** A create's work under the lock: given the count, it defines and returns the count with its domain added. */
export type UnderLock<T> = (count: SlotCount) => Promise<{ value: T; count: SlotCount }>;

interface Job {
  run(count: SlotCount): Promise<SlotCount>;
  fail(err: Error): void;
  /** Its create's async context: a job's work, and a hold taken for it first, run there (the SSH trace names its operation). */
  scope: AsyncResource;
}

interface HostQueue {
  jobs: Job[];
  draining: boolean;
}

const queues = new Map<string, HostQueue>();

const keyOf = (l: Libvirt) => JSON.stringify([l.target.host, l.target.port, l.target.user, l.uri]);

export function inHostBatch<T>(l: Libvirt, waitSeconds: number, holder: string, work: UnderLock<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const key = keyOf(l);
    let q = queues.get(key);
    if (!q) queues.set(key, (q = { jobs: [], draining: false }));
    const scope = new AsyncResource("pulumi-sev:host-batch");
    q.jobs.push({
      scope,
      run: scope.bind(async (count: SlotCount) => {
        try {
          const done = await work(count);
          resolve(done.value);
          return done.count;
        } catch (err) {
          reject(err);
          return count;
        }
      }),
      fail: reject,
    });
    if (!q.draining) void drain(key, q, l, waitSeconds, holder);
  });
}

/** Holds the lock while jobs keep coming; a job that comes as it is let go gets the next hold. */
async function drain(key: string, q: HostQueue, l: Libvirt, waitSeconds: number, holder: string): Promise<void> {
  q.draining = true;
  try {
    while (q.jobs.length > 0) {
      const hold = q.jobs[0].scope.bind(withHostLock); // taken in the async context of the job it is for first
      await hold(
        l.target,
        waitSeconds,
        holder,
        async (printed) => {
          let count: SlotCount;
          try {
            count = parseSlotCount(printed);
          } catch (err) {
            throw new Error(`${label(l.target)}: ${(err as Error).message}`);
          }
          for (let job = q.jobs.shift(); job; job = q.jobs.shift()) count = await job.run(count);
        },
        slotCountCommand(l.uri),
      ).catch((err: Error) => {
        for (const job of q.jobs.splice(0)) job.fail(err);
      });
    }
  } finally {
    q.draining = false;
    queues.delete(key);
  }
}
