/**
 * The lab's libvirt: Debian bookworm-backports' build at the version pinned in lab/libvirt.version,
 * unpacked by scripts/install-libvirt.sh into a private folder so the machine's own libvirt stays as
 * it is. Lab hosts run its libvirtd (test driver) and virsh; tests validate against its schemas.
 */
import { existsSync, readFileSync } from "fs";
import { homedir } from "os";
import { join, resolve } from "path";

export const repoRoot = resolve(__dirname, existsSync(resolve(__dirname, "../package.json")) ? ".." : "../..");

export const LAB_LIBVIRT_PACKAGE = readFileSync(join(repoRoot, "lab", "libvirt.version"), "utf8").trim();
/** Upstream version of the pinned package ("11.3.0" of "11.3.0-2~bpo12+1"). */
export const LAB_LIBVIRT_VERSION = LAB_LIBVIRT_PACKAGE.replace(/-.*$/, "");

/** Root of the unpacked packages (usr/sbin/libvirtd, usr/bin/virsh, usr/share/libvirt/schemas). */
export function labLibvirtRoot(): string {
  const root =
    process.env.SEV_LAB_LIBVIRT ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pulumi-sev", `libvirt-${LAB_LIBVIRT_PACKAGE}`, "root");
  if (!existsSync(join(root, "usr", "sbin", "libvirtd"))) {
    throw new Error(`the lab's libvirt ${LAB_LIBVIRT_PACKAGE} is not installed in ${root}: run bash scripts/install-libvirt.sh (scripts/setup.sh does)`);
  }
  return root;
}

/** Folder of the lab libvirt's shared libraries, for LD_LIBRARY_PATH. */
export function labLibvirtLibs(root = labLibvirtRoot()): string {
  return join(root, "usr", "lib", "x86_64-linux-gnu");
}

/** The lab libvirt's virsh and the environment it runs in. */
export function labVirsh(): { command: string; env: NodeJS.ProcessEnv } {
  const root = labLibvirtRoot();
  return { command: join(root, "usr", "bin", "virsh"), env: { ...process.env, LD_LIBRARY_PATH: labLibvirtLibs(root) } };
}

/** The lab libvirt's RelaxNG domain schema. */
export function labDomainSchema(): string {
  return join(labLibvirtRoot(), "usr", "share", "libvirt", "schemas", "domain.rng");
}
