import test from "ava";
import { baseFor, claimConflict, claimId, FoundClaim, parseClaim, releaseOf, serializeClaim, SliceClaim } from "../../provider/core/slice-claims";

const GiB = 1024 ** 3;
const alpha = { project: "infra", stack: "alpha", urn: "urn:pulumi:alpha::infra::pulumi-nodejs:dynamic/sev:SevHost::rome" };
const beta = { project: "infra", stack: "beta", urn: "urn:pulumi:beta::infra::pulumi-nodejs:dynamic/sev:SevHost::rome" };

function claimOf(owner: typeof alpha, bytes: number, extra: Partial<SliceClaim> = {}): FoundClaim {
  return { id: claimId(owner.urn), claim: { ...owner, property: "MemoryMax", bytes, base: null, nonce: "n1", ...extra } };
}

test("a claim survives its own serialization; anything else is unreadable, not ignored", (t) => {
  const found = claimOf(alpha, 200 * GiB);
  if (!("claim" in found)) throw new Error("fixture");
  t.deepEqual(parseClaim(found.id, serializeClaim(found.claim)), found);
  t.regex((parseClaim("x", "{") as { unreadable: string }).unreadable, /not JSON/);
  t.regex((parseClaim("x", '{"urn":1}') as { unreadable: string }).unreadable, /not a pulumi-sev/);
});

test("claims that agree are no conflict; a different value or property names the other stack; an unreadable claim blocks", (t) => {
  const want = { property: "MemoryMax" as const, bytes: 200 * GiB };
  t.is(claimConflict("h", beta, want, [claimOf(alpha, 200 * GiB)]), null);
  t.is(claimConflict("h", alpha, { ...want, bytes: 1 }, [claimOf(alpha, 200 * GiB)]), null, "its own claim is never a conflict");
  t.regex(
    claimConflict("h", beta, { ...want, bytes: 100 * GiB }, [claimOf(alpha, 200 * GiB)])!,
    /infra\/alpha .*keeps MemoryMax=214748364800.*wants MemoryMax=107374182400/,
  );
  t.regex(claimConflict("h", beta, { ...want, property: "MemoryHigh" }, [claimOf(alpha, 200 * GiB)])!, /wants MemoryHigh/);
  t.regex(claimConflict("h", beta, want, [{ id: "abc", unreadable: "not JSON" }])!, /machine-slice\/abc\.json cannot be read/);
});

test("the base is that of a claim on the same property: own, else another's, else the host's value now", (t) => {
  t.is(baseFor([claimOf(alpha, 1, { base: 300 * GiB })], "MemoryMax", 5, claimId(alpha.urn)), 300 * GiB);
  t.is(baseFor([claimOf(alpha, 1, { base: null })], "MemoryMax", 5, claimId(beta.urn)), null);
  t.is(baseFor([], "MemoryMax", 5, claimId(beta.urn)), 5);
  t.is(baseFor([claimOf(alpha, 1, { base: 300 * GiB })], "MemoryHigh", null, claimId(alpha.urn)), null, "a MemoryMax claim says nothing of MemoryHigh");
});

test("release: restore an unchanged value, keep for others, leave to a replacement, leave a hand-made change with a warning", (t) => {
  const held = { property: "MemoryMax" as const, limitBytes: 200 * GiB, previous: 300 * GiB, nonce: "n1" };
  t.deepEqual(releaseOf("h", alpha, held, [claimOf(alpha, 200 * GiB)], 200 * GiB), { action: "restore", removeClaim: true, value: 300 * GiB });
  t.deepEqual(releaseOf("h", alpha, held, [claimOf(alpha, 200 * GiB), claimOf(beta, 200 * GiB)], 200 * GiB), {
    action: "kept-for-others",
    removeClaim: true,
    holders: ["infra/beta"],
  });
  t.deepEqual(releaseOf("h", alpha, held, [claimOf(alpha, 200 * GiB, { nonce: "n2" })], 200 * GiB), { action: "taken-over" });
  const changed = releaseOf("h", alpha, held, [claimOf(alpha, 200 * GiB)], 100 * GiB);
  t.is(changed.action, "leave-changed");
  t.regex((changed as { warning: string }).warning, /is 107374182400, not the 214748364800 .* systemctl set-property machine.slice MemoryMax=322122547200/);
});

test("state from before claims: no claim on the host restores as before; a claim under its URN is its replacement's", (t) => {
  const legacy = { property: "MemoryMax" as const, limitBytes: 200 * GiB, previous: null };
  t.deepEqual(releaseOf("h", alpha, legacy, [], 200 * GiB), { action: "restore", removeClaim: false, value: null });
  t.deepEqual(releaseOf("h", alpha, legacy, [claimOf(alpha, 200 * GiB)], 200 * GiB), { action: "taken-over" });
});
