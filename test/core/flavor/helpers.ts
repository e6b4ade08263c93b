/** Shared by the flavor tests: a valid SEV flavor to change one setting of, and assertions on problems. */
import { ExecutionContext } from "ava";
import { formatFlavorProblems, ResolvedFlavor, SevFlavorInputs, validateFlavor } from "../../../provider/core/flavor";
import { InputProblem } from "../../../provider/core/validate";

export type Specs = NonNullable<SevFlavorInputs["extraSpecs"]>;

export function flavor(specs: Specs = {}, rest: Partial<SevFlavorInputs> = {}): SevFlavorInputs {
  return { name: "sev.medium", vcpus: 2, memory: 4096, disk: 20, extraSpecs: { "hw:mem_encryption": true, ...specs }, ...rest };
}

export function ok(t: ExecutionContext, f: unknown, image?: unknown): ResolvedFlavor {
  const r = validateFlavor(f, image);
  if (!r.ok) {
    t.fail(formatFlavorProblems(f, r.problems));
    throw new Error("unreachable");
  }
  return r.resolved;
}

export function problems(t: ExecutionContext, f: unknown, image?: unknown): InputProblem[] {
  const r = validateFlavor(f, image);
  if (r.ok) {
    t.fail(`expected problems, resolved ${JSON.stringify(r.resolved)}`);
    return [];
  }
  return r.problems;
}

/** The one problem matching `reason`, at `property`. */
export function hasProblem(t: ExecutionContext, list: InputProblem[], property: string, reason: RegExp): void {
  const found = list.filter((p) => p.property === property && reason.test(p.reason));
  t.is(found.length, 1, `no single problem at ${property} matching ${reason}; got:\n${list.map((p) => `${p.property}: ${p.reason}`).join("\n")}`);
}
