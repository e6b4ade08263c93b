/** Lab profiles: the built-in ones (lab/profiles/) and the validation of a profile folder. */
import { existsSync, readFileSync, readdirSync } from "fs";
import { join } from "path";
import { LabProfile } from "../provider/generated/lab-profile";
import { formatProblems, schemaChecker } from "../provider/core/validate";
import profileSchema from "../schema/lab-profile.schema.json";
import { repoRoot } from "./libvirt";
import { repliesFile } from "./qemu-host";

export const builtinProfiles = join(repoRoot, "lab", "profiles");

const checkProfile = schemaChecker<LabProfile>(profileSchema);

export function loadProfile(folder: string): LabProfile {
  const file = join(folder, "profile.json");
  if (!existsSync(file)) throw new Error(`lab profile ${folder}: no profile.json (see lab/profiles/README.md)`);
  const result = checkProfile(JSON.parse(readFileSync(file, "utf8")));
  if (!result.ok) throw new Error(formatProblems(`lab profile ${file}`, result.problems));
  const p = result.value;
  if ((p.domcapabilities === undefined) === (p.qemuDriver === undefined)) {
    throw new Error(`lab profile ${file}: needs exactly one of domcapabilities (a test-driver host) and qemuDriver (a QEMU-driver host)`);
  }
  if (p.domcapabilities !== undefined && !existsSync(join(folder, p.domcapabilities))) {
    throw new Error(`lab profile ${file}: domcapabilities file ${p.domcapabilities} not found beside it`);
  }
  if (p.qemuDriver) repliesFile(folder, p);
  return p;
}

export function listBuiltinProfiles(): string[] {
  return readdirSync(builtinProfiles, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(builtinProfiles, d.name));
}
