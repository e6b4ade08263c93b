/** A HostFacts for a host that meets every requirement, for tests to break one piece at a time. */
import { HostFacts } from "../../provider/core/facts";

export function readyHost(): HostFacts {
  return {
    kernelRelease: "6.8.0-45-generic",
    cmdline: { memEncrypt: "on", kvmAmdSev: "1" },
    kvmAmd: { loaded: true, sev: true, sevEs: true, sevSnp: false },
    devices: { sev: true, kvm: true },
    devSevAccess: { mode: 0o660, owner: "root", group: "kvm", qemuUser: "libvirt-qemu", qemuGroups: ["libvirt-qemu", "kvm"] },
    cpu: { vendor: "AuthenticAMD", sev: true, sevEs: true, sevSnp: false, sme: true },
    memTotalBytes: 64 * 1024 ** 3,
    libvirtVersion: "10.0.0",
    qemuVersion: "8.2.2",
    domcaps: {
      domainType: "kvm",
      arch: "x86_64",
      machine: "pc-q35-8.2",
      sev: { supported: true, cbitpos: 51, reducedPhysBits: 1, maxGuests: 59, maxESGuests: 450 },
      launchSecurityTypes: ["sev"],
      machines: ["pc-q35-8.2"],
      loaders: ["/usr/share/OVMF/OVMF_CODE.fd"],
    },
    domcapsError: null,
    smtActive: true,
    sockets: 1,
    sevFirmware: { apiMajor: 1, apiMinor: 55, buildId: 21, snp: false },
    platform: { pdh: "UERI", certChain: "Q0VSVFM=", cpu0Id: null, cbitpos: 51, reducedPhysBits: 1, maxGuests: 59, maxESGuests: 450 },
    platformError: null,
    misc: { sev: { capacity: 59, current: 1 }, sevEs: { capacity: 450, current: 2 } },
    sevDomains: [],
    unreadableDomains: [],
    slice: { available: true, memoryMax: null, memoryHigh: null },
    sliceClaims: [],
  };
}
