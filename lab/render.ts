/**
 * Renders a lab host's folder: the profile's facts (the files host-up.sh binds over /proc, /sys,
 * /dev), its users, its driver's files (test driver: domain capabilities and SEV platform for the
 * virsh shim; QEMU driver: qemu.conf, firmware descriptors, the fake QEMU's configuration), the
 * shims (lab/shims.ts), and its sshd and libvirtd configuration.
 */
import { execFileSync } from "child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "fs";
import { basename, join } from "path";
import { LabProfile } from "../provider/generated/lab-profile";
import { quote as sq } from "../provider/core/shell";
import { LAB_LIBVIRT_VERSION, labLibvirtLibs, labLibvirtRoot } from "./libvirt";
import { driverOf, FAKE_QEMU, fakeQemuConfig, labEdge, passwdAndGroup, QEMU_CONF, repliesFile, sevAsids } from "./qemu-host";
import { copyShimLibrary, dmesgLines, poolLines, writeShim } from "./shims";

const QEMU_FIRMWARE = "/usr/share/qemu/firmware";

export function write(file: string, text: string, mode?: number): void {
  writeFileSync(file, text);
  if (mode) chmodSync(file, mode);
}

/** `virsh nodesevinfo` as libvirt's virsh prints it ("%-18s: %s"), fields in the QEMU driver's order. */
function nodeSevInfo(s: NonNullable<LabProfile["sevPlatform"]>): string {
  const fields: Array<[string, string | number | undefined]> = [
    ["pdh", s.pdh],
    ["cert-chain", s.certChain],
    ["cpu0-id", s.cpu0Id],
    ["cbitpos", s.cbitpos],
    ["reduced-phys-bits", s.reducedPhysBits],
    ["max-guests", s.maxGuests],
    ["max-es-guests", s.maxESGuests],
  ];
  return fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(18)}: ${v}\n`)
    .join("");
}

/** Writes the files a lab host serves: facts, shims, sshd and libvirtd configuration. */
export function renderHost(folder: string, profileDir: string, p: LabProfile, port: number, clientPub: string): void {
  const root = join(folder, "root");
  for (const d of ["root/bin", "root/sys-module", "root/cgroup/machine.slice", "ssh", "state", "run", "faults"]) {
    mkdirSync(join(folder, d), { recursive: true });
  }
  write(join(root, "cmdline"), p.cmdline + "\n");
  write(join(root, "osrelease"), p.kernelRelease + "\n");
  const sockets = Array.from({ length: p.sockets ?? 1 }, (_, n) => n);
  write(
    join(root, "cpuinfo"),
    sockets
      .map(
        (n) =>
          `processor\t: ${n}\nvendor_id\t: ${p.cpu.vendor}\nmodel name\t: ${p.cpu.model}\nphysical id\t: ${n}\nflags\t\t: ${p.cpu.flags}\naddress sizes\t: 48 bits physical, 48 bits virtual\n\n`,
      )
      .join(""),
  );
  write(join(root, "smt-active"), `${(p.smtActive ?? true) ? 1 : 0}\n`);
  write(join(root, "meminfo"), `MemTotal:       ${p.memTotalKiB} kB\nMemFree:        ${Math.floor(p.memTotalKiB / 2)} kB\n`);
  if (p.kvmAmd) {
    const params = join(root, "sys-module", "kvm_amd", "parameters");
    mkdirSync(params, { recursive: true });
    for (const [k, v] of Object.entries(p.kvmAmd)) write(join(params, k), `${v}\n`);
  }
  mkdirSync(join(root, "sys-module", "kvm", "parameters"), { recursive: true });
  if (p.miscCgroup) {
    write(join(root, "cgroup", "misc.capacity"), `sev ${p.miscCgroup.sev}\nsev_es ${p.miscCgroup.sev_es}\n`);
    write(join(root, "cgroup", "machine.slice", "misc.current"), "sev 0\nsev_es 0\n");
  }
  const nodes: Record<string, string> = { sev: "10 124", kvm: "10 232" };
  const modes: Record<string, string> = { sev: p.devSevMode ?? "0600", kvm: "0660" };
  write(join(root, "devices"), p.devices.map((d) => `${d} ${nodes[d]} ${modes[d]}\n`).join(""));
  const fw = p.sevPlatform?.firmware;
  write(
    join(root, "versions"),
    `LIBVIRT=${p.libvirtVersion}\nQEMU=${p.qemuVersion}\nAPI_MAJOR=${fw?.apiMajor ?? ""}\nAPI_MINOR=${fw?.apiMinor ?? ""}\nBUILD_ID=${fw?.buildId ?? ""}\n`,
  );
  const libvirtRoot = labLibvirtRoot();
  renderUsers(folder);
  if (driverOf(p) === "qemu") renderQemuDriver(folder, profileDir, p, libvirtRoot);
  else renderTestDriver(folder, profileDir, p, libvirtRoot);
  write(join(root, "dmesg"), dmesgLines(p));
  writeShim(join(root, "bin", "dmesg"), "dmesg", { LAB_HOST: folder });
  writeShim(join(root, "bin", "systemctl"), "systemctl", { LAB_HOST: folder });
  copyShimLibrary(root);
  write(join(folder, "state", "machine.slice"), `MemoryMax=${p.machineSlice.MemoryMax}\nMemoryHigh=${p.machineSlice.MemoryHigh}\n`);
  write(
    join(folder, "libvirtd.conf"),
    `unix_sock_dir = "/run/libvirt"\nauth_unix_rw = "none"\nlog_outputs = "3:file:${join(folder, "run", "libvirtd.log")}"\n`,
  );
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `lab-${basename(folder)}`, "-f", join(folder, "ssh", "host_key")]);
  // Read by sshd as the logging-in user, who may not be root.
  write(join(folder, "ssh", "authorized_keys"), clientPub, 0o644);
  write(
    join(folder, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(folder, "ssh", "host_key")}`,
      `AuthorizedKeysFile ${join(folder, "ssh", "authorized_keys")}`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "StrictModes no",
      // MaxSessions as OpenSSH ships it: the provider must fit a default server.
      `PidFile ${join(folder, "run", "sshd.pid")}`,
      "LogLevel VERBOSE",
      "MaxStartups 100:30:200",
      "MaxSessions 10",
      "",
    ].join("\n"),
  );
}

/** The distribution's QEMU user (libvirt-qemu, in kvm), which every lab host has, as a Debian host with libvirt does. */
function renderUsers(folder: string): void {
  const users = passwdAndGroup();
  mkdirSync(join(folder, "etc"), { recursive: true });
  write(join(folder, "etc", "passwd"), users.passwd);
  write(join(folder, "etc", "group"), users.group);
}

/** A test-driver host: domain capabilities, SEV platform and launch answered by the virsh shim. */
function renderTestDriver(folder: string, profileDir: string, p: LabProfile, libvirtRoot: string): void {
  const root = join(folder, "root");
  copyFileSync(join(profileDir, p.domcapabilities!), join(root, "domcapabilities.xml"));
  if (p.sevPlatform) write(join(root, "nodesevinfo"), nodeSevInfo(p.sevPlatform));
  write(join(folder, "libvirt.env"), `LIBVIRT_ROOT=${sq(libvirtRoot)}\nLAB_DRIVER=test\n`);
  write(join(root, "pools"), poolLines());
  writeShim(join(root, "bin", "virsh"), "virsh-test", {
    LAB_HOST: folder,
    LAB_VIRSH: join(libvirtRoot, "usr", "bin", "virsh"),
    LAB_LIBS: labLibvirtLibs(libvirtRoot),
  });
  writeShim(join(root, "bin", "qemu-system-x86_64"), "qemu-system-x86_64", { LAB_HOST: folder });
}

/** A QEMU-driver host: its own qemu.conf, images folder, users, and the fake QEMU as its emulator. */
function renderQemuDriver(folder: string, profileDir: string, p: LabProfile, libvirtRoot: string): void {
  const root = join(folder, "root");
  const edge = labEdge();
  for (const d of ["images", "etc-libvirt/qemu"]) mkdirSync(join(folder, d), { recursive: true });
  write(join(folder, "etc-libvirt", "qemu.conf"), QEMU_CONF);
  write(join(folder, "qemu.json"), JSON.stringify(fakeQemuConfig(folder, repliesFile(profileDir, p), p), null, 2) + "\n");
  // The machine's firmware descriptors (Debian's OVMF), and the ones the profile's host has besides.
  mkdirSync(join(folder, "firmware"));
  for (const f of existsSync(QEMU_FIRMWARE) ? readdirSync(QEMU_FIRMWARE) : []) copyFileSync(join(QEMU_FIRMWARE, f), join(folder, "firmware", f));
  for (const [f, descriptor] of Object.entries(p.qemuDriver?.firmwareDescriptors ?? {}))
    write(join(folder, "firmware", f), JSON.stringify(descriptor, null, 2) + "\n");
  write(
    join(folder, "libvirt.env"),
    [
      `LIBVIRT_ROOT=${sq(libvirtRoot)}`,
      "LAB_DRIVER=qemu",
      `LAB_PRELOAD=${sq(edge.preload)}`,
      `LAB_REAPER=${sq(edge.reaper)}`,
      `LAB_SEV_ASIDS=${sq(sevAsids(p))}`,
      "",
    ].join("\n"),
  );
  writeShim(join(root, "bin", "virsh"), "virsh-qemu", {
    LAB_HOST: folder,
    LAB_VIRSH: join(libvirtRoot, "usr", "bin", "virsh"),
    LAB_LIBS: labLibvirtLibs(libvirtRoot),
    LAB_LIBVIRT_VERSION,
  });
  writeShim(join(root, "bin", "qemu-system-x86_64"), "fake-qemu", { LAB_FAKE_QEMU: FAKE_QEMU, LAB_QEMU_CONFIG: join(folder, "qemu.json") });
}
