/**
 * The parsers of what the provider's host scripts print (core/parse/: lock, define, wait-for-address,
 * outcome): each reads framed sections, and a forged marker in the data (a domain's description, a
 * guest agent's answer, the probe's own output) is data, never a step done.
 */
import test from "ava";
import { firstOutput, LOCK_READY, lockHeld } from "../../provider/core/parse/lock";
import { definedIn, parseDefineStartAndRead } from "../../provider/core/parse/define";
import { parseWaitForAddress } from "../../provider/core/parse/wait-for-address";
import { parseRemoval, secretInjected } from "../../provider/core/parse/outcome";
import { parseSlotCount } from "../../provider/core/parse/probe";
import { escaped, FORGED, framed } from "./framed";

const UUID = "8f0c1e52-3b1d-4c5e-9a2f-0d6b7c8e9f10";
const DESCRIPTION = `<domain type='kvm'>\n  <name>forger</name>\n  <uuid>${UUID}</uuid>\n  <description>\n${FORGED}\n  </description>\n  <launchSecurity type='sev'><policy>0x0003</policy></launchSecurity>\n</domain>\n`;

/** The probe's slot count as probe.sh frames it, the forger's XML inside. */
const SLOT_COUNT = framed([
  ["misc.capacity", "sev 15\nsev_es 10\n"],
  ["misc.current", "sev 1\n"],
  ["names", `forger\n${FORGED}\n`],
  ["uuids", `${UUID}\n`],
  [`domain ${UUID} shut off`, DESCRIPTION],
  ["end"],
]);

test("lock: the first command's output comes back exactly, the forger's lines inside it", (t) => {
  const out = framed([["first", SLOT_COUNT], ["locked"]]);
  t.true(lockHeld(out));
  t.is(firstOutput(out), `${SLOT_COUNT}\n`);
  const count = parseSlotCount(firstOutput(out));
  t.deepEqual(
    count.sevDomains.map((d) => [d.name, d.uuid, d.model]),
    [["forger", UUID, "sev"]],
  );
});

test("lock: no forged line before the ready line makes the lock held", (t) => {
  const partial = framed([["first", `${SLOT_COUNT}${FORGED}\n${LOCK_READY}\n`]]);
  t.false(lockHeld(partial), "the first command's output, even holding the ready line, is escaped");
  t.is(firstOutput(partial), "", "no ready line: nothing under the lock is read");
  t.false(lockHeld(`${escaped(`${LOCK_READY}\n@@locked@@\n`)}`));
  t.true(lockHeld(`${partial}\n${LOCK_READY}\n`));
});

test("lock: without a first command, nothing was printed under it", (t) => {
  t.is(firstOutput(framed([["locked"]])), "");
});

test("define: the mark is a section; the XML's forged marks are data", (t) => {
  const read = framed([["state", "shut off"], ["launchsecinfo"], ["addresses"], ["xml", DESCRIPTION]]);
  t.false(definedIn(read), "start-and-read's output alone (the XML holds @@probe defined@@) is not a define");
  t.false(definedIn(escaped(`${FORGED}\n`)));
  t.true(definedIn("\n@@probe defined@@\n"), "seen while the channel is still open");
  const now = parseDefineStartAndRead(`${framed([["defined"]])}${read}`);
  t.is(now.state, "shut off");
  t.false(now.started);
  t.is(now.startError, null);
  t.is(now.xml, DESCRIPTION, "the definition comes back exactly");
});

test("define: no mark, no domain (the define's output missing)", (t) => {
  t.deepEqual(
    parseDefineStartAndRead(
      framed([
        ["state", "running"],
        ["xml", DESCRIPTION],
      ]),
    ),
    {
      xml: null,
      state: null,
      started: false,
      launchSecInfo: null,
      addresses: [],
      startError: null,
    },
  );
});

const DOMIFADDR = [
  " Name       MAC address          Protocol     Address",
  "-------------------------------------------------------------------------------",
  " lo         00:00:00:00:00:00    ipv4         127.0.0.1/8",
  " eth0       52:54:00:6b:3c:58    ipv4         192.168.122.10/24",
  "",
].join("\n");

test("wait for an address: virsh's last answer, its addresses and the wait", (t) => {
  const w = parseWaitForAddress(framed([["addresses 3", DOMIFADDR]]));
  t.is(w.waitedSeconds, 3);
  t.is(w.last, DOMIFADDR.trim());
  t.deepEqual(
    w.addresses.map((a) => [a.name, a.mac]),
    [["eth0", "52:54:00:6b:3c:58"]],
  );
});

test("wait for an address: a guest agent's forged lines are data", (t) => {
  const answer = `${DOMIFADDR}${FORGED}\n`;
  const w = parseWaitForAddress(framed([["addresses 0", answer]]));
  t.is(w.last, answer.trim(), "restored exactly");
  t.is(w.waitedSeconds, 0);
  t.deepEqual(parseWaitForAddress(""), { addresses: [], last: "", waitedSeconds: null });
});

test("stop and undefine: each step done is a section", (t) => {
  t.deepEqual(parseRemoval(framed([["stopped shutdown"], ["undefined"], ["removed"]])), { stopped: "shutdown", undefined: true, removed: true });
  t.deepEqual(parseRemoval(framed([["stopped absent"], ["removed"]])), { stopped: "absent", undefined: false, removed: true });
  t.deepEqual(parseRemoval(framed([["undefined"], ["removed"]])), { stopped: null, undefined: true, removed: true });
  t.deepEqual(parseRemoval(framed([["stopped sideways"]])), { stopped: null, undefined: false, removed: false });
});

test("stop and undefine, launch secret: forged steps in the output are data", (t) => {
  const forged = escaped(`${FORGED}\n`);
  t.deepEqual(parseRemoval(forged), { stopped: null, undefined: false, removed: false });
  t.deepEqual(parseRemoval(framed([["stopped was-off", FORGED]])), { stopped: "was-off", undefined: false, removed: false });
  t.false(secretInjected(forged));
  t.false(secretInjected(""));
  t.true(secretInjected(framed([["injected"]])));
});
