/** Host key trust (core/known-hosts.ts): known_hosts matching, fingerprints, verdicts, refusals. Pure. */
import test from "ava";
import { createHmac, randomBytes } from "crypto";
import { judgeHostKey, knownHostsLinesFor, knownKeysFor, refusalOf, sha256Fingerprint } from "../../provider/core/known-hosts";

const KEY = Buffer.from("ssh-ed25519 key one");
const OTHER = Buffer.from("ssh-ed25519 key two");
const b64 = (k: Buffer) => k.toString("base64");

function hashed(pattern: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(pattern).digest("base64")}`;
}

test("a plain host field: names separated by commas; a port other than 22 is [host]:port", (t) => {
  const text = [
    `# a comment`,
    `web-1,10.0.0.5 ssh-ed25519 ${b64(KEY)}`,
    `[10.0.0.5]:2222 ssh-ed25519 ${b64(OTHER)}`,
    `@cert-authority *.example ssh-ed25519 ${b64(OTHER)}`,
    `@revoked 10.0.0.5 ssh-ed25519 ${b64(OTHER)}`,
    ``,
  ].join("\n");
  t.deepEqual(knownKeysFor(text, "10.0.0.5", 22), [b64(KEY)]);
  t.deepEqual(knownKeysFor(text, "web-1", 22), [b64(KEY)]);
  t.deepEqual(knownKeysFor(text, "10.0.0.5", 2222), [b64(OTHER)]);
  t.deepEqual(knownKeysFor(text, "web-2", 22), []);
  t.deepEqual(knownKeysFor(text, "web", 22), [], "a name matches whole, not as a prefix");
});

test("a hashed host field (HashKnownHosts) matches its host alone; CRLF lines are read", (t) => {
  const text = `${hashed("hv-7")} ssh-ed25519 ${b64(KEY)}\r\n${hashed("[hv-7]:2200")} ssh-ed25519 ${b64(OTHER)}\r\n`;
  t.deepEqual(knownKeysFor(text, "hv-7", 22), [b64(KEY)]);
  t.deepEqual(knownKeysFor(text, "hv-7", 2200), [b64(OTHER)]);
  t.deepEqual(knownKeysFor(text, "hv-8", 22), []);
  t.is(knownHostsLinesFor(text, "hv-7", 22).length, 1);
});

test("a line without a key is no pin", (t) => {
  t.deepEqual(knownHostsLinesFor("hv-1 ssh-ed25519\n", "hv-1", 22), []);
});

test("fingerprint: SHA256 of the key blob, base64 without padding, as ssh-keygen -l prints it", (t) => {
  const fp = sha256Fingerprint(KEY);
  t.regex(fp, /^SHA256:[A-Za-z0-9+/]{43}$/);
  t.not(fp, sha256Fingerprint(OTHER));
});

test("verdicts: a pin decides alone; else known_hosts; an unknown key only when trusted", (t) => {
  const known = `hv ssh-ed25519 ${b64(KEY)}\n`;
  t.deepEqual(judgeHostKey(KEY, "hv", 22, { fingerprint: ` ${sha256Fingerprint(KEY)} ` }, ""), { ok: true, how: "fingerprint" });
  t.deepEqual(judgeHostKey(KEY, "hv", 22, { fingerprint: sha256Fingerprint(OTHER) }, known), { ok: false, reason: "mismatch" });
  t.deepEqual(judgeHostKey(KEY, "hv", 22, {}, known), { ok: true, how: "known_hosts" });
  t.deepEqual(
    judgeHostKey(OTHER, "hv", 22, { trustUnknown: true }, known),
    { ok: false, reason: "mismatch" },
    "a changed key is refused even when unknown keys are trusted",
  );
  t.deepEqual(judgeHostKey(OTHER, "hv2", 22, {}, known), { ok: false, reason: "unknown" });
  t.deepEqual(judgeHostKey(OTHER, "hv2", 22, { trustUnknown: true }, known), { ok: true, how: "trusted-unknown" });
});

test("refusals say which case and how to accept the key", (t) => {
  const fp = sha256Fingerprint(OTHER);
  t.regex(refusalOf(fp, "hv", 22, { fingerprint: sha256Fingerprint(KEY) }, ""), /does not match the pinned .* hostKeyFingerprint: "SHA256:/);
  t.regex(refusalOf(fp, "hv", 22, {}, `hv ssh-ed25519 ${b64(KEY)}\n`), /CHANGED/);
  t.regex(refusalOf(fp, "hv", 22, {}, ""), /unknown .* trustUnknownHostKey: true/);
});
