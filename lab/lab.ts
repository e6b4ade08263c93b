/**
 * The embedded lab: simulated SEV hypervisors on this machine. Each host is a real OpenSSH server
 * on its own loopback port, in a mount namespace where the profile's facts sit over the real paths,
 * with a real libvirtd of the lab's own libvirt 11.3 (lab/libvirt.ts). A profile that libvirt 11.3
 * can represent runs its QEMU driver (lab/qemu-host.ts: libvirt computes domain capabilities,
 * validates, builds the QEMU command line and starts guests, with a fake QEMU at the edge); the
 * older ones run its test driver, behind shims for what that driver lacks (domcapabilities,
 * nodesevinfo, launch security, a paused start). Shims on every host's PATH: `systemctl` (no
 * systemd here), `dmesg`, `virsh version` where the profile's libvirt is not 11.3.
 */
import { execFileSync, spawn } from "child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync, copyFileSync } from "fs";
import { createServer, connect } from "net";
import { basename, dirname, join, resolve } from "path";
import { LabProfile } from "../provider/generated/lab-profile";
import { formatProblems, schemaChecker } from "../provider/core/validate";
import { MODEL_LIST } from "../provider/core/models";
import profileSchema from "../schema/lab-profile.schema.json";
import { LAB_LIBVIRT_VERSION, labLibvirtLibs, labLibvirtRoot, repoRoot } from "./libvirt";
import { driverOf, fakeQemuConfig, fakeQemuShim, labEdge, MISC_NAME, passwdAndGroup, QEMU_CONF, repliesFile, sevAsids } from "./qemu-host";
import { quote as sq } from "../provider/core/shell";

export { repoRoot };
export const builtinProfiles = join(repoRoot, "lab", "profiles");
const hostUpScript = join(repoRoot, "lab", "host-up.sh");
const LAB_SOCKET = "/run/libvirt/libvirt-sock";
const QEMU_FIRMWARE = "/usr/share/qemu/firmware";

export interface LabHost {
  name: string;
  profile: string;
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
  passphrase: string;
  hostKeyFingerprint: string;
  sshdLog: string;
  folder: string;
}

export interface Inventory {
  hosts: LabHost[];
}

const checkProfile = schemaChecker<LabProfile>(profileSchema);

export function defaultLabDir(): string {
  return process.env.SEV_LAB_DIR ?? join(repoRoot, ".lab");
}

export function loadProfile(folder: string): LabProfile {
  const file = join(folder, "profile.json");
  if (!existsSync(file)) throw new Error(`lab profile ${folder}: no profile.json (see lab/profiles/README.md)`);
  const result = checkProfile(JSON.parse(readFileSync(file, "utf8")));
  if (!result.ok) throw new Error(formatProblems(`lab profile ${file}`, result.problems));
  const p = result.value;
  if ((p.domcapabilities === undefined) === (p.qemuDriver === undefined)) {
    throw new Error(`lab profile ${file}: needs exactly one of domcapabilities (a test-driver host) and qemuDriver (a QEMU-driver host)`);
  }
  if (p.domcapabilities !== undefined && !existsSync(join(folder, p.domcapabilities))) {
    throw new Error(`lab profile ${file}: domcapabilities file ${p.domcapabilities} not found beside it`);
  }
  if (p.qemuDriver) repliesFile(folder, p);
  return p;
}

export function listBuiltinProfiles(): string[] {
  return readdirSync(builtinProfiles, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(builtinProfiles, d.name));
}

/** A loopback port nothing listens on (now). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function write(file: string, text: string, mode?: number): void {
  writeFileSync(file, text);
  if (mode) chmodSync(file, mode);
}

/**
 * Shell that prints the misc pool of a launchSecurity type ($1) and policy ($2), from the model
 * descriptors: a type with one model names its pool; type sev is SEV-ES when the policy has the ES bit.
 */
function poolCases(): string {
  const lines = ["  case $1 in"];
  for (const type of [...new Set(MODEL_LIST.map((d) => d.launchSecurity.type))]) {
    const models = MODEL_LIST.filter((d) => d.launchSecurity.type === type);
    if (models.length === 1) {
      lines.push(`    ${type}) echo ${MISC_NAME[models[0].pool]} ;;`);
      continue;
    }
    const es = models.find((d) => d.launchSecurity.esPolicyBit === true)!;
    const plain = models.find((d) => d.launchSecurity.esPolicyBit === false)!;
    lines.push(`    ${type}) if [ $(( \${2:-0} & 4 )) -ne 0 ]; then echo ${MISC_NAME[es.pool]}; else echo ${MISC_NAME[plain.pool]}; fi ;;`);
  }
  lines.push("  esac");
  return lines.join("\n");
}

/**
 * Shell shared by both virsh shims: drops the connection options (the shim knows its daemon) and
 * applies the faults a test injects (folder faults/): a dumpxml that fails for the domains listed,
 * also inside a batch ("cmd; cmd; …", as the probe reads every domain), and a slow start.
 */
function connectionAndFaults(host: string): string {
  return `while [ $# -gt 0 ]; do
  case $1 in
    -c|--connect) shift 2 ;;
    --connect=*|-q|--quiet|-r|--readonly) shift ;;
    *) break ;;
  esac
done
faults=${sq(join(host, "faults"))}
case $1 in *";"*)
  if [ -f "$faults/dumpxml-fails" ]; then
    batch=$1
    while read -r d; do
      [ -n "$d" ] && batch=$(printf '%s' "$batch" | sed "s/dumpxml $d;/dumpxml lab-fault-unreadable;/g")
    done < "$faults/dumpxml-fails"
    set -- "$batch"
  fi ;;
esac
case $1 in
  dumpxml)
    for a in "$@"; do
      if [ -f "$faults/dumpxml-fails" ] && grep -qxF -- "$a" "$faults/dumpxml-fails"; then
        echo "error: internal error: cannot read the configuration of domain '$a' (lab fault)" >&2; exit 1
      fi
    done ;;
  start) [ -f "$faults/start-delay" ] && sleep "$(cat "$faults/start-delay")" ;;
esac
`;
}

const virshShim = (host: string, libvirtRoot: string) => `#!/bin/sh
# Lab shim, never on a real host: the libvirt test driver answers neither domcapabilities nor
# a QEMU version, so those come from the profile; every other command goes to this host's libvirtd
# through the lab's own virsh.
. ${sq(join(host, "root", "versions"))}
export LD_LIBRARY_PATH=${sq(labLibvirtLibs(libvirtRoot))}
VIRSH=${sq(join(libvirtRoot, "usr", "bin", "virsh"))}
real() { "$VIRSH" -c 'test+unix:///default?socket=${LAB_SOCKET}' "$@"; }
# The ASID pool of a launchSecurity type and policy (from the provider's model descriptors), or nothing.
pool_of() {
${poolCases()}
}
# "TYPE POLICY" of each domain XML on stdin (each after a line "@@dom"); TYPE is "-" without launchSecurity.
params() {
  awk '/^@@dom$/ { if (n) print t, p; n = 1; t = "-"; p = 0; next }
    t == "-" && /<launchSecurity/ { if (match($0, /type=.[a-z-]+/)) t = substr($0, RSTART + 6, RLENGTH - 6) }
    /<policy>0x/ && p == 0 { if (match($0, /0x[0-9a-fA-F]+/)) p = substr($0, RSTART, RLENGTH) }
    END { if (n) print t, p }'
}
# Simulated SEV firmware: the launch measurement of a running SEV or SEV-ES guest. Real firmware
# returns an HMAC over the launch digest plus a 16-byte nonce; here a SHA-256 of the domain's
# launchSecurity element and a nonce derived from its UUID stand in (48 bytes, base64), stable per launch.
measure() {
  { printf '%s' "$2" | sed -n '/<launchSecurity/,/<\\/launchSecurity>/p' | openssl dgst -sha256 -binary
    printf '%s' "$1" | openssl dgst -md5 -binary; } | base64 -w 0
}
# virsh domuuid looks a domain up by name or id only: the UUID comes from its XML.
uuid_of() { real dumpxml "$1" | sed -n 's:.*<uuid>\\(.*\\)</uuid>.*:\\1:p' | head -n 1; }
last_arg() { for a in "$@"; do case $a in --*) ;; *) l=$a ;; esac; done; echo "$l"; }
launch_sec_info() {
  state=$(real domstate "$1") || return 1
  case $state in running|paused) ;; *)
    echo "error: Unable to get launch security parameters" >&2
    echo "error: Requested operation is not valid: domain is not running" >&2; return 1 ;;
  esac
  xml=$(real dumpxml "$1")
  policy=$(echo "$xml" | grep -o '<policy>0x[0-9a-fA-F]*' | head -n 1 | cut -d '>' -f 2)
  case $xml in
    *"type='sev-snp'"*) printf '%-15s: %s\\n' sev-snp-policy $(( policy )) ;;
    *"<launchSecurity"*)
      printf '%-15s: %s\\n' sev-measurement "$(measure "$(uuid_of "$1")" "$xml")" sev-api-major "$API_MAJOR" \
        sev-api-minor "$API_MINOR" sev-build-id "$BUILD_ID" sev-policy $(( policy )) ;;
    *) echo "error: Unable to get launch security parameters" >&2
       echo "error: Operation not supported: launch security is not enabled" >&2; return 1 ;;
  esac
}
# Injecting a launch secret: the firmware is simulated, so what virsh was given is recorded.
set_launch_sec_state() {
  hdr=; secret=; addr=none; dom=
  while [ $# -gt 0 ]; do
    case $1 in
      --secrethdr) hdr=$2; shift 2 ;;
      --secret) secret=$2; shift 2 ;;
      --set-address) addr=$2; shift 2 ;;
      --domain) dom=$2; shift 2 ;;
      *) dom=$1; shift ;;
    esac
  done
  if [ "$(real domstate "$dom")" != paused ]; then
    echo "error: Unable to set launch security state" >&2
    echo "error: Requested operation is not valid: domain is not paused" >&2; return 1
  fi
  case $(real dumpxml "$dom") in *"<launchSecurity type='sev'"*) ;; *)
    echo "error: Unable to set launch security state" >&2
    echo "error: Operation not supported: setting a launch secret is only supported in SEV guests" >&2; return 1 ;;
  esac
  printf '%s header=%s secret=%s set-address=%s\\n' "$(uuid_of "$dom")" "$(cat "$hdr")" "$(cat "$secret")" "$addr" \
    >> ${sq(join(host, "state", "launch-secrets.log"))}
}
${connectionAndFaults(host)}case $1 in
  domcapabilities) exec cat ${sq(join(host, "root", "domcapabilities.xml"))} ;;
  nodesevinfo)
    [ -f ${sq(join(host, "root", "nodesevinfo"))} ] && exec cat ${sq(join(host, "root", "nodesevinfo"))}
    echo "error: Unable to get host SEV information" >&2
    echo "error: Operation not supported: QEMU does not support SEV guest" >&2
    exit 1 ;;
  domlaunchsecinfo) shift; launch_sec_info "$(last_arg "$@")"; exit $? ;;
  domsetlaunchsecstate) shift; set_launch_sec_state "$@"; exit $? ;;
  version)
    printf 'Compiled against library: libvirt %s\\nUsing library: libvirt %s\\nUsing API: QEMU %s\\nRunning hypervisor: QEMU %s\\n' "$LIBVIRT" "$LIBVIRT" "$LIBVIRT" "$QEMU"
    [ "$2" = --daemon ] && printf 'Running against daemon: %s\\n' "$LIBVIRT"
    exit 0 ;;
  start)
    # Simulated SEV hardware: QEMU fails to start a guest whose ASID pool (misc.capacity) is full.
    dom=$(for a in "$@"; do case $a in start|--*) ;; *) echo "$a" ;; esac; done | tail -n 1)
    pool=$({ echo @@dom; real dumpxml "$dom" 2>/dev/null; } | params | { read -r t p; pool_of "$t" "$p"; })
    cap=$(sed -n "s/^$pool //p" ${sq(join(host, "root", "cgroup", "misc.capacity"))} 2>/dev/null)
    if [ -n "$pool" ] && [ -n "$cap" ]; then
      # The running domains' XML from one virsh process: this start is not the benchmarks' bottleneck.
      used=0
      running=$(real list --uuid)
      [ -n "$running" ] && for tp in $(real "$(for u in $running; do printf 'echo @@dom; dumpxml %s; ' "$u"; done)" 2>/dev/null | params | tr ' ' :); do
        [ "$(pool_of "\${tp%%:*}" "\${tp#*:}")" = "$pool" ] && used=$((used + 1))
      done
      if [ "$used" -ge "$cap" ]; then
        echo "error: Failed to start domain '$dom'" >&2
        echo "error: internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: sev_guest_init: failed to initialize ret=-16 fw_error=0 ''" >&2
        exit 1
      fi
    fi
    # The test driver cannot start a domain paused: start it, then pause it, as QEMU -S leaves it.
    case " $* " in *" --paused "*) real start "$dom" && real suspend "$dom" >/dev/null; exit $? ;; esac ;;
  undefine)
    # The test driver rejects --nvram (it keeps no UEFI variable stores): drop the flag.
    shift; set -- undefine $(for a in "$@"; do [ "$a" = --nvram ] || echo "$a"; done) ;;
esac
exec "$VIRSH" -c 'test+unix:///default?socket=${LAB_SOCKET}' "$@"
`;

/**
 * virsh on a QEMU-driver host: the lab's own virsh talking to the host's libvirtd, which answers
 * everything itself. Only `virsh version` is rewritten where the profile's libvirt is not the
 * lab's (the QEMU version is the fake QEMU's, from the profile).
 */
const qemuVirshShim = (host: string, libvirtRoot: string, p: LabProfile) => `#!/bin/sh
# Lab shim, never on a real host: the lab's virsh with this host's libvirtd (QEMU driver).
export LD_LIBRARY_PATH=${sq(labLibvirtLibs(libvirtRoot))}
VIRSH=${sq(join(libvirtRoot, "usr", "bin", "virsh"))}
real() { "$VIRSH" -c qemu:///system "$@"; }
${connectionAndFaults(host)}${
  p.libvirtVersion === LAB_LIBVIRT_VERSION
    ? ""
    : `[ "$1" = version ] && { real "$@" | sed '/^Running hypervisor/!s/${LAB_LIBVIRT_VERSION.replace(/\./g, "\\.")}/${p.libvirtVersion}/'; exit 0; }\n`
}exec "$VIRSH" -c qemu:///system "$@"
`;

const qemuShim = (host: string) => `#!/bin/sh
# Lab shim: the QEMU version the profile declares.
. ${sq(join(host, "root", "versions"))}
echo "QEMU emulator version $QEMU"
`;

/** Lab shim: the kernel log lines of the SEV firmware's start (drivers/crypto/ccp/sev-dev.c), from the profile. */
const dmesgShim = (p: LabProfile) => {
  const fw = p.sevPlatform?.firmware;
  const version = fw ? `API:${fw.apiMajor}.${fw.apiMinor} build:${fw.buildId}` : null;
  const snp = /^[1yY]$/.test(p.kvmAmd?.sev_snp ?? "");
  const lines = version === null ? [] : [`[    4.201938] ccp 0000:47:00.1: SEV${snp ? "-SNP" : ""} ${version}`];
  return `#!/bin/sh\n# Lab shim: the host's kernel log as far as the SEV firmware is concerned.\n${lines.map((l) => `echo ${sq(l)}`).join("\n")}\n`;
};

const systemctlShim = (host: string) => `#!/bin/sh
# Lab shim for systemd (absent here): show and set-property on machine.slice, kept in a state file.
state=${sq(join(host, "state", "machine.slice"))}
cmd=$1; unit=$2
[ "$unit" = machine.slice ] || { echo "Unit $unit could not be found." >&2; exit 1; }
bytes() {
  case $1 in
    infinity) echo infinity ;;
    *[!0-9KMGTkmgt]*|'') return 1 ;;
    *[Kk]) echo $(( \${1%?} * 1024 )) ;;
    *[Mm]) echo $(( \${1%?} * 1048576 )) ;;
    *[Gg]) echo $(( \${1%?} * 1073741824 )) ;;
    *[Tt]) echo $(( \${1%?} * 1099511627776 )) ;;
    *) echo "$1" ;;
  esac
}
case $cmd in
  show)
    shift 2
    while [ $# -gt 0 ]; do
      [ "$1" = -p ] && { grep "^$2=" "$state"; shift 2; continue; }
      shift
    done ;;
  set-property)
    shift 2
    for kv in "$@"; do
      k=\${kv%%=*}; v=\${kv#*=}
      case $k in MemoryMax|MemoryHigh) ;; *) echo "Unknown assignment: $kv" >&2; exit 1 ;; esac
      b=$(bytes "$v") || { echo "Failed to parse $k= value '$v'" >&2; exit 1; }
      grep -v "^$k=" "$state" > "$state.new"; echo "$k=$b" >> "$state.new"; mv "$state.new" "$state"
      echo "$(date -u +%FT%TZ) set-property machine.slice $k=$b" >> ${sq(join(host, "state", "systemctl.log"))}
    done ;;
  *) echo "systemctl (lab shim): only 'show' and 'set-property' of machine.slice" >&2; exit 1 ;;
esac
`;

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
function renderHost(folder: string, profileDir: string, p: LabProfile, port: number, clientPub: string): void {
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
  write(join(root, "bin", "dmesg"), dmesgShim(p), 0o755);
  write(join(root, "bin", "systemctl"), systemctlShim(folder), 0o755);
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
  write(join(root, "bin", "virsh"), virshShim(folder, libvirtRoot), 0o755);
  write(join(root, "bin", "qemu-system-x86_64"), qemuShim(folder), 0o755);
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
  write(join(root, "bin", "virsh"), qemuVirshShim(folder, libvirtRoot, p), 0o755);
  write(join(root, "bin", "qemu-system-x86_64"), fakeQemuShim(join(folder, "qemu.json")), 0o755);
}

function fingerprintOf(pubFile: string): string {
  return execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", pubFile], { encoding: "utf8" }).split(/\s+/)[1];
}

function waitForSsh(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((res, rej) => {
    const attempt = () => {
      const s = connect(port, "127.0.0.1");
      s.once("data", (d) => {
        s.destroy();
        d.toString().startsWith("SSH-") ? res() : rej(new Error(`port ${port}: not an SSH server`));
      });
      s.once("error", () => {
        s.destroy();
        if (Date.now() > deadline) rej(new Error(`lab sshd on port ${port} did not start within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
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

/** A host from an earlier run counts only while its sshd still runs (not after a reboot). */
function isRunning(h: LabHost): boolean {
  const pidFile = join(h.folder, "run", "sshd.pid");
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, "utf8").trim()), 0);
    return true;
  } catch {
    return false;
  }
}

export function readInventory(dir = defaultLabDir()): Inventory {
  const file = join(dir, "inventory.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Inventory) : { hosts: [] };
}

function saveInventory(dir: string, inv: Inventory): void {
  write(join(dir, "inventory.json"), JSON.stringify(inv, null, 2) + "\n", 0o600);
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

function pidsOf(folder: string): number[] {
  const run = join(folder, "run");
  if (!existsSync(run)) return [];
  return readdirSync(run)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => Number(readFileSync(join(run, f), "utf8").trim()))
    .filter((n) => n > 1);
}

/** Stops every process the lab started, by process id, and removes its folder. */
export function labDown(dir = defaultLabDir()): number {
  const inv = readInventory(dir);
  let stopped = 0;
  for (const h of inv.hosts) stopped += stopProcesses(h.folder);
  rmSync(dir, { recursive: true, force: true });
  return stopped;
}

function stopProcesses(folder: string): number {
  let stopped = 0;
  for (const pid of pidsOf(folder)) {
    try {
      process.kill(pid, "SIGTERM");
      stopped++;
    } catch {
      /* already gone */
    }
  }
  return stopped;
}
