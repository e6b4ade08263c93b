/** The probe's smt, sockets and sev-firmware sections: what an SEV-SNP guest policy is judged against. */
import { SevFirmwareFacts } from "../facts";
import { linesOf } from "./lines";

/** /sys/devices/system/cpu/smt/active: "1" or "0". */
export function parseSmtActive(text: string): boolean | null {
  const v = text.trim();
  return v === "1" ? true : v === "0" ? false : null;
}

/** The count of distinct physical ids, as the probe prints it. */
export function parseSockets(text: string): number | null {
  const n = Number(text.trim());
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The ccp driver's "SEV API:1.55 build:21" / "SEV-SNP API:1.55 build:21" kernel log lines; the SNP one wins. */
export function parseSevFirmware(text: string): SevFirmwareFacts | null {
  let found: SevFirmwareFacts | null = null;
  for (const line of linesOf(text)) {
    const m = /SEV(-SNP)? API:(\d+)\.(\d+) build:(\d+)/.exec(line);
    if (!m) continue;
    const fw = { apiMajor: Number(m[2]), apiMinor: Number(m[3]), buildId: Number(m[4]), snp: m[1] !== undefined };
    if (found === null || fw.snp || !found.snp) found = fw;
  }
  return found;
}
