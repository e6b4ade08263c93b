/**
 * The guest owner's part of the launch: the blobs rendered into <launchSecurity> (SEV/SEV-ES dhCert
 * and session; SEV-SNP authorKey, vcek, idBlock, idAuth, hostData; kernelHashes for any model), the
 * launch secret, and what `virsh domlaunchsecinfo` reports back. Sizes are those of the AMD SEV API
 * (pub. 55766: SEV_CERT, SEV_SESSION_BUF, the LAUNCH_SECRET header) and the SNP firmware ABI
 * (pub. 56860: ID block, ID authentication structure, HOST_DATA), as libvirt's formatdomain documents them.
 */
import { SevModel } from "./facts";
import { InputProblem } from "./validate";
import { formatPolicy } from "./models";
import { GuestLaunchSecurity, LaunchSecret } from "../generated/sev-guest";

export type { GuestLaunchSecurity, LaunchSecret };

/** The decoded size in bytes of each guest owner's launch input that has a fixed size. */
export const BLOB_BYTES = {
  dhCert: 2084,
  session: 128,
  idBlock: 96,
  idAuth: 4096,
  hostData: 32,
  header: 52,
} as const;
export const MAX_SECRET_BYTES = 4096;

const SEV_ONLY = ["dhCert", "session"] as const;
const SNP_ONLY = ["authorKey", "vcek", "idBlock", "idAuth", "hostData"] as const;

/** Decoded length of canonical base64; null when the text is not canonical base64. */
export function base64Bytes(text: string): number | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes.length : null;
}

/** Size problems of one blob; the value itself never appears in the message (it may be secret). */
function blobProblem(property: string, text: string | undefined, size: number | [number, number]): InputProblem[] {
  if (text === undefined) return [];
  const n = base64Bytes(text);
  if (n === null) return [{ property, reason: `${property} is not canonical base64 (padded with "=", no line breaks)` }];
  const [min, max] = typeof size === "number" ? [size, size] : size;
  if (n >= min && n <= max) return [];
  const wanted = min === max ? `${min} bytes` : `${min} to ${max} bytes`;
  return [{ property, reason: `${property} decodes to ${n} bytes; it must be ${wanted}` }];
}

/** Every problem of the owner's launch inputs for a guest of the given model. */
export function launchInputProblems(model: SevModel, ls: GuestLaunchSecurity | undefined, secret: LaunchSecret | undefined): InputProblem[] {
  const problems: InputProblem[] = [];
  const at = (k: string) => `launchSecurity.${k}`;
  if (ls) {
    for (const k of ["dhCert", "session", "idBlock", "idAuth", "hostData"] as const) problems.push(...blobProblem(at(k), ls[k], BLOB_BYTES[k]));
    const snp = model === "sev-snp";
    for (const k of snp ? SEV_ONLY : SNP_ONLY) {
      if (ls[k] !== undefined)
        problems.push({ property: at(k), reason: `${at(k)} is for ${snp ? "SEV and SEV-ES" : "SEV-SNP"} guests; this guest is ${model}: remove it` });
    }
    if (ls.session !== undefined && ls.dhCert === undefined)
      problems.push({ property: at("session"), reason: `${at("session")} needs ${at("dhCert")}, the certificate the session was made for` });
    if ((ls.idBlock === undefined) !== (ls.idAuth === undefined))
      problems.push({ property: at("idBlock"), reason: `${at("idBlock")} and ${at("idAuth")} go together: give both or neither` });
    if (ls.authorKey === true && ls.idAuth === undefined)
      problems.push({ property: at("authorKey"), reason: `${at("authorKey")} needs ${at("idAuth")}, which carries the author key's signature` });
  }
  if (secret) {
    if (model === "sev-snp")
      problems.push({
        property: "launchSecret",
        reason:
          "launchSecret is injected with virsh domsetlaunchsecstate, which libvirt offers for SEV and SEV-ES guests only; an SEV-SNP guest gets its secrets through attestation",
      });
    problems.push(...blobProblem("launchSecret.header", secret.header, BLOB_BYTES.header));
    problems.push(...blobProblem("launchSecret.secret", secret.secret, [1, MAX_SECRET_BYTES]));
  }
  return problems;
}

/** What `virsh domlaunchsecinfo` reports for a running or paused guest. */
export interface LaunchMeasurement {
  /** SEV/SEV-ES: the launch measurement with its nonce (48 bytes), base64; null for SEV-SNP (attestation reports take its place). */
  measurement: string | null;
  apiMajor: number | null;
  apiMinor: number | null;
  buildId: number | null;
  /** The policy the firmware launched the guest with, hexadecimal. */
  policy: string | null;
}

/** virsh prints "%-15s: %s" per typed parameter; null when it printed none (an error). */
export function parseLaunchSecInfo(text: string): LaunchMeasurement | null {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([a-z-]+)\s*:\s*(\S*)\s*$/.exec(line);
    if (m) fields.set(m[1], m[2]);
  }
  const snp = fields.has("sev-snp-policy");
  const policy = fields.get(snp ? "sev-snp-policy" : "sev-policy");
  if (policy === undefined && !fields.has("sev-measurement")) return null;
  const num = (k: string) => (/^\d+$/.test(fields.get(k) ?? "") ? Number(fields.get(k)) : null);
  return {
    measurement: fields.get("sev-measurement") || null,
    apiMajor: num("sev-api-major"),
    apiMinor: num("sev-api-minor"),
    buildId: num("sev-build-id"),
    policy: policy !== undefined && /^\d+$/.test(policy) ? formatPolicy(BigInt(policy), snp ? "sev-snp" : "sev") : null,
  };
}
