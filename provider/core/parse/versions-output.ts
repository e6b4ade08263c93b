/** Version strings from `virsh version --daemon` and `qemu-system-x86_64 --version`. */

function firstMatch(text: string, re: RegExp): string | null {
  const m = re.exec(text);
  return m ? m[1] : null;
}

/**
 * libvirt version from `virsh version [--daemon]`: the daemon's ("Running against daemon: X"),
 * else the client library's ("Using library: libvirt X"). Also reads `libvirtd --version` and
 * `virsh --version` output. Error text gives null.
 */
export function libvirtVersionOf(virshVersion: string): string | null {
  return (
    firstMatch(virshVersion, /^\s*Running against daemon:\s*(\d[^\s]*)\s*$/m) ??
    firstMatch(virshVersion, /^\s*Using library:\s*libvirt\s+(\d[^\s]*)\s*$/m) ??
    // `libvirtd --version` / `libvirtd -v`
    firstMatch(virshVersion, /^\s*libvirtd \(libvirt\)\s+(\d[^\s]*)\s*$/m) ??
    // `virsh --version` prints the bare version
    firstMatch(virshVersion.trim(), /^(\d+\.\d+(?:\.\d+)?)$/)
  );
}

/**
 * QEMU version from `virsh version`: "Running hypervisor: QEMU X". Not "Using API: QEMU X",
 * which is libvirt's own QEMU driver API version.
 */
export function qemuVersionFromVirsh(virshVersion: string): string | null {
  return firstMatch(virshVersion, /^\s*Running hypervisor:\s*QEMU\s+(\d[^\s]*)\s*$/m);
}

/** "QEMU emulator version 2.12.0 (Debian 1:2.12+dfsg-3)[, Copyright …]" → "2.12.0". */
export function qemuVersionFromBinary(firstLine: string): string | null {
  return firstMatch(firstLine, /QEMU emulator version\s+(\d[^\s,(]*)/);
}

export function parseVersions(virshVersion: string, qemuVersionLine: string): { libvirt: string | null; qemu: string | null } {
  return {
    libvirt: libvirtVersionOf(virshVersion),
    qemu: qemuVersionFromVirsh(virshVersion) ?? qemuVersionFromBinary(qemuVersionLine),
  };
}
