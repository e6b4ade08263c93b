/**
 * A lab host on libvirt's QEMU driver: libvirtd computes domain capabilities, validates and starts
 * domains itself; only what this machine cannot have is simulated, at the edge (lab/edge/):
 * the QEMU process (fake-qemu.py, answering from a real QEMU's capability probe), the SEV firmware
 * (its answers come from the profile), CPUID leaf 0x8000001F and the memory-lock capability
 * (sev-edge.c, preloaded into libvirtd), and a reaper for the daemonized QEMU processes (reaper.c).
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "fs";
import { homedir } from "os";
import { join } from "path";
import { LabProfile } from "../provider/generated/lab-profile";
import { MODEL_LIST, PoolKey } from "../provider/core/models";
import { repoRoot } from "./libvirt";

export type LabDriver = "qemu" | "test";

const EDGE = join(repoRoot, "lab", "edge");
export const FAKE_QEMU = join(EDGE, "fake-qemu.py");
const QEMUCAPS = join(repoRoot, "test", "fixtures", "qemucaps");

/** The misc cgroup's name of each ASID pool (misc.capacity: "sev 509", "sev_es 0"). */
export const MISC_NAME: Record<PoolKey, string> = { sev: "sev", sevEs: "sev_es" };

export function driverOf(p: LabProfile): LabDriver {
  return p.qemuDriver ? "qemu" : "test";
}

/** The replies file a QEMU-driver profile names: beside the profile, or one of test/fixtures/qemucaps/. */
export function repliesFile(profileDir: string, p: LabProfile): string {
  const name = p.qemuDriver!.replies;
  const candidates = [join(profileDir, name), join(QEMUCAPS, name)];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`lab profile ${profileDir}: qemuDriver.replies ${name} is neither beside the profile nor in ${QEMUCAPS}`);
  return found;
}

/** The compiled edge (preload library and reaper), built once per source version into the cache. */
export function labEdge(): { preload: string; reaper: string } {
  const sources = ["sev-edge.c", "sev-edge.map", "reaper.c"].map((f) => readFileSync(join(EDGE, f)));
  const hash = createHash("sha256").update(Buffer.concat(sources)).digest("hex").slice(0, 12);
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pulumi-sev", `lab-edge-${hash}`);
  const preload = join(dir, "sev-edge.so");
  const reaper = join(dir, "lab-reaper");
  if (existsSync(preload) && existsSync(reaper)) return { preload, reaper };
  mkdirSync(dir, { recursive: true });
  // Concurrent test files build the same edge: each writes its own file and renames it into place.
  const tmp = `.${process.pid}`;
  execFileSync("gcc", [
    "-O2",
    "-Wall",
    "-shared",
    "-fPIC",
    `-Wl,--version-script=${join(EDGE, "sev-edge.map")}`,
    "-o",
    preload + tmp,
    join(EDGE, "sev-edge.c"),
    "-ldl",
  ]);
  execFileSync("gcc", ["-O2", "-Wall", "-o", reaper + tmp, join(EDGE, "reaper.c")]);
  renameSync(preload + tmp, preload);
  renameSync(reaper + tmp, reaper);
  return { preload, reaper };
}

/** The ASIDs the CPU has for each misc pool (CPUID 0x8000001F), from the profile's SEV platform; none without one. */
function cpuSlots(p: LabProfile): { sev: number; sev_es: number } {
  return { sev: p.sevPlatform?.maxGuests ?? 0, sev_es: p.sevPlatform?.maxESGuests ?? 0 };
}

/** LAB_SEV_ASIDS for the CPUID override: "MAXGUESTS MAXESGUESTS". */
export function sevAsids(p: LabProfile): string {
  const slots = cpuSlots(p);
  return `${slots.sev} ${slots.sev_es}`;
}

/** The misc pool of each QEMU launch object: sev-guest by its policy's ES bit, sev-snp-guest by its model. */
function pools(): Record<string, string> {
  const byObject: Record<string, string> = {};
  for (const d of MODEL_LIST) {
    const key = d.launchSecurity.type === "sev-snp" ? "sev-snp" : d.launchSecurity.esPolicyBit ? "sev-es" : "sev";
    byObject[key] = MISC_NAME[d.pool];
  }
  return byObject;
}

/** What fake-qemu.py answers for this host (its CONFIG.json). */
export function fakeQemuConfig(folder: string, replies: string, p: LabProfile): object {
  return {
    replies,
    qemuVersion: p.qemuVersion,
    sevSnpGuest: p.qemuDriver?.sevSnpGuest,
    sev: p.sevPlatform ?? null,
    pools: pools(),
    // The kernel's ASID pools as the host shows them now (a test may change them), else the CPU's.
    capacityFile: join(folder, "root", "cgroup", "misc.capacity"),
    capacity: cpuSlots(p),
    state: join(folder, "state"),
  };
}

/**
 * qemu.conf of a lab host: QEMU runs as root without the security drivers, cgroups or namespaces
 * this machine's container cannot give; its output goes to the log file (no virtlogd here).
 */
export const QEMU_CONF = [
  'user = "root"',
  'group = "root"',
  "dynamic_ownership = 0",
  "remember_owner = 0",
  'security_driver = "none"',
  'stdio_handler = "file"',
  "cgroup_controllers = [ ]",
  "namespaces = [ ]",
  "",
].join("\n");

/** libvirt's Debian build resolves its QEMU user (libvirt-qemu) before it reads qemu.conf. */
export function passwdAndGroup(): { passwd: string; group: string } {
  const add = (file: string, entries: string[]) => {
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const names = new Set(lines.map((l) => l.split(":")[0]));
    return [...lines, ...entries.filter((e) => !names.has(e.split(":")[0]))].join("\n") + "\n";
  };
  return {
    passwd: add("/etc/passwd", ["libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin"]),
    group: add("/etc/group", ["kvm:x:64054:libvirt-qemu", "libvirt-qemu:x:64055:libvirt-qemu"]),
  };
}
