import Ajv, { ErrorObject, ValidateFunction } from "ajv";

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false });
/** json-schema-to-typescript's annotation for a property typed by another schema. */
ajv.addKeyword({ keyword: "tsType", schemaType: "string" });
/** Marks an input as a Pulumi secret wherever it appears (core/secrets.ts reads it). */
ajv.addKeyword({ keyword: "secret", schemaType: "boolean" });

/** One thing wrong with an input: where (a dotted property path) and why. */
export interface InputProblem {
  /** Property path, e.g. "memoryLimit.reserve" ("" for the whole object). */
  property: string;
  reason: string;
}

function describe(e: ErrorObject): InputProblem {
  const path = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
  if (e.keyword === "additionalProperties") {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { property: path ? `${path}.${extra}` : extra, reason: `unknown property "${extra}"` };
  }
  if (e.keyword === "required") {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { property: path ? `${path}.${missing}` : missing, reason: `${missing} is required` };
  }
  return { property: path, reason: `${path || "input"} ${e.message ?? "is invalid"}` };
}

/** A checker for one JSON Schema that reports every problem, not the first. */
export function schemaChecker<T>(schema: object): (value: unknown) => { ok: true; value: T } | { ok: false; problems: InputProblem[] } {
  const validate = ajv.compile(schema) as ValidateFunction<T>;
  return (value) => {
    if (validate(value)) return { ok: true, value };
    const seen = new Set<string>();
    const problems = (validate.errors ?? []).map(describe).filter((p) => {
      const key = `${p.property}|${p.reason}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    return { ok: false, problems };
  };
}

/** One message for every problem of an input: `WHAT: property: reason; …`. */
export function formatProblems(what: string, problems: InputProblem[]): string {
  return `${what}: ${problems.length} invalid input${problems.length === 1 ? "" : "s"}:\n` + problems.map((p) => `- ${p.reason}`).join("\n");
}
