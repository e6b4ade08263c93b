import { SevFlavorInputs } from "pulumi-sev";

/** The guests' flavor, shared by the fleet program and the define + start floor. */
export const FLAVOR: SevFlavorInputs = { name: "sev.tiny", vcpus: 1, memory: 1024, disk: 10, extraSpecs: { "hw:mem_encryption": true } };
