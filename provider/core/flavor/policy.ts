/**
 * The SEV guest policy: defaults per model, bit-by-bit validation, and the form libvirt expects.
 *
 * Legacy SEV and SEV-ES (AMD "Secure Encrypted Virtualization API" spec, pub. 55766, "Guest Policy";
 * the same names as QEMU's target/i386/sev.h) - a 32-bit value:
 *
 *   bit 0      NODBG    debugging of the guest is disallowed (SEV DBG_DECRYPT/DBG_ENCRYPT refused)
 *   bit 1      NOKS     sharing keys with other guests is disallowed
 *   bit 2      ES       SEV-ES is required (register state is encrypted too)
 *   bit 3      NOSEND   sending the guest to another platform is disallowed
 *   bit 4      DOMAIN   the guest must not be sent to a platform outside the domain
 *   bit 5      SEV      the guest must not be sent to a platform that is not SEV-capable
 *   bits 6-15  reserved, must be zero
 *   bits 16-23 API_MAJOR  minimum firmware API major version
 *   bits 24-31 API_MINOR  minimum firmware API minor version
 *
 * Nova's SEV_POLICY_NORM = NODBG|NOKS|DOMAIN|SEV = 0x0033; SEV-ES adds ES: 0x0037.
 *
 * SEV-SNP (AMD "SEV Secure Nested Paging Firmware ABI", pub. 56860, "Guest Policy"; Linux
 * include/linux/psp-sev.h SNP_POLICY_MASK_*) - a 64-bit value of a different format:
 *
 *   bits 0-7   ABI_MINOR   minimum firmware ABI minor version
 *   bits 8-15  ABI_MAJOR   minimum firmware ABI major version
 *   bit 16     SMT         SMT is allowed on the host
 *   bit 17     reserved, must be ONE
 *   bit 18     MIGRATE_MA  a migration agent may be associated
 *   bit 19     DEBUG       debugging is allowed
 *   bit 20     SINGLE_SOCKET  the guest may run on one socket only
 *   bits 21-25 CXL_ALLOW, MEM_AES_256_XTS, RAPL_DIS, CIPHERTEXT_HIDING_DRAM, PAGE_SWAP_DISABLE
 *   bits 26-63 reserved, must be zero
 *
 * QEMU's default SNP policy is SMT|reserved-one = 0x30000. Note the order: SMT is bit 16 and the
 * must-be-one bit is 17 (QEMU SEV_SNP_POLICY_SMT = 0x10000, Linux SNP_POLICY_MASK_RSVD_MBO = BIT(17)).
 */

/** Hex digits libvirt and Nova write for each policy format (0x0033, 0x00030000). */
export const LEGACY_POLICY_HEX_DIGITS = 4;
export const SNP_POLICY_HEX_DIGITS = 8;

/** A policy as libvirt and Nova write it, zero-padded to the format's width. */
export function policyHex(policy: number | bigint, hexDigits: number): string {
  return `0x${BigInt(policy).toString(16).padStart(hexDigits, "0")}`;
}

function legacyHex(policy: number | bigint): string {
  return policyHex(policy, LEGACY_POLICY_HEX_DIGITS);
}

/** The legacy (SEV, SEV-ES) guest policy bits: NODBG, NOKS, ES, NOSEND, DOMAIN, SEV. */
export const SEV_POLICY = {
  NODBG: 0x1,
  NOKS: 0x2,
  ES: 0x4,
  NOSEND: 0x8,
  DOMAIN: 0x10,
  SEV: 0x20,
} as const;

/** Bits 6-15 of the legacy policy. */
export const SEV_POLICY_RESERVED = 0xffc0;
export const SEV_POLICY_MAX = 0xffffffff;

/** The SEV-SNP guest policy bits this provider reads (SMT, the must-be-one bit 17, MIGRATE_MA, DEBUG, SINGLE_SOCKET). */
export const SNP_POLICY = {
  SMT: 1n << 16n,
  RESERVED_MBO: 1n << 17n,
  MIGRATE_MA: 1n << 18n,
  DEBUG: 1n << 19n,
  SINGLE_SOCKET: 1n << 20n,
} as const;

/** Bits 21-25: defined by newer SNP ABI revisions; they need firmware and kernel support this provider does not check. */
const SNP_NEWER_BITS: Array<[bigint, string]> = [
  [1n << 21n, "CXL_ALLOW"],
  [1n << 22n, "MEM_AES_256_XTS"],
  [1n << 23n, "RAPL_DIS"],
  [1n << 24n, "CIPHERTEXT_HIDING_DRAM"],
  [1n << 25n, "PAGE_SWAP_DISABLE"],
];
/** Bits 26-63. */
const SNP_RESERVED_MBZ = ((1n << 64n) - 1n) & ~((1n << 26n) - 1n);

/** A policy input (integer, or hexadecimal string with or without 0x) as a 64-bit value; null when unreadable. */
export function parsePolicy(value: number | string): bigint | null {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : null;
  }
  const m = /^(?:0x)?([0-9a-f]{1,16})$/i.exec(value.trim());
  return m ? BigInt(`0x${m[1]}`) : null;
}

function hex(policy: bigint): string {
  return `0x${policy.toString(16)}`;
}

function setBits(value: bigint): number[] {
  const bits: number[] = [];
  for (let i = 0; value >> BigInt(i) !== 0n; i++) if ((value >> BigInt(i)) & 1n) bits.push(i);
  return bits;
}

function plural(bits: number[]): string {
  return bits.length === 1 ? `bit ${bits[0]}` : `bits ${bits.join(", ")}`;
}

export function legacyPolicyProblems(policy: bigint, model: "sev" | "sev-es", allowDebug: boolean): string[] {
  const problems: string[] = [];
  const shown = hex(policy);
  if (policy > BigInt(SEV_POLICY_MAX)) {
    const snpHint = (policy & SNP_POLICY.RESERVED_MBO) !== 0n ? " (it looks like an SEV-SNP policy: use hw:mem_encryption_model amd-sev-snp)" : "";
    problems.push(`policy ${shown} does not fit the 32-bit SEV guest policy${snpHint}`);
    return problems;
  }
  const p = Number(policy);
  if ((p & SEV_POLICY.NODBG) === 0 && !allowDebug) {
    problems.push(
      `policy ${shown} clears NODBG (bit 0, 0x1): the hypervisor could read and write guest memory with the SEV debug commands; ` +
        `set allowDebug: true to allow a debuggable guest, or set the bit (${legacyHex(p | SEV_POLICY.NODBG)})`,
    );
  }
  const es = (p & SEV_POLICY.ES) !== 0;
  if (model === "sev-es" && !es) {
    problems.push(`policy ${shown} lacks the ES bit (bit 2, 0x4) that amd-sev-es requires: use ${legacyHex(p | SEV_POLICY.ES)}`);
  }
  if (model === "sev" && es) {
    problems.push(
      `policy ${shown} sets the ES bit (bit 2, 0x4) but the model is amd-sev: set hw:mem_encryption_model to amd-sev-es, or clear the bit (${legacyHex(p & ~SEV_POLICY.ES)})`,
    );
  }
  const reserved = p & SEV_POLICY_RESERVED;
  if (reserved !== 0) {
    problems.push(
      `policy ${shown} sets reserved ${plural(setBits(BigInt(reserved)))} (mask 0x${reserved.toString(16)}): bits 6-15 of the SEV guest policy must be zero`,
    );
  }
  return problems;
}

export function snpPolicyProblems(policy: bigint, allowDebug: boolean): string[] {
  const problems: string[] = [];
  const shown = hex(policy);
  if ((policy & SNP_POLICY.RESERVED_MBO) === 0n) {
    const legacyHint = policy < 1n << 16n ? ` (${legacyHex(policy)} is a legacy SEV policy; SEV-SNP uses another format, default 0x30000)` : "";
    problems.push(`policy ${shown} lacks bit 17 (0x20000), which the SEV-SNP guest policy reserves and requires to be one${legacyHint}`);
  }
  if ((policy & SNP_POLICY.DEBUG) !== 0n && !allowDebug) {
    problems.push(
      `policy ${shown} sets DEBUG (bit 19, 0x80000): the hypervisor could read and write guest memory with the SNP debug commands; set allowDebug: true to allow a debuggable guest, or clear the bit`,
    );
  }
  if ((policy & SNP_POLICY.MIGRATE_MA) !== 0n) {
    problems.push(`policy ${shown} sets MIGRATE_MA (bit 18, 0x40000): KVM refuses a migration agent and this provider does not migrate SEV guests`);
  }
  const newer = SNP_NEWER_BITS.filter(([bit]) => (policy & bit) !== 0n);
  if (newer.length > 0) {
    problems.push(
      `policy ${shown} sets ${newer.map(([bit, name]) => `${name} (bit ${setBits(bit)[0]})`).join(", ")}: these need SEV-SNP firmware and kernel support that this provider does not check; remove them`,
    );
  }
  const reserved = policy & SNP_RESERVED_MBZ;
  if (reserved !== 0n) {
    problems.push(`policy ${shown} sets reserved ${plural(setBits(reserved))}: bits 26-63 of the SEV-SNP guest policy must be zero`);
  }
  return problems;
}
