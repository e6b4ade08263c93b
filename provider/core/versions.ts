/** Distro version strings ("5.14.0-362.8.1.el9_3.x86_64", "1:2.12+dfsg-3", "qemu-kvm-9.0.0-10.el9") to semver, and comparisons. */
import semver from "semver";

/** Leading MAJOR[.MINOR[.PATCH]] after an optional RPM package name ("qemu-kvm-") and epoch ("1:"). */
const LEADING_VERSION = /^\s*(?:[A-Za-z][A-Za-z0-9_+]*(?:-[A-Za-z][A-Za-z0-9_+]*)*-)?v?(?:\d+:)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?![\d])/;

/**
 * The release a distro version string names, as plain MAJOR.MINOR.PATCH: suffixes (build numbers,
 * "-generic", "+dfsg", "-rc4") are dropped, so a release candidate of 4.16 counts as 4.16.0.
 * null when the string does not start with a number.
 */
export function normaliseVersion(raw: string | null | undefined): string | null {
  if (typeof raw !== "string") return null;
  const m = LEADING_VERSION.exec(raw);
  if (!m) return null;
  const parts = [m[1], m[2] ?? "0", m[3] ?? "0"].map((p) => String(Number(p)));
  const version = parts.join(".");
  return semver.valid(version);
}

/** raw ≥ min, both normalised; null when either cannot be read. */
export function atLeast(raw: string | null | undefined, min: string): boolean | null {
  const have = normaliseVersion(raw);
  const need = normaliseVersion(min);
  if (have === null || need === null) return null;
  return semver.gte(have, need);
}
