/**
 * What one running guest costs the lab on a QEMU-driver host: `node dist/bench/lab-guest.js [N]`.
 * Starts N SEV guests one after the other on one rome host (libvirt's define + start, with the fake
 * QEMU behind it) and reports the median start time against the floor measured in the same run (an
 * exec channel running `true` on the same SSH connection), and the resident memory each running
 * guest adds: its fake QEMU process, and libvirtd's growth.
 */
import { readFileSync, readdirSync } from "fs";
import { join } from "path";
import { defineDomain, undefineDomain } from "../provider/effects/libvirt";
import { closeAll, exec } from "../provider/effects/ssh";
import { libvirtOf, render, uuidOf } from "../provider/guest/operations";
import { flavorOf } from "../provider/guest/flavor";
import { inspect } from "../provider/host/operations";
import { SevGuestInputs } from "../provider/generated/sev-guest";
import { builtinProfiles, labDown, labImage, labUp } from "../lab/lab";
import { FLAVOR } from "./programs/fleet/flavor";
import { benchDir, hostInputsOf, machine, median, record, timed } from "./fleet";

const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

/** Resident set of a process, KiB (0 once it is gone). */
function rssKiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Processes whose command line names the file (the host's fake QEMU guests, its libvirtd). */
function pidsRunning(pattern: RegExp): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return pattern.test(readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " "));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20);
  const dir = join(benchDir, `lab-guest-${process.pid}`);
  const inv = await labUp([join(builtinProfiles, "rome")], dir);
  const h = inv.hosts[0];
  try {
    const host = hostInputsOf(h);
    const l = libvirtOf(host);
    const inspection = await inspect(host);
    const guest = (i: number): SevGuestInputs => ({
      host,
      name: `cost-${i}`,
      flavor: FLAVOR,
      bootDisk: { path: labImage(h, `cost-${i}.qcow2`) },
      owner: { project: "bench", stack: "cost", urn: `urn:pulumi:cost::bench::cost-${i}` },
    });
    const floors: number[] = [];
    const starts: number[] = [];
    const libvirtd = pidsRunning(new RegExp(`libvirtd -p ${h.folder}/run/libvirtd.pid`))[0];
    const libvirtdBefore = rssKiB(libvirtd);
    for (let i = 0; i < n; i++) {
      const g = guest(i);
      await defineDomain(l, render(g, flavorOf(g), inspection, uuidOf(g)));
      floors.push((await timed(() => exec(l.target, ["true"]))).seconds);
      starts.push((await timed(() => exec(l.target, ["virsh", "-c", l.uri, "start", uuidOf(g)]))).seconds);
    }
    const qemus = pidsRunning(new RegExp(`fake-qemu\\.py ${h.folder}/qemu\\.json .*-name guest=cost-`));
    const qemuRss = qemus.map(rssKiB);
    const libvirtdGrowth = (rssKiB(libvirtd) - libvirtdBefore) / n;
    const row = {
      guests: n,
      running: qemus.length,
      machine: machine(),
      startMedianSeconds: median(starts),
      floorMedianSeconds: median(floors),
      startRatio: median(starts) / median(floors),
      fakeQemuRssKiBMedian: median(qemuRss),
      libvirtdRssKiBPerGuest: Math.round(libvirtdGrowth),
    };
    console.log(
      `${n} SEV guests started on one QEMU-driver host (${qemus.length} running): start median ${ms(row.startMedianSeconds)} ` +
        `vs exec floor ${ms(row.floorMedianSeconds)} (${row.startRatio.toFixed(1)}×); per running guest: fake QEMU RSS ` +
        `${(row.fakeQemuRssKiBMedian / 1024).toFixed(1)} MiB (median), libvirtd +${(libvirtdGrowth / 1024).toFixed(2)} MiB`,
    );
    record("lab-guest", row);
    for (let i = 0; i < n; i++) {
      await exec(l.target, ["virsh", "-c", l.uri, "destroy", uuidOf(guest(i))], { allowFailure: true });
      await undefineDomain(l, uuidOf(guest(i)));
    }
  } finally {
    closeAll();
    labDown(dir);
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
