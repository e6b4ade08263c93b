/**
 * Property-based checks over every resource's inputs: whatever a program passes, validation answers
 * with a list of problems (never a crash), each one a sentence, none repeating a secret. Validation
 * runs before anything touches a host, so an invalid input changes nothing.
 */
import test from "ava";
import fc from "fast-check";
import { checkHostInputs } from "../../provider/host/inputs";
import { guestProblems } from "../../provider/guest/inputs";
import { validateFlavor } from "../../provider/core/flavor";
import { InputProblem } from "../../provider/core/validate";

const SECRET = "S3CRET-never-in-an-error";
const RUNS = 400;

const validHost = {
  address: "hv-1.example.net",
  privateKey: `-----BEGIN KEY-----\n${SECRET}\n`,
  privateKeyPassphrase: SECRET,
  hostKeyFingerprint: "SHA256:" + "A".repeat(43),
};
const validFlavor = { name: "f", vcpus: 2, memory: "4G", disk: 20, extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" } };
const validGuest = {
  host: validHost,
  flavor: validFlavor,
  name: "g1",
  bootDisk: { path: "/var/lib/libvirt/images/g1.qcow2" },
  owner: { project: "p", stack: "s", urn: "urn:pulumi:s::p::t::g1" },
};

/** A valid object with one field replaced (or removed) at some depth: the inputs most likely to slip through. */
function mutated(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const paths: string[][] = [];
  const walk = (o: unknown, at: string[]) => {
    if (o === null || typeof o !== "object") return;
    for (const [k, v] of Object.entries(o)) {
      paths.push([...at, k]);
      walk(v, [...at, k]);
    }
  };
  walk(base, []);
  return fc.tuple(fc.constantFrom(...paths), fc.oneof(fc.anything(), fc.constant(undefined), fc.string(), fc.integer(), fc.double())).map(([path, value]) => {
    const copy = structuredClone(base);
    let o = copy as Record<string, unknown>;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    if (value === undefined) delete o[path.at(-1)!];
    else o[path.at(-1)!] = value;
    return copy;
  });
}

function wellFormed(problems: InputProblem[]): boolean {
  return problems.every((p) => typeof p.property === "string" && typeof p.reason === "string" && p.reason.trim().length > 0 && !p.reason.includes(SECRET));
}

const anyInput = fc.oneof(fc.anything(), fc.object(), fc.dictionary(fc.string(), fc.jsonValue()));

test("SevHost: any input gets problems or passes, never a crash, never a secret in an error", (t) => {
  fc.assert(
    fc.property(fc.oneof(anyInput, mutated(validHost)), (input) => wellFormed(checkHostInputs(input).problems)),
    { numRuns: RUNS },
  );
  t.pass();
});

test("SevFlavor: any flavor and image get problems or a resolved flavor, never a crash", (t) => {
  fc.assert(
    fc.property(fc.oneof(anyInput, mutated(validFlavor)), fc.option(anyInput, { nil: undefined }), (flavor, image) => {
      const r = validateFlavor(flavor, image);
      return r.ok ? r.resolved.memoryMiB >= 1 : r.problems.length > 0 && wellFormed(r.problems);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test("SevGuest: any input gets problems or passes, never a crash, never a secret in an error", (t) => {
  fc.assert(
    fc.property(fc.oneof(anyInput, mutated(validGuest)), (input) => {
      const problems = guestProblems(input as Record<string, unknown>);
      return wellFormed(problems);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test("the valid inputs used as seeds are valid (the mutations start from a real input)", (t) => {
  t.deepEqual(checkHostInputs(validHost).problems, []);
  t.true(validateFlavor(validFlavor).ok);
  t.deepEqual(guestProblems(validGuest), []);
});
