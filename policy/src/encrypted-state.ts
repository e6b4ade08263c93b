/** sev-guest-encrypted-state */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { MODEL_LIST, MODELS } from "pulumi-sev/core";
import { NAMES, message } from "./common";
import { coreSays, guestOf, isGuest, probe, settingOf } from "./guest";

/** The models that encrypt the register state too, from the core's model descriptors. */
const ENCRYPTING = MODEL_LIST.filter((d) => d.encryptsRegisterState).map((d) => d.novaName);
const REQUIRED = `an encrypted register state: hw:mem_encryption_model ${ENCRYPTING.join(" or ")} (requireEncryptedState is true)`;

export const encryptedState: ResourceValidationPolicy = {
  name: NAMES.encryptedState,
  description:
    "Where configured (requireEncryptedState: true), SEV guests must encrypt their register state too: hw:mem_encryption_model amd-sev-es or amd-sev-snp.",
  enforcementLevel: "mandatory",
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
  validateResource: (args, report) => {
    if (!isGuest(args)) return;
    if (args.getConfig<{ requireEncryptedState?: boolean }>().requireEncryptedState !== true) {
      args.notApplicable("requireEncryptedState is not set to true in this policy's config");
    }
    const g = guestOf(args);
    const r = probe(g, ["mem_encryption_model"]);
    if (!r.ok) {
      report(
        message(
          g.label,
          `${settingOf(g, "mem_encryption_model")}, which does not resolve to a model (${coreSays(r)})`,
          REQUIRED,
          `set extraSpecs["hw:mem_encryption_model"] to amd-sev-es or amd-sev-snp on flavor ${g.flavorName}, with no conflicting image property`,
        ),
      );
      return;
    }
    if (MODELS[r.resolved.model].encryptsRegisterState) return;
    report(
      message(
        g.label,
        `model amd-sev (${settingOf(g, "mem_encryption_model")}; amd-sev is the default): guest memory is encrypted but the register state (VMSA) is not`,
        REQUIRED,
        `set extraSpecs["hw:mem_encryption_model"]: "amd-sev-es" (or "amd-sev-snp" on an SEV-SNP host) on flavor ${g.flavorName}; the guest then takes a slot of the host's SEV-ES pool`,
      ),
    );
  },
};
