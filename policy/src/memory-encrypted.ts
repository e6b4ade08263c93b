/** sev-guest-memory-encrypted */
import { NAMES } from "./common";
import { coreSays, guestPolicy, settingOf } from "./guest";

export const memoryEncrypted = guestPolicy(NAMES.memoryEncrypted, {
  description: "SEV guests must request memory encryption: hw:mem_encryption true on the flavor or hw_mem_encryption true on the image.",
  severity: "critical",
  settings: ["mem_encryption"],
  judge: (g, r) => {
    if (r.ok) return null;
    return {
      found: `${settingOf(g, "mem_encryption")} (${coreSays(r)})`,
      required:
        "memory encryption requested: hw:mem_encryption true in the flavor's extra specs or hw_mem_encryption true in the image properties, and neither of them false",
      fix: `set extraSpecs["hw:mem_encryption"]: true on flavor ${g.flavorName} and remove a false or conflicting hw_mem_encryption from the guest's image`,
    };
  },
});
