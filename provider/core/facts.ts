/** Everything the provider knows about a hypervisor, as parsed from one probe. */
import type { FoundClaim } from "./slice-claims";
import type { MemoryValue } from "./slice";
import type { Owner } from "./owner";

export type { MemoryValue };

/** The SEV models this provider runs: sev, sev-es and sev-snp (Nova's amd-sev, amd-sev-es, amd-sev-snp). */
export type SevModel = "sev" | "sev-es" | "sev-snp";

/** What the kernel command line says about SEV and SME (mem_encrypt, kvm_amd.sev). */
export interface CmdlineFacts {
  /** Value of mem_encrypt= on the kernel command line, null when absent. */
  memEncrypt: string | null;
  /** Value of kvm_amd.sev= on the kernel command line, null when absent. */
  kvmAmdSev: string | null;
}

/** The kvm_amd module's SEV parameters (sev, sev_es, sev_snp) as /sys/module/kvm_amd/parameters shows them. */
export interface KvmAmdFacts {
  /** The kvm_amd module is loaded (its parameters folder exists). */
  loaded: boolean;
  /** Parameter value as a boolean; null when the parameter file is absent. */
  sev: boolean | null;
  sevEs: boolean | null;
  sevSnp: boolean | null;
}

/** The CPU's SEV-related flags from /proc/cpuinfo. */
export interface CpuFacts {
  vendor: string | null;
  sev: boolean;
  sevEs: boolean;
  sevSnp: boolean;
  sme: boolean;
}

/** libvirt's <sev> element of the domain capabilities: supported, cbitpos, reducedPhysBits, maxGuests, maxESGuests. */
export interface SevDomainCaps {
  supported: boolean;
  cbitpos: number | null;
  reducedPhysBits: number | null;
  /** null when libvirt (before 8.0) does not report it. */
  maxGuests: number | null;
  maxESGuests: number | null;
}

/** `virsh domcapabilities` as far as SEV guests need it: machine types, firmware, the <sev> element and its models. */
export interface DomainCapabilities {
  domainType: string | null;
  arch: string | null;
  machine: string | null;
  sev: SevDomainCaps;
  /** launchSecurity sectype values, empty when the element is absent or unsupported. */
  launchSecurityTypes: string[];
  /** Machine types named in the document (the <machine> element). */
  machines: string[];
  /** OVMF/firmware loader paths offered under os/loader. */
  loaders: string[];
}

/**
 * The SEV platform's identity as `virsh nodesevinfo` reports it: what a guest owner needs to
 * establish a launch session with this machine's firmware. Fields a libvirt does not report are null.
 */
export interface SevPlatformFacts {
  /** Platform Diffie-Hellman key certificate, base64. */
  pdh: string | null;
  /** PEK, OCA and CEK certificates, base64. */
  certChain: string | null;
  /** Unique ID of CPU 0 (to fetch the VCEK for SEV-SNP attestation), base64. */
  cpu0Id: string | null;
  cbitpos: number | null;
  reducedPhysBits: number | null;
  maxGuests: number | null;
  maxESGuests: number | null;
}

/** Who may open /dev/sev: its mode and owner, and the user (and groups) QEMU runs as. */
export interface DevSevAccess {
  /** Permission bits, e.g. 0o600. */
  mode: number;
  owner: string;
  group: string;
  /** From /etc/libvirt/qemu.conf, else the distribution's default user when it exists; null when unknown. */
  qemuUser: string | null;
  qemuGroups: string[];
}

/** The SEV firmware's API version and build, as the ccp driver logs it at start, when the kernel log has it. */
export interface SevFirmwareFacts {
  apiMajor: number;
  apiMinor: number;
  buildId: number;
  /** The firmware was initialised for SEV-SNP ("SEV-SNP API:" rather than "SEV API:"). */
  snp: boolean;
}

/** One line of a misc cgroup file ("sev 509"). */
export interface MiscPool {
  capacity: number | null;
  current: number | null;
}

/** The kernel's SEV ASID accounting (misc cgroup: sev and sev_es capacity and current), when it has one. */
export interface MiscCgroupFacts {
  sev: MiscPool;
  sevEs: MiscPool;
}

/** An SEV domain defined on the host, as the probe read its XML: model, state and owner. */
export interface SevDomainFact {
  name: string;
  uuid: string;
  running: boolean;
  model: SevModel;
  /** Ownership metadata written by this provider, when present. */
  owner: Owner | null;
}

/** A domain `virsh dumpxml` could not read during the probe: it may hold a slot, so it counts as used. */
export interface UnreadableDomain {
  uuid: string;
  /** virsh's error text. */
  error: string;
}

/** A systemd memory property: bytes, or null for "infinity" (no limit). */

export interface SliceFacts {
  /** False when systemctl is missing or does not know machine.slice. */
  available: boolean;
  memoryMax: MemoryValue;
  memoryHigh: MemoryValue;
}

/** Everything the probe learns of a host in one round trip: the facts every check, count and admission judges. */
export interface HostFacts {
  kernelRelease: string | null;
  cmdline: CmdlineFacts;
  kvmAmd: KvmAmdFacts;
  devices: { sev: boolean; kvm: boolean };
  /** null when /dev/sev is absent. */
  devSevAccess: DevSevAccess | null;
  cpu: CpuFacts;
  memTotalBytes: number | null;
  libvirtVersion: string | null;
  qemuVersion: string | null;
  domcaps: DomainCapabilities | null;
  /** virsh's error text when domcapabilities could not be read. */
  domcapsError: string | null;
  /** /sys/devices/system/cpu/smt/active; null when the kernel does not say. */
  smtActive: boolean | null;
  /** Distinct "physical id" values in /proc/cpuinfo; null when none are listed. */
  sockets: number | null;
  /** The SEV firmware's API version, as the ccp driver logs it at start ("SEV-SNP API:1.55 build:21"); null when not in the kernel log. */
  sevFirmware: SevFirmwareFacts | null;
  /** null when `virsh nodesevinfo` failed (no SEV, or libvirt cannot reach the firmware). */
  platform: SevPlatformFacts | null;
  /** virsh's error text when nodesevinfo failed. */
  platformError: string | null;
  /** null when the kernel has no misc cgroup controller (before 5.13). */
  misc: MiscCgroupFacts | null;
  sevDomains: SevDomainFact[];
  unreadableDomains: UnreadableDomain[];
  slice: SliceFacts;
  /** machine.slice claims left by SevHosts (slice-claims.ts). */
  sliceClaims: FoundClaim[];
}
