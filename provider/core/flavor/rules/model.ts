/** hw:mem_encryption_model / hw_mem_encryption_model: amd-sev (the default), amd-sev-es or amd-sev-snp. */
import { SevModel } from "../../facts";
import { modelOfNovaName } from "../../models";
import { InputProblem } from "../../validate";
import { FlavorInput, merge, Ruled, unreadable } from "../settings";

const read = (v: unknown) => modelOfNovaName(v)?.model;

/** undefined when flavor and image conflict or either is malformed: the policy is then not judged. */
export function modelRule(input: FlavorInput): Ruled<SevModel> {
  const problems: InputProblem[] = [];
  const merged = merge<SevModel>(input, "mem_encryption_model", read, problems);
  if (merged.conflict || unreadable(input, "mem_encryption_model", read)) return { value: undefined, problems };
  return { value: merged.value ?? "sev", problems };
}
