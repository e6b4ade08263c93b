/**
 * Host key trust, decided from what the user configured and the known_hosts text: OpenSSH's
 * known_hosts matching (plain and hashed host fields, non-default ports), SHA256 fingerprints, the
 * verdict on a presented key and the words of a refusal. Pure: effects/hostkeys.ts reads the file.
 */
import { createHash, createHmac } from "crypto";

/** How a host's SSH key is trusted. Exactly what the user configured, nothing implied. */
export interface HostKeyPolicy {
  /** "SHA256:…" as printed by ssh-keygen -lf. */
  fingerprint?: string;
  /** known_hosts lines (one or more) for this host. */
  knownHosts?: string;
  /** Accept a key that no pin and no known_hosts entry names. A known but different key is still refused. */
  trustUnknown?: boolean;
  /** Consulted when neither fingerprint nor knownHosts is given; default ~/.ssh/known_hosts. */
  knownHostsFile?: string;
}

export type HostKeyVerdict = { ok: true; how: "fingerprint" | "known_hosts" | "trusted-unknown" } | { ok: false; reason: "mismatch" | "unknown" };

export function sha256Fingerprint(key: Buffer): string {
  return "SHA256:" + createHash("sha256").update(key).digest("base64").replace(/=+$/, "");
}

/** known_hosts host field for a host and port, as OpenSSH writes it. */
function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hostFieldMatches(field: string, pattern: string): boolean {
  if (field.startsWith("|1|")) {
    const [, , salt, hash] = field.split("|");
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(pattern).digest("base64");
    return mac === hash;
  }
  return field.split(",").some((name) => name === pattern);
}

/** The known_hosts lines that pin this host; "@revoked"/"@cert-authority" lines are not pins. */
export function knownHostsLinesFor(knownHosts: string, host: string, port: number): string[] {
  const pattern = hostPattern(host, port);
  return knownHosts
    .split(/\r?\n/)
    .map((raw) => raw.trim())
    .filter((line) => {
      if (!line || line.startsWith("#") || line.startsWith("@")) return false;
      const [field, , blob] = line.split(/\s+/);
      return Boolean(field && blob && hostFieldMatches(field, pattern));
    });
}

/** Key blobs (base64) listed for this host. */
export function knownKeysFor(knownHosts: string, host: string, port: number): string[] {
  return knownHostsLinesFor(knownHosts, host, port).map((line) => line.split(/\s+/)[2]);
}

/** The verdict on a presented key; `knownHosts` is the policy's lines, or the known_hosts file's text. */
export function judgeHostKey(key: Buffer, host: string, port: number, policy: HostKeyPolicy, knownHosts: string): HostKeyVerdict {
  if (policy.fingerprint) {
    return sha256Fingerprint(key) === policy.fingerprint.trim() ? { ok: true, how: "fingerprint" } : { ok: false, reason: "mismatch" };
  }
  const known = knownKeysFor(knownHosts, host, port);
  if (known.length > 0) {
    return known.includes(key.toString("base64")) ? { ok: true, how: "known_hosts" } : { ok: false, reason: "mismatch" };
  }
  return policy.trustUnknown ? { ok: true, how: "trusted-unknown" } : { ok: false, reason: "unknown" };
}

/** Why a presented key was refused, and how to accept it if it is the right one. */
export function refusalOf(fingerprint: string, host: string, port: number, policy: HostKeyPolicy, knownHosts: string): string {
  if (policy.fingerprint) {
    return (
      `host key ${fingerprint} does not match the pinned ${policy.fingerprint}. Refusing to connect. ` +
      `If the host was reinstalled and this key is right, pin it with hostKeyFingerprint: "${fingerprint}".`
    );
  }
  if (knownKeysFor(knownHosts, host, port).length > 0) {
    return (
      `host key ${fingerprint} differs from the key in known_hosts (the host key CHANGED). Refusing to connect. ` +
      `If this key is right, replace the known_hosts entry or pin it with hostKeyFingerprint: "${fingerprint}".`
    );
  }
  return (
    `host key ${fingerprint} is unknown (not pinned, not in known_hosts). Refusing to connect. ` +
    `If this key is right, pin it with hostKeyFingerprint: "${fingerprint}" or set trustUnknownHostKey: true.`
  );
}
