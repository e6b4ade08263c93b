/** Host key trust with the known_hosts file read (core/known-hosts.ts decides). */
import { readFileSync } from "fs";
import { homedir } from "os";
import { join } from "path";
import { HostKeyPolicy, HostKeyVerdict, judgeHostKey, refusalOf } from "../core/known-hosts";

export type { HostKeyPolicy, HostKeyVerdict };

/** The policy's known_hosts lines, else the file's text ("" when it cannot be read). */
function knownHostsOf(policy: HostKeyPolicy): string {
  if (policy.knownHosts !== undefined) return policy.knownHosts;
  try {
    return readFileSync(policy.knownHostsFile ?? join(homedir(), ".ssh", "known_hosts"), "utf8");
  } catch {
    return "";
  }
}

export function verifyHostKey(key: Buffer, host: string, port: number, policy: HostKeyPolicy): HostKeyVerdict {
  return judgeHostKey(key, host, port, policy, policy.fingerprint ? "" : knownHostsOf(policy));
}

/** Why a presented key was refused, and how to accept it if it is the right one. */
export function describeRefusal(fingerprint: string, host: string, port: number, policy: HostKeyPolicy): string {
  return refusalOf(fingerprint, host, port, policy, policy.fingerprint ? "" : knownHostsOf(policy));
}
