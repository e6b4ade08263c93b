/** A lab of its own for each test file: real sshd + libvirtd per host, stopped when the file ends. */
import { execFileSync } from "child_process";
import { readFileSync, rmSync, writeFileSync } from "fs";
import { basename, join } from "path";
import { builtinProfiles, Inventory, LabHost, labDown, labImage, labUp, repoRoot } from "../../lab/lab";
import { SevHostInputs } from "../../provider/generated/sev-host";
import { exec, closeAll, SshTarget } from "../../provider/effects/ssh";

export interface TestLab {
  dir: string;
  inventory: Inventory;
  host(name: string): LabHost;
  inputs(name: string, extra?: Partial<SevHostInputs>): SevHostInputs;
  /** Runs a command on a lab host as an operator would (out of band for the provider under test). */
  sh(name: string, argv: string[]): Promise<string>;
  /** Names of the domains libvirt has defined on the host (the test driver's own "test" left out). */
  domains(name: string): Promise<string[]>;
  /** Lines of the host's sshd log (connections, sessions). */
  sshdLog(name: string): string[];
  /** Freezes the host's sshd, its listener and every session (SIGSTOP): TCP is still accepted, nothing answers. */
  freeze(name: string): void;
  thaw(name: string): void;
  /** Kills the host's SSH sessions (not the listener, not what they run): every open connection drops. */
  dropConnections(name: string): void;
  /** Sets (or with null clears) a fault the host's virsh shim obeys: "dumpxml-fails" (UUIDs, one a line), "start-delay" (seconds). */
  fault(name: string, fault: "dumpxml-fails" | "start-delay" | "domcapabilities-fails", value: string | null): void;
  /** Puts an empty disk image on the host (a file name, or a path under /var/lib/libvirt/images); returns its path there. */
  image(name: string, path: string, format?: "qcow2" | "raw"): string;
  /** The boot disks of guests a program names /var/lib/libvirt/images/GUEST.qcow2, put on the host. */
  images(name: string, guests: string[]): void;
  /** The QEMU command line libvirt started the guest with (recorded by the host's fake QEMU). */
  qemuArgv(name: string, guest: string): string[];
  /** The SSH target of a lab host, for calling the effects layer directly. */
  target(name: string, extra?: Partial<SshTarget>): SshTarget;
  stop(): void;
}

export async function startLab(testFile: string, profiles: string[]): Promise<TestLab> {
  const dir = join(repoRoot, ".lab", `test-${basename(testFile, ".js")}-${process.pid}`);
  // A lab that fails half-way is stopped here: the test's after hook has no lab to stop.
  const inventory = await labUp(
    profiles.map((p) => join(builtinProfiles, p)),
    dir,
  ).catch((err: Error) => {
    labDown(dir);
    throw err;
  });
  const host = (name: string) => {
    const h = inventory.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no lab host ${name}`);
    return h;
  };
  const inputs = (name: string, extra: Partial<SevHostInputs> = {}): SevHostInputs => {
    const h = host(name);
    return {
      address: h.address,
      port: h.port,
      user: h.user,
      privateKey: readFileSync(h.privateKeyPath, "utf8"),
      privateKeyPassphrase: h.passphrase,
      hostKeyFingerprint: h.hostKeyFingerprint,
      ...extra,
    };
  };
  const target = (name: string, extra: Partial<SshTarget> = {}): SshTarget => {
    const h = host(name);
    return {
      host: h.address,
      port: h.port,
      user: h.user,
      privateKey: readFileSync(h.privateKeyPath, "utf8"),
      passphrase: h.passphrase,
      hostKey: { fingerprint: h.hostKeyFingerprint },
      connectTimeoutMs: 10000,
      commandTimeoutMs: 30000,
      ...extra,
    };
  };
  const signalSshd = (name: string, signal: "STOP" | "CONT") => {
    const listener = Number(readFileSync(join(host(name).folder, "run", "sshd.pid"), "utf8").trim());
    for (const pid of [listener, ...descendantsOf(listener)]) {
      try {
        process.kill(pid, `SIG${signal}`);
      } catch {
        // a session that ended since the list
      }
    }
  };
  return {
    dir,
    inventory,
    host,
    inputs,
    sh: async (name, argv) => (await exec(target(name), argv)).stdout,
    domains: async (name) =>
      (await exec(target(name), ["virsh", "list", "--all", "--name"])).stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && l !== "test")
        .sort(),
    sshdLog: (name) => readFileSync(host(name).sshdLog, "utf8").split("\n"),
    freeze: (name) => signalSshd(name, "STOP"),
    thaw: (name) => signalSshd(name, "CONT"),
    dropConnections: (name) => {
      const listener = Number(readFileSync(join(host(name).folder, "run", "sshd.pid"), "utf8").trim());
      const sessions = descendantsOf(listener).filter((pid) => commandOf(pid).startsWith("sshd"));
      for (const pid of sessions) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // a session that ended since the list
        }
      }
    },
    fault: (name, fault, value) => {
      const file = join(host(name).folder, "faults", fault);
      if (value === null) rmSync(file, { force: true });
      else writeFileSync(file, value.endsWith("\n") ? value : `${value}\n`);
    },
    image: (name, path, format) => labImage(host(name), path, format),
    images: (name, guests) => guests.forEach((g) => labImage(host(name), `${g}.qcow2`)),
    qemuArgv: (name, guest) => JSON.parse(readFileSync(join(host(name).folder, "state", "qemu", `${guest}.argv`), "utf8")) as string[],
    target,
    stop: () => {
      closeAll();
      labDown(dir);
    },
  };
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

function descendantsOf(pid: number): number[] {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number));
  const children = (p: number): number[] => rows.filter(([, pp]) => pp === p).flatMap(([c]) => [c, ...children(c)]);
  return children(pid);
}
