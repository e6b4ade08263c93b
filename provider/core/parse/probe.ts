/** Composes HostFacts from the output of provider/effects/probe.sh. */
import { HostFacts, SevDomainFact, UnreadableDomain } from "../facts";
import { FoundClaim, parseClaim } from "../slice-claims";
import { parseCmdline } from "./cmdline";
import { parseCpuinfo } from "./cpuinfo";
import { parseDevSevAccess, parseDevices } from "./devices";
import { parseDomcapsSection } from "./domcaps";
import { parseSevDomain } from "./domain";
import { parseKvmAmd } from "./kvm-amd";
import { parseMemTotal } from "./meminfo";
import { parseMiscCgroup } from "./misc-cgroup";
import { parseNodeSevInfo } from "./nodesevinfo";
import { parseSevFirmware, parseSmtActive, parseSockets } from "./cpu-platform";
import { parseOsRelease } from "./osrelease";
import { bodyOf, ProbeSection, splitSections } from "./sections";
import { parseSystemctlShow } from "./systemctl";
import { parseVersions } from "./versions-output";

/** A "domain UUID STATE…" section; an unreadable XML names the domain in the error. */
function sevDomainOf(section: ProbeSection): SevDomainFact | null {
  const [uuid = "", ...state] = section.args;
  try {
    return parseSevDomain(section.body, state.join(" "), uuid);
  } catch (err) {
    throw new Error(`probe: domain ${uuid}: ${(err as Error).message}`);
  }
}

export function sevDomainsOf(sections: ProbeSection[]): SevDomainFact[] {
  return sections
    .filter((s) => s.name === "domain")
    .map(sevDomainOf)
    .filter((d): d is SevDomainFact => d !== null);
}

/** Gone between `virsh list` and `dumpxml`: holds no slot. Any other error may hide a slot holder. */
const VANISHED = /Domain not found/;

export function unreadableDomainsOf(sections: ProbeSection[]): UnreadableDomain[] {
  return sections
    .filter((s) => s.name === "unreadable-domain" && !VANISHED.test(s.body))
    .map((s) => ({ uuid: s.args[0] ?? "", error: s.body.trim() || "virsh dumpxml failed without a message" }));
}

export function sliceClaimsOf(sections: ProbeSection[]): FoundClaim[] {
  return sections.filter((s) => s.name === "slice-claim").map((s) => parseClaim(s.args[0] ?? "", s.body));
}

function completeSections(stdout: string): ProbeSection[] {
  const sections = splitSections(stdout);
  if (!sections.some((s) => s.name === "end")) {
    throw new Error(`probe output is incomplete: no "@@probe end@@" marker (the probe was cut short; last section: ${sections.at(-1)?.name ?? "none"})`);
  }
  return sections;
}

export interface SlotCount extends Pick<HostFacts, "misc" | "sevDomains" | "unreadableDomains"> {
  /** Names and UUIDs of every domain defined on the host, SEV or not. */
  names: string[];
  uuids: string[];
}

const linesOf = (body: string) =>
  body
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** What the probe's slot count (`probe.sh URI slots`, under the host lock) says. */
export function parseSlotCount(stdout: string): SlotCount {
  const sections = completeSections(stdout);
  const listFailed = sections.find((s) => s.name === "domain-list-failed");
  if (listFailed) {
    // An empty list would count no slot as used: never admit a guest on it.
    throw new Error(
      `cannot count the SEV slots: \`virsh list --all --uuid\` failed: ${listFailed.body.trim() || "no message"}. ` +
        "Fix: check that libvirtd is running and answers `virsh list --all` on the host, then run again.",
    );
  }
  return {
    misc: parseMiscCgroup(bodyOf(sections, "misc.capacity"), bodyOf(sections, "misc.current")),
    sevDomains: sevDomainsOf(sections),
    unreadableDomains: unreadableDomainsOf(sections),
    ...definedOf(sections),
  };
}

function definedOf(sections: ProbeSection[]): Pick<SlotCount, "names" | "uuids"> {
  return { names: linesOf(bodyOf(sections, "names")), uuids: linesOf(bodyOf(sections, "uuids")) };
}

/** A full probe's facts, and the names and UUIDs of every domain on the host (SEV or not; not stored with the facts). */
export function parseProbeWithDomains(stdout: string): { facts: HostFacts; defined: Pick<SlotCount, "names" | "uuids"> } {
  const sections = completeSections(stdout);
  return { facts: factsOf(sections), defined: definedOf(sections) };
}

/** Parses the whole probe's output (probe.sh: framed sections) into the host's facts; a missing section is an error. */
export function parseProbe(stdout: string): HostFacts {
  return factsOf(completeSections(stdout));
}

function factsOf(sections: ProbeSection[]): HostFacts {
  const body = (name: string) => bodyOf(sections, name);
  const versions = parseVersions(body("virsh-version"), body("qemu-version"));
  const domcaps = parseDomcapsSection(body("domcapabilities"));
  const sevInfo = parseNodeSevInfo(body("nodesevinfo"));
  return {
    kernelRelease: parseOsRelease(body("osrelease")),
    cmdline: parseCmdline(body("cmdline")),
    kvmAmd: parseKvmAmd(body("kvm_amd")),
    devices: parseDevices(body("devices")),
    devSevAccess: parseDevSevAccess(body("dev-sev-access")),
    cpu: parseCpuinfo(body("cpuinfo")),
    memTotalBytes: parseMemTotal(body("meminfo")),
    libvirtVersion: versions.libvirt,
    qemuVersion: versions.qemu,
    domcaps: domcaps.domcaps,
    domcapsError: domcaps.error,
    smtActive: parseSmtActive(body("smt")),
    sockets: parseSockets(body("sockets")),
    sevFirmware: parseSevFirmware(body("sev-firmware")),
    platform: sevInfo.platform,
    platformError: sevInfo.error,
    misc: parseMiscCgroup(body("misc.capacity"), body("misc.current")),
    sevDomains: sevDomainsOf(sections),
    unreadableDomains: unreadableDomainsOf(sections),
    slice: parseSystemctlShow(body("slice")),
    sliceClaims: sliceClaimsOf(sections),
  };
}
