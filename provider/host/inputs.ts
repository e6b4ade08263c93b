/** SevHost input checking: the JSON Schema first, then the rules a schema cannot say clearly. */
import { SevHostInputs } from "../generated/sev-host";
import { InputProblem, schemaChecker } from "../core/validate";
import schema from "../../schema/sev-host.schema.json";

const checkSchema = schemaChecker<SevHostInputs>(schema);

function crossFieldProblems(i: SevHostInputs): InputProblem[] {
  const problems: InputProblem[] = [];
  if (!i.privateKey && !i.useAgent) {
    problems.push({ property: "privateKey", reason: "privateKey or useAgent: true is required to log in" });
  }
  if (i.privateKeyPassphrase !== undefined && !i.privateKey) {
    problems.push({ property: "privateKeyPassphrase", reason: "privateKeyPassphrase is given without privateKey" });
  }
  if (i.hostKeyFingerprint && i.trustUnknownHostKey) {
    problems.push({ property: "trustUnknownHostKey", reason: "trustUnknownHostKey has no meaning with a pinned hostKeyFingerprint: remove one" });
  }
  const m = i.memoryLimit;
  if (m && (m.limit === undefined) === (m.reserve === undefined)) {
    problems.push({ property: "memoryLimit", reason: "memoryLimit needs exactly one of limit or reserve" });
  }
  return problems;
}

export function checkHostInputs(value: unknown): { inputs: SevHostInputs; problems: InputProblem[] } {
  const result = checkSchema(value);
  if (!result.ok) return { inputs: value as SevHostInputs, problems: result.problems };
  return { inputs: result.value, problems: crossFieldProblems(result.value) };
}
