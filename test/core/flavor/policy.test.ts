import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("policy as an integer, a 0x string or a bare hex string", (t) => {
  t.is(ok(t, flavor({}, { policy: 0x33 })).policy, 0x33);
  t.is(ok(t, flavor({}, { policy: "0x0033" })).policy, 0x33);
  t.is(ok(t, flavor({}, { policy: "33" })).policy, 0x33, "a string is always hexadecimal, as in libvirt XML");
  t.is(ok(t, flavor({}, { policy: "0x0003", allowDebug: false })).policy, 0x3, "NODBG|NOKS only is allowed");
});

test("clearing NODBG without allowDebug is refused; allowDebug opts in", (t) => {
  hasProblem(t, problems(t, flavor({}, { policy: "0x0032" })), "policy", /clears NODBG \(bit 0, 0x1\).*allowDebug: true/);
  t.is(ok(t, flavor({}, { policy: "0x0032", allowDebug: true })).policy, 0x32);
});

test("allowDebug alone makes the default policy debuggable", (t) => {
  t.is(ok(t, flavor({}, { allowDebug: true })).policy, 0x0032);
  t.is(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-es" }, { allowDebug: true })).policy, 0x0036);
  t.is(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }, { allowDebug: true })).policy, 0xb0000);
});

test("the ES bit must match the model", (t) => {
  hasProblem(t, problems(t, flavor({}, { policy: "0x0037" })), "policy", /sets the ES bit \(bit 2, 0x4\) but the model is amd-sev/);
  hasProblem(t, problems(t, flavor({ "hw:mem_encryption_model": "amd-sev-es" }, { policy: "0x0033" })), "policy", /lacks the ES bit .* use 0x0037/);
  t.is(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-es" }, { policy: "0x0037" })).policy, 0x37);
});

test("reserved policy bits 6-15 are refused, naming the bits", (t) => {
  hasProblem(t, problems(t, flavor({}, { policy: "0x0073" })), "policy", /reserved bit 6 \(mask 0x40\)/);
  hasProblem(t, problems(t, flavor({}, { policy: "0x80b3" })), "policy", /reserved bits 7, 15 \(mask 0x8080\)/);
});

test("API_MAJOR/API_MINOR (bits 16-31) are allowed; more than 32 bits is not an SEV policy", (t) => {
  t.is(ok(t, flavor({}, { policy: "0x01000033" })).policy, 0x01000033);
  hasProblem(t, problems(t, flavor({}, { policy: "0x100000033" })), "policy", /does not fit the 32-bit SEV guest policy/);
});

test("SNP policies are checked in the SNP format", (t) => {
  const snp = (policy: string, allowDebug?: boolean) => flavor({ "hw:mem_encryption_model": "amd-sev-snp" }, { policy, allowDebug });
  t.is(ok(t, snp("0x30000")).policy, 0x30000);
  t.is(ok(t, snp("0x20000")).policy, 0x20000, "SMT (bit 16) may be left off");
  t.is(ok(t, snp("0x130000")).policy, 0x130000, "SINGLE_SOCKET (bit 20)");
  t.is(ok(t, snp("0x30155")).policy, 0x30155, "minimum ABI version 1.55");
  hasProblem(t, problems(t, snp("0x10000")), "policy", /lacks bit 17 \(0x20000\).*must|requires to be one/);
  hasProblem(t, problems(t, snp("0x0033")), "policy", /lacks bit 17.*0x0033 is a legacy SEV policy/);
  hasProblem(t, problems(t, snp("0xb0000")), "policy", /sets DEBUG \(bit 19, 0x80000\).*allowDebug: true/);
  t.is(ok(t, snp("0xb0000", true)).policy, 0xb0000);
  hasProblem(t, problems(t, snp("0x70000")), "policy", /MIGRATE_MA \(bit 18/);
  hasProblem(t, problems(t, snp("0x230000")), "policy", /CXL_ALLOW \(bit 21\)/);
  hasProblem(t, problems(t, snp("0x4030000")), "policy", /reserved bit 26: bits 26-63/);
  hasProblem(t, problems(t, snp("0x8000000000030000")), "policy", /reserved bit 63/);
});

test("an SNP-looking policy on a legacy model gets a hint", (t) => {
  // 0x30000 under the legacy format clears NODBG and asks for API major 3.
  const list = problems(t, flavor({}, { policy: "0x30000" }));
  hasProblem(t, list, "policy", /clears NODBG/);
  hasProblem(t, problems(t, flavor({}, { policy: "0x100030000" })), "policy", /looks like an SEV-SNP policy/);
});
