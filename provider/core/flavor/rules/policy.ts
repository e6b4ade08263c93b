/** policy: the model's default (debuggable with allowDebug), or a given policy checked bit by bit against the model. */
import { SevModel } from "../../facts";
import { defaultPolicy, MODELS } from "../../models";
import { parsePolicy } from "../policy";
import { FlavorInput, Ruled } from "../settings";

export function policyRule(input: FlavorInput, model: SevModel | undefined): Ruled<number> {
  if (model === undefined) return { value: undefined, problems: [] };
  const allowDebug = input.flavor["allowDebug"] === true;
  const raw = input.flavor["policy"];
  if (raw === undefined) return { value: defaultPolicy(model, allowDebug), problems: [] };
  if (typeof raw !== "number" && typeof raw !== "string") return { value: undefined, problems: [] };
  const parsed = parsePolicy(raw);
  if (parsed === null) {
    const tooLarge = typeof raw === "number" && Number.isInteger(raw) && raw >= 0;
    return {
      value: undefined,
      problems: tooLarge ? [{ property: "policy", reason: `policy ${raw} is too large for an exact integer: give it as a hexadecimal string` }] : [],
    };
  }
  const found = MODELS[model].policy.problems(parsed, allowDebug);
  return { value: found.length === 0 ? Number(parsed) : undefined, problems: found.map((reason) => ({ property: "policy", reason })) };
}
