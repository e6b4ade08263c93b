/**
 * cloud-init's NoCloud seed: an ISO 9660 volume labelled "cidata" holding user-data, meta-data and,
 * when given, network-config, which cloud-init finds on a guest's CD-ROM at first boot.
 */
import { buildIso9660 } from "./iso9660";

export interface CloudInitInput {
  userData: string;
  metaData?: string;
  networkConfig?: string;
}

export interface SeedDefaults {
  instanceId: string;
  hostname: string;
}

/** The volume label cloud-init's NoCloud data source looks for. */
export const SEED_LABEL = "cidata";

/** The seed image; meta-data defaults to the instance id and hostname. */
export function nocloudSeed(input: CloudInitInput, defaults: SeedDefaults): Buffer {
  const files = [
    { name: "user-data", data: Buffer.from(input.userData, "utf8") },
    { name: "meta-data", data: Buffer.from(input.metaData ?? defaultMetaData(defaults), "utf8") },
  ];
  if (input.networkConfig !== undefined) files.push({ name: "network-config", data: Buffer.from(input.networkConfig, "utf8") });
  return buildIso9660(SEED_LABEL, files);
}

/** `instance-id: ID\nlocal-hostname: NAME\n`; a value YAML would not read back as that string is quoted. */
export function defaultMetaData(defaults: SeedDefaults): string {
  return `instance-id: ${yamlString(defaults.instanceId)}\nlocal-hostname: ${yamlString(defaults.hostname)}\n`;
}

/** cloud-init reads meta-data with YAML 1.1, where yes/no/on/off are booleans and 012 a number. */
const YAML_WORDS = /^(y|n|yes|no|on|off|true|false|null)$/i;

function yamlString(value: string): string {
  const plain = /^[A-Za-z][A-Za-z0-9._-]*$/.test(value) && !YAML_WORDS.test(value);
  // A JSON string is also a YAML double-quoted scalar.
  return plain ? value : JSON.stringify(value);
}
