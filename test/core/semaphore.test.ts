/** The counting semaphore behind the SSH channel budgets and the fleet's probes (core/semaphore.ts). Pure. */
import test from "ava";
import { Budget, mapBounded } from "../../provider/core/semaphore";

const tick = () => new Promise<void>((r) => setImmediate(r));

test("at most size holders; the waiters go in order as places free", async (t) => {
  const b = new Budget(2);
  const order: number[] = [];
  const releases: Array<() => void> = [];
  const takers = [0, 1, 2, 3].map((i) =>
    b.take().then((release) => {
      order.push(i);
      releases[i] = release;
    }),
  );
  await tick();
  t.deepEqual(order, [0, 1]);
  releases[1]();
  await tick();
  t.deepEqual(order, [0, 1, 2]);
  releases[0]();
  await tick();
  t.deepEqual(order, [0, 1, 2, 3]);
  await Promise.all(takers);
});

test("a release called twice frees one place, not two", async (t) => {
  const b = new Budget(1);
  const first = await b.take();
  let second = false;
  let third = false;
  void b.take().then(() => (second = true));
  void b.take().then(() => (third = true));
  first();
  first();
  await tick();
  t.true(second);
  t.false(third, "the double release must not let a second holder in");
});

test("a freed place with nobody waiting is taken at once", async (t) => {
  const b = new Budget(1);
  (await b.take())();
  const again = await Promise.race([b.take().then(() => "taken"), tick().then(() => "waiting")]);
  t.is(again, "taken");
});

test("mapBounded keeps the order and never runs more than the limit at once", async (t) => {
  const finished: number[] = [];
  let running = 0;
  let peak = 0;
  const out = await mapBounded(
    [50, 10, 30, 5, 20, 1, 15],
    3,
    async (ms) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    },
    (n) => finished.push(n),
  );
  t.deepEqual(out, [100, 20, 60, 10, 40, 2, 30]);
  t.is(peak, 3);
  t.deepEqual(finished, [1, 2, 3, 4, 5, 6, 7]);
});
