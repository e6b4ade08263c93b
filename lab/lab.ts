/**
 * The embedded lab: simulated SEV hypervisors on this machine. Each host is a real OpenSSH server
 * on its own loopback port, in a mount namespace where the profile's facts sit over the real paths,
 * with a real libvirtd of the lab's own libvirt 11.3 (lab/libvirt.ts). A profile that libvirt 11.3
 * can represent runs its QEMU driver (lab/qemu-host.ts: libvirt computes domain capabilities,
 * validates, builds the QEMU command line and starts guests, with a fake QEMU at the edge); the
 * older ones run its test driver, behind shims for what that driver lacks (domcapabilities,
 * nodesevinfo, launch security, a paused start). Shims on every host's PATH: `systemctl` (no
 * systemd here), `dmesg`, `virsh version` where the profile's libvirt is not 11.3.
 *
 * This module starts and stops hosts; profiles.ts validates profiles, render.ts writes a host's
 * folder, shims.ts its shims (lab/shims/), processes.ts ports and pids, inventory.ts the inventory.
 */
import { execFileSync, spawn } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "fs";
import { basename, dirname, join, resolve } from "path";
import { LabProfile } from "../provider/generated/lab-profile";
import { repoRoot } from "./libvirt";
import { defaultLabDir, Inventory, LabHost, readInventory, saveInventory } from "./inventory";
import { loadProfile } from "./profiles";
import { freePort, isRunning, stopProcesses, waitForSsh } from "./processes";
import { renderHost, write } from "./render";

export { repoRoot };
export type { Inventory, LabHost } from "./inventory";
export { defaultLabDir, readInventory } from "./inventory";
export { builtinProfiles, listBuiltinProfiles, loadProfile } from "./profiles";
export { freePort } from "./processes";

const hostUpScript = join(repoRoot, "lab", "host-up.sh");

function fingerprintOf(pubFile: string): string {
  return execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", pubFile], { encoding: "utf8" }).split(/\s+/)[1];
}

function ensureClientKey(dir: string): { keyPath: string; passphrase: string; pub: string } {
  const keyPath = join(dir, "client_key");
  const passFile = join(dir, "client_key.passphrase");
  if (!existsSync(keyPath)) {
    const passphrase = execFileSync("openssl", ["rand", "-hex", "16"], { encoding: "utf8" }).trim();
    write(passFile, passphrase, 0o600);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "pulumi-sev-lab", "-f", keyPath]);
  }
  return { keyPath, passphrase: readFileSync(passFile, "utf8").trim(), pub: readFileSync(`${keyPath}.pub`, "utf8") };
}

/**
 * Renders and starts one host. Another process can take the free port before sshd binds it (the
 * Pulumi engine's plugins listen on random loopback ports too): then the host is stopped and
 * started again on another port.
 */
async function startHost(folder: string, profileDir: string, profile: LabProfile, clientPub: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    rmSync(folder, { recursive: true, force: true });
    const port = await freePort();
    renderHost(folder, profileDir, profile, port, clientPub);
    const child = spawn(hostUpScript, [folder], { detached: true, stdio: ["ignore", "ignore", "ignore"] });
    const ended = new Promise<void>((done) => child.once("exit", () => done()));
    child.unref();
    try {
      await waitForSsh(port, 15000);
      return port;
    } catch (err) {
      // sshd could not bind the port and the script ends; what it started before (libvirtd) goes with it.
      await Promise.race([ended, new Promise((r) => setTimeout(r, 15000))]);
      stopProcesses(folder);
      if (attempt === 3) throw err;
    }
  }
}

/** Starts one lab host per profile folder; hosts already up under the same name are kept. */
export async function labUp(profileDirs: string[], dir = defaultLabDir()): Promise<Inventory> {
  mkdirSync(join(dir, "hosts"), { recursive: true });
  const client = ensureClientKey(dir);
  const inv = readInventory(dir);
  inv.hosts = inv.hosts.filter(isRunning);
  for (const profileDir of profileDirs.map((p) => resolve(p))) {
    const name = basename(profileDir);
    if (inv.hosts.some((h) => h.name === name)) continue;
    const profile = loadProfile(profileDir);
    const folder = join(dir, "hosts", name);
    const port = await startHost(folder, profileDir, profile, client.pub);
    inv.hosts.push({
      name,
      profile: profileDir,
      address: "127.0.0.1",
      port,
      user: "root",
      privateKeyPath: client.keyPath,
      passphrase: client.passphrase,
      hostKeyFingerprint: fingerprintOf(join(folder, "ssh", "host_key.pub")),
      sshdLog: join(folder, "run", "sshd.log"),
      folder,
    });
    saveInventory(dir, inv);
  }
  return inv;
}

/** Where a lab host keeps the files its guests see under /var/lib/libvirt/images. */
export const LAB_IMAGES = "/var/lib/libvirt/images";

/**
 * Puts a disk image on a lab host (a QEMU-driver host opens its guests' disks, as a real one does):
 * an empty image of the format at `path` under /var/lib/libvirt/images, unless a file is there already.
 * Returns the path as the host sees it.
 */
export function labImage(host: LabHost, path: string, format: "qcow2" | "raw" = "qcow2", size = "1G"): string {
  const inHost = path.startsWith("/") ? path : `${LAB_IMAGES}/${path}`;
  if (!inHost.startsWith(`${LAB_IMAGES}/`) || inHost.split("/").includes("..")) {
    throw new Error(`lab image ${path}: lab hosts keep images under ${LAB_IMAGES}/`);
  }
  const file = join(host.folder, "images", inHost.slice(LAB_IMAGES.length + 1));
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) execFileSync("qemu-img", ["create", "-q", "-f", format, file, size]);
  return inHost;
}

/** Stops every process the lab started, by process id, and removes its folder. */
export function labDown(dir = defaultLabDir()): number {
  const inv = readInventory(dir);
  let stopped = 0;
  for (const h of inv.hosts) stopped += stopProcesses(h.folder);
  rmSync(dir, { recursive: true, force: true });
  return stopped;
}
