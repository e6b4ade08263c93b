/** sev-guest-memory-encrypted */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { NAMES, message } from "./common";
import { coreSays, guestOf, isGuest, probe, settingOf } from "./guest";

export const memoryEncrypted: ResourceValidationPolicy = {
  name: NAMES.memoryEncrypted,
  description: "SEV guests must request memory encryption: hw:mem_encryption true on the flavor or hw_mem_encryption true on the image.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, report) => {
    if (!isGuest(args)) return;
    const g = guestOf(args);
    const r = probe(g, ["mem_encryption"]);
    if (r.ok) return;
    report(
      message(
        g.label,
        `${settingOf(g, "mem_encryption")} (${coreSays(r)})`,
        "memory encryption requested: hw:mem_encryption true in the flavor's extra specs or hw_mem_encryption true in the image properties, and neither of them false",
        `set extraSpecs["hw:mem_encryption"]: true on flavor ${g.flavorName} and remove a false or conflicting hw_mem_encryption from the guest's image`,
      ),
    );
  },
};
