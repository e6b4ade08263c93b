/** sev-guest-encrypted-state */
import { MODEL_LIST, MODELS } from "pulumi-sev/core";
import { NAMES } from "./common";
import { coreSays, guestPolicy, settingOf } from "./guest";

/** The models that encrypt the register state too, from the core's model descriptors. */
const ENCRYPTING = MODEL_LIST.filter((d) => d.encryptsRegisterState).map((d) => d.novaName);
const REQUIRED = `an encrypted register state: hw:mem_encryption_model ${ENCRYPTING.join(" or ")} (requireEncryptedState is true)`;

export const encryptedState = guestPolicy(NAMES.encryptedState, {
  description:
    "Where configured (requireEncryptedState: true), SEV guests must encrypt their register state too: hw:mem_encryption_model amd-sev-es or amd-sev-snp.",
  severity: "high",
  configSchema: {
    properties: {
      requireEncryptedState: {
        type: "boolean",
        default: false,
        description: "Require amd-sev-es or amd-sev-snp (plain amd-sev leaves the register state in the clear).",
      },
    },
  },
  settings: ["mem_encryption_model"],
  notApplicable: (args) =>
    args.getConfig<{ requireEncryptedState?: boolean }>().requireEncryptedState === true
      ? null
      : "requireEncryptedState is not set to true in this policy's config",
  judge: (g, r) => {
    if (!r.ok) {
      return {
        found: `${settingOf(g, "mem_encryption_model")}, which does not resolve to a model (${coreSays(r)})`,
        required: REQUIRED,
        fix: `set extraSpecs["hw:mem_encryption_model"] to amd-sev-es or amd-sev-snp on flavor ${g.flavorName}, with no conflicting image property`,
      };
    }
    if (MODELS[r.resolved.model].encryptsRegisterState) return null;
    return {
      found: `model amd-sev (${settingOf(g, "mem_encryption_model")}; amd-sev is the default): guest memory is encrypted but the register state (VMSA) is not`,
      required: REQUIRED,
      fix: `set extraSpecs["hw:mem_encryption_model"]: "amd-sev-es" (or "amd-sev-snp" on an SEV-SNP host) on flavor ${g.flavorName}; the guest then takes a slot of the host's SEV-ES pool`,
    };
  },
});
