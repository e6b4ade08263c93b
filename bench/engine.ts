/**
 * `pulumi preview` (and with --up: `up`, a no-change preview of the deployed stack, `destroy`) of
 * K lab hosts × G SEV guests, each paired in the same round with the same program of empty dynamic
 * resources: `node dist/bench/engine.js K [ROUNDS] [--guests G] [--sev-es] [--from-image] [--up] [--up-rounds N] [--no-change-rounds N] [--floors-only]`.
 * --sev-es: the guests are SEV-ES (the rome profile's pool of 450), so that more than 59 fit on a host.
 * --from-image: each guest's root disk is made by up from the host's base image, with a cloud-init seed.
 * Prints wall times, ratios, peak RSS of CLI, program and provider, and SSH sessions per host.
 */
import { EngineStack, RunResult } from "../test/helpers/engine";
import { defineDomain, undefineDomain } from "../provider/effects/libvirt";
import { closeAll, exec } from "../provider/effects/ssh";
import { libvirtOf, render, uuidOf } from "../provider/guest/operations";
import { flavorOf } from "../provider/guest/flavor";
import { inspect } from "../provider/host/operations";
import { SevGuestInputs } from "../provider/generated/sev-guest";
import { FLAVOR } from "./programs/fleet/flavor";
import { LabHost, labImage } from "../lab/lab";
import { Fleet, fmt, hostInputsOf, logMarks, machine, median, ProcessRole, record, sampleRss, Sessions, sessionsSince, startFleet, timed } from "./fleet";

const PROGRAM = "dist/bench/programs/fleet/index.js";

interface Measured {
  seconds: number;
  rss: Record<ProcessRole, number>;
  sessions: Sessions;
}

async function measure(f: Fleet, what: string, fn: () => Promise<RunResult>): Promise<Measured> {
  const marks = logMarks(f.inventory.hosts);
  const rss = sampleRss();
  const { seconds, value } = await timed(fn);
  const peak = rss.stop();
  if (value.code !== 0) throw new Error(`${what} failed (${value.code}):\n${value.text.slice(-4000)}`);
  return { seconds, rss: peak, sessions: sessionsSince(f.inventory.hosts, marks) };
}

async function stackOf(f: Fleet, name: string, guests: number, empty: boolean, sevEs: boolean, fromImage: boolean): Promise<EngineStack> {
  const s = new EngineStack(PROGRAM, name);
  await s.init({
    "sev:inventory": f.inventoryFile,
    "sev:guestsPerHost": String(guests),
    "sev:empty": String(empty),
    "sev:sevEs": String(sevEs),
    "sev:fromImage": String(fromImage),
  });
  return s;
}

const rssText = (m: Measured) => `RSS cli ${m.rss.cli.toFixed(0)} / program ${m.rss.program.toFixed(0)} / provider ${m.rss.provider.toFixed(0)} MiB`;
const sessionText = (m: Measured, perHost: number) =>
  `per host ${m.sessions.connectionsMax} connection(s), ${m.sessions.channelsMax} exec channels (${(m.sessions.channelsMax / perHost).toFixed(1)} per guest)`;

/**
 * G sequential `virsh define` + `start` round trips on a host, over one open connection, of the
 * same SEV domain XML the provider renders (the lab's simulated start counts the SEV pool).
 */
async function defineStartSequence(h: LabHost, guests: number): Promise<{ run(): Promise<void>; undo(): Promise<void> }> {
  const host = hostInputsOf(h);
  const l = libvirtOf(host);
  const inspection = await inspect(host); // the connection is made before the clock starts
  const guest = (i: number): SevGuestInputs => ({
    host,
    name: `floor-${i}`,
    flavor: FLAVOR,
    bootDisk: { path: `/var/lib/libvirt/images/floor-${i}.qcow2` },
    owner: { project: "bench", stack: "floor", urn: `urn:pulumi:floor::bench::floor-${i}` },
  });
  const uuid = (i: number) => uuidOf(guest(i));
  const each = async (fn: (i: number) => Promise<void>) => {
    for (let i = 0; i < guests; i++) await fn(i);
  };
  return {
    run: () =>
      each(async (i) => {
        await defineDomain(l, render(guest(i), flavorOf(guest(i)), inspection, uuid(i)));
        await exec(l.target, ["virsh", "-c", l.uri, "start", uuid(i)]);
      }),
    undo: () =>
      each(async (i) => {
        await exec(l.target, ["virsh", "-c", l.uri, "destroy", uuid(i)], { allowFailure: true });
        await undefineDomain(l, uuid(i));
      }),
  };
}

/**
 * The floors of creating the guests: one host's define + start sequence alone, and every host's at
 * once (on this lab all hosts share the machine's cores, so the second is what a fleet cannot go below).
 */
async function defineStartFloors(f: Fleet, guests: number): Promise<{ oneHost: number; fleet: number; undoOneHost: number; undoFleet: number }> {
  const sequences = await Promise.all(f.inventory.hosts.map((h) => defineStartSequence(h, guests)));
  const oneHost = (await timed(() => sequences[0].run())).seconds;
  const undoOneHost = (await timed(() => sequences[0].undo())).seconds;
  const fleet = (await timed(() => Promise.all(sequences.map((q) => q.run())))).seconds;
  const undoFleet = (await timed(() => Promise.all(sequences.map((q) => q.undo())))).seconds;
  closeAll();
  return { oneHost, fleet, undoOneHost, undoFleet };
}

/** The fleet list reaches the provider only: in the state its key may name (empty) dependencies, never values. */
function fleetListStored(exported: string): boolean {
  const resources = (JSON.parse(exported) as { deployment: { resources: { inputs?: object; outputs?: object }[] } }).deployment.resources;
  return resources.some((r) => JSON.stringify([r.inputs ?? {}, r.outputs ?? {}]).includes("__fleet"));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.includes(name);
  const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  // ROUNDS 0: no preview rounds (up, no-change preview and destroy only).
  const [k, rounds] = [Number(args[0] ?? 10), Number(args[1] && !args[1].startsWith("--") ? args[1] : 5)];
  const guests = option("--guests", 15);
  const upRounds = option("--up-rounds", 1);
  const noChangeRounds = option("--no-change-rounds", 1);
  console.log(`machine: ${machine()}`);
  const f = await startFleet(k);
  // A QEMU-driver host opens its guests' disks: the program's and the floor's, on every host.
  for (const h of f.inventory.hosts) {
    for (let g = 0; g < guests; g++) for (const name of [`${h.name}-g${g}`, `floor-${g}`]) labImage(h, `${name}.qcow2`);
  }
  const sevEs = flag("--sev-es");
  const fromImage = flag("--from-image");
  // --from-image: the guests' root disks are made by up from one base image per host, each with a cloud-init seed.
  if (fromImage) for (const h of f.inventory.hosts) labImage(h, "base.qcow2");
  const real = await stackOf(f, "real", guests, false, sevEs, fromImage);
  const empty = await stackOf(f, "empty", guests, true, sevEs, fromImage);
  const label = process.env.BENCH_LABEL ?? "";
  try {
    const previews: { us: Measured; empty: Measured }[] = [];
    for (let r = 0; r < rounds; r++) {
      const e = await measure(f, "empty preview", () => empty.run(["preview"]));
      const u = await measure(f, "preview", () => real.run(["preview"]));
      previews.push({ us: u, empty: e });
      console.log(
        `preview round ${r + 1}: ${fmt(u.seconds)} vs empty ${fmt(e.seconds)} (${(u.seconds / e.seconds).toFixed(2)}×); ` +
          `${rssText(u)} (empty: ${rssText(e)}); ${sessionText(u, guests)}`,
      );
    }
    const summary = (xs: { us: Measured; empty: Measured }[]) => ({
      us: median(xs.map((x) => x.us.seconds)),
      empty: median(xs.map((x) => x.empty.seconds)),
      ratio: median(xs.map((x) => x.us.seconds / x.empty.seconds)),
      rss: { us: xs[xs.length - 1].us.rss, empty: xs[xs.length - 1].empty.rss },
      programRssRatio: median(xs.map((x) => x.us.rss.program / x.empty.rss.program)),
      sessions: xs[xs.length - 1].us.sessions,
    });
    if (rounds > 0) {
      const preview = summary(previews);
      console.log(
        `K=${k}×${guests} preview, medians of ${rounds}: ${fmt(preview.us)} vs empty ${fmt(preview.empty)}: ${preview.ratio.toFixed(2)}×; ` +
          `program peak RSS ${preview.programRssRatio.toFixed(2)}× empty's`,
      );
      record("preview", {
        k,
        guests,
        ...(sevEs ? { model: "amd-sev-es" } : {}),
        ...(fromImage ? { disks: "from image" } : {}),
        rounds,
        label,
        machine: machine(),
        ...preview,
      });
    }
    if (!flag("--up")) return;

    const floors = await defineStartFloors(f, guests);
    const floor = floors.oneHost;
    console.log(`floor: ${guests} sequential virsh define + start round trips on one host: ${fmt(floor)}; on every host at once: ${fmt(floors.fleet)}`);
    console.log(
      `destroy floor: ${guests} sequential virsh destroy + undefine round trips on one host: ${fmt(floors.undoOneHost)}; on every host at once: ${fmt(floors.undoFleet)}`,
    );
    if (flag("--floors-only")) return record("floors", { k, guests, label, machine: machine(), ...floors });
    const ups: { us: Measured; empty: Measured }[] = [];
    const noChange: { us: Measured; empty: Measured }[] = [];
    const destroys: { us: Measured; empty: Measured }[] = [];
    for (let r = 0; r < upRounds; r++) {
      const eu = await measure(f, "empty up", () => empty.up());
      const uu = await measure(f, "up", () => real.up());
      ups.push({ us: uu, empty: eu });
      console.log(
        `up round ${r + 1}: ${fmt(uu.seconds)} vs empty ${fmt(eu.seconds)}; target 2 × empty + floor = ${fmt(2 * eu.seconds + floor)} ` +
          `(${(uu.seconds / (2 * eu.seconds + floor)).toFixed(2)}× of it); ${rssText(uu)}; ${sessionText(uu, guests)}`,
      );
      if (fleetListStored(await real.exportState())) throw new Error("the fleet list the first SevHost carries was stored in the state");
      for (let n = 0; n < noChangeRounds; n++) {
        const en = await measure(f, "empty no-change preview", () => empty.run(["preview", "--expect-no-changes"]));
        const un = await measure(f, "no-change preview", () => real.run(["preview", "--expect-no-changes"]));
        noChange.push({ us: un, empty: en });
        console.log(
          `no-change preview of the deployed stack: ${fmt(un.seconds)} vs empty ${fmt(en.seconds)} (${(un.seconds / en.seconds).toFixed(2)}×); ${sessionText(un, guests)}`,
        );
      }
      const ed = await measure(f, "empty destroy", () => empty.destroy());
      const ud = await measure(f, "destroy", () => real.destroy());
      destroys.push({ us: ud, empty: ed });
      console.log(
        `destroy round ${r + 1}: ${fmt(ud.seconds)} vs empty ${fmt(ed.seconds)}; target 2 × empty + destroy floor = ${fmt(2 * ed.seconds + floors.undoOneHost)} ` +
          `(${(ud.seconds / (2 * ed.seconds + floors.undoOneHost)).toFixed(2)}× of it); ${sessionText(ud, guests)}`,
      );
    }
    const up = summary(ups);
    record("up", {
      k,
      guests,
      ...(fromImage ? { disks: "from image" } : {}),
      rounds: upRounds,
      label,
      machine: machine(),
      floor,
      fleetFloor: floors.fleet,
      destroyFloor: floors.undoOneHost,
      destroyFleetFloor: floors.undoFleet,
      up,
      noChange: summary(noChange),
      destroy: summary(destroys),
    });
  } finally {
    await real.dispose().catch(() => undefined);
    await empty.dispose().catch(() => undefined);
    f.stop();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
