/** The probe's cpuinfo section: the first vendor_id and flags lines of /proc/cpuinfo. */
import { CpuFacts } from "../facts";
import { keyValues } from "./lines";

export function parseCpuinfo(text: string): CpuFacts {
  const fields = keyValues(text, ":");
  const vendor = fields.get("vendor_id") || null;
  const flags = new Set((fields.get("flags") ?? "").split(/\s+/));
  return { vendor, sev: flags.has("sev"), sevEs: flags.has("sev_es"), sevSnp: flags.has("sev_snp"), sme: flags.has("sme") };
}
