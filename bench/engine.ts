/**
 * `pulumi preview` (and with --up: `up`, a no-change preview of the deployed stack, `destroy`) of
 * K lab hosts × G SEV guests, each paired in the same round with the same program of empty dynamic
 * resources: `node dist/bench/engine.js K [ROUNDS] [--guests G] [--sev-es] [--from-image] [--rtt MS] [--up] [--up-rounds N] [--no-change-rounds N] [--floors-only]`.
 * --sev-es: the guests are SEV-ES (the rome profile's pool of 450), so that more than 59 fit on a host.
 * --from-image: each guest's root disk is made by up from the host's base image, with a cloud-init seed.
 * --rtt MS: every host is reached through a proxy adding that round-trip time (floors included).
 * --trace: each run's SSH trace is kept in the fleet's folder and its round trips in series printed
 * (the first round of each phase; bench/tools/round-trips.ts reads the files again).
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
import {
  Fleet,
  fmt,
  hostInputsOf,
  logMarks,
  machine,
  median,
  ProcessRole,
  record,
  sampleRss,
  Sessions,
  sessionsSince,
  sshTrace,
  startFleet,
  timed,
} from "./fleet";

const PROGRAM = "dist/bench/programs/fleet/index.js";

interface Measured {
  seconds: number;
  rss: Record<ProcessRole, number>;
  sessions: Sessions;
}

/** Set by --trace: each measured run's trace is kept apart, and the first of each kind printed. */
let trace: { take(what: string): string | null } | null = null;
const traced = new Map<string, number>();

async function measure(f: Fleet, what: string, fn: () => Promise<RunResult>): Promise<Measured> {
  trace?.take(`before ${what}`); // what this process itself did since (the floors)
  const marks = logMarks(f.inventory.hosts);
  const rss = sampleRss();
  const { seconds, value } = await timed(fn);
  const peak = rss.stop();
  if (trace) {
    const n = (traced.get(what) ?? 0) + 1;
    traced.set(what, n);
    const text = trace.take(`${what} ${n}`);
    if (text && n === 1) console.log(text);
  }
  if (value.code !== 0) throw new Error(`${what} failed (${value.code}):\n${value.text.slice(-4000)}`);
  return { seconds, rss: peak, sessions: sessionsSince(f.inventory.hosts, marks) };
}

/** real: pulumi-sev; same-inputs: empty resources with our inputs; bare: the same graph, no inputs but names. */
type Mode = "real" | "same-inputs" | "bare";

async function stackOf(f: Fleet, name: string, guests: number, mode: Mode, sevEs: boolean, fromImage: boolean): Promise<EngineStack> {
  const s = new EngineStack(PROGRAM, name);
  await s.init({
    "sev:inventory": f.inventoryFile,
    "sev:guestsPerHost": String(guests),
    "sev:mode": mode,
    "sev:sevEs": String(sevEs),
    "sev:fromImage": String(fromImage),
  });
  return s;
}

/** One round of the three programs: ours, the same-inputs floor and the bare engine. */
interface Round {
  us: Measured;
  empty: Measured;
  bare: Measured;
}

/** Medians of the rounds; ratio is against the same-inputs floor, bareRatio against the bare engine. */
function summary(xs: Round[]) {
  const last = xs[xs.length - 1];
  return {
    us: median(xs.map((x) => x.us.seconds)),
    empty: median(xs.map((x) => x.empty.seconds)),
    bare: median(xs.map((x) => x.bare.seconds)),
    ratio: median(xs.map((x) => x.us.seconds / x.empty.seconds)),
    bareRatio: median(xs.map((x) => x.us.seconds / x.bare.seconds)),
    rss: { us: last.us.rss, empty: last.empty.rss, bare: last.bare.rss },
    programRssRatio: median(xs.map((x) => x.us.rss.program / x.empty.rss.program)),
    programRssBareRatio: median(xs.map((x) => x.us.rss.program / x.bare.rss.program)),
    cliRssBareRatio: median(xs.map((x) => x.us.rss.cli / x.bare.rss.cli)),
    sessions: last.us.sessions,
  };
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
  const rtt = option("--rtt", 0);
  const f = await startFleet(k, rtt);
  if (flag("--trace")) trace = sshTrace(f.dir, rtt);
  // A QEMU-driver host opens its guests' disks: the program's and the floor's, on every host.
  for (const h of f.inventory.hosts) {
    // --from-image: up makes the program's guests' disks (a file already there would be refused).
    for (let g = 0; g < guests; g++) for (const name of flag("--from-image") ? [`floor-${g}`] : [`${h.name}-g${g}`, `floor-${g}`]) labImage(h, `${name}.qcow2`);
  }
  const sevEs = flag("--sev-es");
  const fromImage = flag("--from-image");
  // --from-image: the guests' root disks are made by up from one base image per host, each with a cloud-init seed.
  if (fromImage) for (const h of f.inventory.hosts) labImage(h, "base.qcow2");
  const real = await stackOf(f, "real", guests, "real", sevEs, fromImage);
  const empty = await stackOf(f, "empty", guests, "same-inputs", sevEs, fromImage);
  const bare = await stackOf(f, "bare", guests, "bare", sevEs, fromImage);
  const label = process.env.BENCH_LABEL ?? "";
  try {
    const previews: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const b = await measure(f, "bare preview", () => bare.run(["preview"]));
      const e = await measure(f, "empty preview", () => empty.run(["preview"]));
      const u = await measure(f, "preview", () => real.run(["preview"]));
      previews.push({ us: u, empty: e, bare: b });
      console.log(
        `preview round ${r + 1}: ${fmt(u.seconds)} vs bare engine ${fmt(b.seconds)} (${(u.seconds / b.seconds).toFixed(2)}×), same-inputs ${fmt(e.seconds)} (${(u.seconds / e.seconds).toFixed(2)}×); ` +
          `${rssText(u)} (bare: ${rssText(b)}); ${sessionText(u, guests)}`,
      );
    }
    if (rounds > 0) {
      const preview = summary(previews);
      console.log(
        `K=${k}×${guests} preview, medians of ${rounds}: ${fmt(preview.us)} vs bare engine ${fmt(preview.bare)}: ${preview.bareRatio.toFixed(2)}×; ` +
          `vs same-inputs ${fmt(preview.empty)}: ${preview.ratio.toFixed(2)}×; program peak RSS ${preview.programRssBareRatio.toFixed(2)}× the bare engine's`,
      );
      record("preview", {
        k,
        guests,
        ...(sevEs ? { model: "amd-sev-es" } : {}),
        ...(fromImage ? { disks: "from image" } : {}),
        ...(rtt > 0 ? { rttMs: rtt } : {}),
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
    const ups: Round[] = [];
    const noChange: Round[] = [];
    const destroys: Round[] = [];
    for (let r = 0; r < upRounds; r++) {
      const bu = await measure(f, "bare up", () => bare.up());
      const eu = await measure(f, "empty up", () => empty.up());
      const uu = await measure(f, "up", () => real.up());
      ups.push({ us: uu, empty: eu, bare: bu });
      console.log(
        `up round ${r + 1}: ${fmt(uu.seconds)} vs bare engine ${fmt(bu.seconds)} (${(uu.seconds / bu.seconds).toFixed(2)}×), same-inputs ${fmt(eu.seconds)}; ` +
          `bare + one host's define + start floor = ${fmt(bu.seconds + floor)} (${(uu.seconds / (bu.seconds + floor)).toFixed(2)}× of it); ${rssText(uu)}; ${sessionText(uu, guests)}`,
      );
      if (fleetListStored(await real.exportState())) throw new Error("the fleet list the first SevHost carries was stored in the state");
      for (let n = 0; n < noChangeRounds; n++) {
        const bn = await measure(f, "bare no-change preview", () => bare.run(["preview", "--expect-no-changes"]));
        const en = await measure(f, "empty no-change preview", () => empty.run(["preview", "--expect-no-changes"]));
        const un = await measure(f, "no-change preview", () => real.run(["preview", "--expect-no-changes"]));
        noChange.push({ us: un, empty: en, bare: bn });
        console.log(
          `no-change preview of the deployed stack: ${fmt(un.seconds)} vs bare engine ${fmt(bn.seconds)} (${(un.seconds / bn.seconds).toFixed(2)}×), ` +
            `same-inputs ${fmt(en.seconds)} (${(un.seconds / en.seconds).toFixed(2)}×); ${sessionText(un, guests)}`,
        );
      }
      const bd = await measure(f, "bare destroy", () => bare.destroy());
      const ed = await measure(f, "empty destroy", () => empty.destroy());
      const ud = await measure(f, "destroy", () => real.destroy());
      destroys.push({ us: ud, empty: ed, bare: bd });
      console.log(
        `destroy round ${r + 1}: ${fmt(ud.seconds)} vs bare engine ${fmt(bd.seconds)} (${(ud.seconds / bd.seconds).toFixed(2)}×), same-inputs ${fmt(ed.seconds)}; ` +
          `bare + one host's destroy floor = ${fmt(bd.seconds + floors.undoOneHost)} (${(ud.seconds / (bd.seconds + floors.undoOneHost)).toFixed(2)}× of it); ${sessionText(ud, guests)}`,
      );
    }
    const up = summary(ups);
    record("up", {
      k,
      guests,
      ...(fromImage ? { disks: "from image" } : {}),
      ...(rtt > 0 ? { rttMs: rtt } : {}),
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
    for (const s of [real, empty, bare]) await s.dispose().catch(() => undefined);
    f.stop();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
