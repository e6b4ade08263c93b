/** The probe's kvm_amd section: "loaded" plus one "param=value" line per readable parameter. */
import { KvmAmdFacts } from "../facts";
import { keyValues, linesOf } from "./lines";

/**
 * A module parameter as a boolean: int parameters print 1/0 (older kernels), bool ones Y/N.
 * Anything else is null (unknown).
 */
export function moduleParamBool(raw: string | undefined): boolean | null {
  if (raw === undefined) return null;
  const v = raw.trim();
  if (v === "1" || v === "Y" || v === "y") return true;
  if (v === "0" || v === "N" || v === "n") return false;
  return null;
}

export function parseKvmAmd(text: string): KvmAmdFacts {
  const loaded = linesOf(text).includes("loaded");
  if (!loaded) return { loaded: false, sev: null, sevEs: null, sevSnp: null };
  const params = keyValues(text);
  return {
    loaded: true,
    sev: moduleParamBool(params.get("sev")),
    sevEs: moduleParamBool(params.get("sev_es")),
    sevSnp: moduleParamBool(params.get("sev_snp")),
  };
}
