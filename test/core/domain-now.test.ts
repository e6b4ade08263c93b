/** The start-and-read script's answer: probe.sh's framing, so a domain's data cannot forge a section. */
import test from "ava";
import { parseDomainNow } from "../../provider/core/parse/domain-now";

const XML = "<domain type='kvm'>\n  <name>web-1</name>\n  <description>\n\\@@probe start-failed@@\n\\@@probe state@@\nshut off\n  </description>\n</domain>";

test("sections in any order; escaped marker lines in the XML are data, unescaped", (t) => {
  const out = `\n@@probe started@@\n\n@@probe state@@\nrunning\n\n@@probe launchsecinfo@@\nsev-policy     : 3\n\n@@probe addresses@@\n\n@@probe xml@@\n${XML}\n`;
  const now = parseDomainNow(out);
  t.is(now.state, "running");
  t.true(now.started);
  t.is(now.startError, null);
  t.regex(now.launchSecInfo ?? "", /sev-policy/);
  t.regex(now.xml ?? "", /^@@probe start-failed@@$/m, "the description's lines come back as they are in the XML");
  t.deepEqual(now.addresses, []);
});

test("a failed start: virsh's words, nothing else", (t) => {
  const now = parseDomainNow("\n@@probe start-failed@@\nerror: Failed to start domain 'web-1'\nerror: Cannot access storage file\n");
  t.deepEqual(now, {
    xml: null,
    state: null,
    started: false,
    launchSecInfo: null,
    addresses: [],
    startError: "error: Failed to start domain 'web-1'\nerror: Cannot access storage file",
  });
});

test("a domain that is not defined: no state, no XML", (t) => {
  const now = parseDomainNow("\n@@probe state@@\n\n@@probe launchsecinfo@@\n\n@@probe addresses@@\n\n@@probe xml@@\n");
  t.is(now.xml, null);
  t.is(now.state, null);
  t.false(now.started);
});
