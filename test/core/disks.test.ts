import test from "ava";
import { bootDiskProblem, parseDiskFacts } from "../../provider/core/disks";

const QCOW2 = JSON.stringify({ "virtual-size": 21474836480, filename: "/img/a.qcow2", format: "qcow2", "actual-size": 200704, "dirty-flag": false });
const BACKED = JSON.stringify({
  "virtual-size": 10737418240,
  filename: "/img/b.qcow2",
  format: "qcow2",
  "backing-filename": "base.qcow2",
  "full-backing-filename": "/img/base.qcow2",
  "backing-filename-format": "qcow2",
});

test("the disk check's answer: one section per path, in order", (t) => {
  const out = [
    ["0", QCOW2],
    ["1", "missing"],
    ["2", "unreadable"],
    ["3", BACKED],
    ["4", "qemu-img: Could not open '/x': Permission denied"],
    ["5", "present (no qemu-img on the host)"],
  ]
    .map(([n, body]) => `@@probe disk ${n}@@\n${body}\n`)
    .join("");
  t.deepEqual(parseDiskFacts(out, 7), [
    { state: "image", format: "qcow2", virtualSize: 21474836480, backingFile: null },
    { state: "missing" },
    { state: "unreadable" },
    { state: "image", format: "qcow2", virtualSize: 10737418240, backingFile: "/img/base.qcow2" },
    { state: "unknown", detail: "qemu-img: Could not open '/x': Permission denied" },
    { state: "unknown", detail: "present (no qemu-img on the host)" },
    { state: "unknown", detail: "no answer" },
  ]);
});

test("a boot disk is refused when missing, unreadable, not qcow2/raw, or of another format than declared; each with host, guest, path and fix", (t) => {
  const problem = (fact: Parameters<typeof bootDiskProblem>[4], declared = "qcow2") =>
    bootDiskProblem("10.0.0.5:22", "web-1", "/img/web-1.qcow2", declared, fact);
  t.regex(
    problem({ state: "missing" })!,
    /^10\.0\.0\.5:22: guest web-1: boot disk \/img\/web-1\.qcow2 is not on the host \(found: no such file or device; required: an existing qcow2 or raw image\)\. Fix: /,
  );
  t.regex(problem({ state: "unreadable" })!, /is not readable .*Fix: check its owner and mode/);
  t.regex(
    problem({ state: "image", format: "vmdk", virtualSize: 1, backingFile: null })!,
    /is a vmdk image \(required: qcow2 or raw\)\. Fix: qemu-img convert -O qcow2/,
  );
  t.regex(
    problem({ state: "image", format: "raw", virtualSize: 1, backingFile: null })!,
    /is a raw image, declared qcow2 \(bootDisk\.format\)\. Fix: set bootDisk\.format to "raw"/,
  );
  t.is(problem({ state: "image", format: "raw", virtualSize: 1, backingFile: null }, "raw"), null);
  t.is(problem({ state: "image", format: "qcow2", virtualSize: 1, backingFile: null }), null);
  t.is(problem({ state: "unknown", detail: "no qemu-img" }), null, "what cannot be told is not refused");
});
