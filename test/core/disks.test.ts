import test from "ava";
import { bootDiskProblem, DiskFact, diskInputProblems, filesToCreate, guestDisks, inspectedPaths, inspectedProblem, markerOf } from "../../provider/core/disks";
import { parseDiskFacts } from "../../provider/core/parse/disks";

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
    { state: "image", format: "qcow2", virtualSize: 21474836480, backingFile: null, chain: [] },
    { state: "missing" },
    { state: "unreadable" },
    { state: "image", format: "qcow2", virtualSize: 10737418240, backingFile: "/img/base.qcow2", chain: ["/img/base.qcow2"] },
    { state: "unopenable", detail: "qemu-img: Could not open '/x': Permission denied" },
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
    problem({ state: "image", format: "vmdk", virtualSize: 1, backingFile: null, chain: [] })!,
    /is a vmdk image \(required: qcow2 or raw\)\. Fix: qemu-img convert -O qcow2/,
  );
  t.regex(
    problem({ state: "image", format: "raw", virtualSize: 1, backingFile: null, chain: [] })!,
    /is a raw image, declared qcow2 \(bootDisk\.format\)\. Fix: set bootDisk\.format to "raw"/,
  );
  t.is(problem({ state: "image", format: "raw", virtualSize: 1, backingFile: null, chain: [] }, "raw"), null);
  t.is(problem({ state: "image", format: "qcow2", virtualSize: 1, backingFile: null, chain: [] }), null);
  t.is(problem({ state: "unknown", detail: "no qemu-img" }), null, "what cannot be told is not refused");
});

const UUID = "6c2f3b7e-3a0e-5d6a-9c1f-0a1b2c3d4e5f";
const SUBJECT = { host: "10.0.0.5:22", guest: "web-1", uuid: UUID };
const image = (over: Partial<Extract<DiskFact, { state: "image" }>> = {}): DiskFact => ({
  state: "image",
  format: "qcow2",
  virtualSize: 2 * 1024 ** 3,
  backingFile: null,
  chain: [],
  ...over,
});

test("with --backing-chain, qemu-img's array: the image first, then each backing file; the ownership marker line comes first", (t) => {
  const chain = JSON.stringify([
    { filename: "/img/web-1.qcow2", format: "qcow2", "virtual-size": 10737418240, "full-backing-filename": "/img/base.qcow2" },
    { filename: "/img/base.qcow2", format: "qcow2", "virtual-size": 2147483648, "full-backing-filename": "/img/root.raw" },
    { filename: "/img/root.raw", format: "raw", "virtual-size": 2147483648 },
  ]);
  const out = `@@probe disk 0@@\nowner ${UUID.toUpperCase()}\n${chain}\n@@probe disk 1@@\nowner ${UUID}\nmissing\n`;
  t.deepEqual(parseDiskFacts(out, 2), [
    { state: "image", format: "qcow2", virtualSize: 10737418240, backingFile: "/img/base.qcow2", chain: ["/img/base.qcow2", "/img/root.raw"], owner: UUID },
    { state: "missing", owner: UUID },
  ]);
});

test("the layout: a root disk from an image at the flavor's size, data disks created or given, the seed; default paths under imagesDir", (t) => {
  const d = guestDisks(
    {
      name: "web-1",
      bootDisk: { image: "/img/debian.qcow2" },
      dataDisks: [{ sizeGiB: 5 }, { path: "/dev/vg0/data", format: "raw", bus: "virtio" }],
      cloudInit: { userData: "#cloud-config\n" },
      imagesDir: "/srv/images/",
    },
    20,
  );
  t.deepEqual(d, {
    boot: { path: "/srv/images/web-1.qcow2", format: "qcow2", from: { path: "/img/debian.qcow2", format: "qcow2", copy: false }, sizeGiB: 20 },
    data: [
      { path: "/srv/images/web-1-data-1.qcow2", format: "qcow2", bus: null, sizeGiB: 5 },
      { path: "/dev/vg0/data", format: "raw", bus: "virtio", sizeGiB: null },
    ],
    seed: "/srv/images/web-1-cidata.iso",
  });
  t.deepEqual(
    filesToCreate(d).map((f) => [f.kind, f.path]),
    [
      ["overlay", "/srv/images/web-1.qcow2"],
      ["blank", "/srv/images/web-1-data-1.qcow2"],
      ["seed", "/srv/images/web-1-cidata.iso"],
    ],
  );
  t.deepEqual(
    inspectedPaths(d).map((i) => [i.role, i.path]),
    [
      ["image", "/img/debian.qcow2"],
      ["disk", "/dev/vg0/data"],
      ["target", "/srv/images/web-1.qcow2"],
      ["target", "/srv/images/web-1-data-1.qcow2"],
      ["target", "/srv/images/web-1-cidata.iso"],
    ],
  );
  t.is(
    guestDisks({ name: "a", bootDisk: { image: "/i.raw", imageFormat: "raw", copy: true } }, 0).boot.sizeGiB,
    null,
    "a flavor disk of 0: the image's own size",
  );
  t.is(markerOf("/srv/images/web-1.qcow2"), "/srv/images/.web-1.qcow2.pulumi-sev");
});

test("disk inputs that cannot make a layout are refused together, before anything is asked of the host", (t) => {
  const reasons = (inputs: Parameters<typeof diskInputProblems>[0], configDrive?: string) => diskInputProblems(inputs, configDrive).map((p) => p.property);
  t.deepEqual(reasons({ name: "a", bootDisk: {} }), ["bootDisk"]);
  t.deepEqual(reasons({ name: "a", bootDisk: { path: "/d.qcow2", copy: true, imageFormat: "raw" } }), ["bootDisk.copy", "bootDisk.imageFormat"]);
  t.deepEqual(reasons({ name: "a", bootDisk: { image: "/i.qcow2", format: "raw" } }), ["bootDisk.format"]);
  t.deepEqual(reasons({ name: "a", bootDisk: { path: "/d.qcow2" }, dataDisks: [{}, { sizeGiB: 1, format: "raw" }] }), ["dataDisks[0]", "dataDisks[1].format"]);
  t.deepEqual(reasons({ name: "a", bootDisk: { path: "/d.qcow2" }, cloudInit: { userData: "x" } }, "/seed.iso"), ["cloudInit"]);
  t.deepEqual(reasons({ name: "a", bootDisk: { image: "/img/a.qcow2", path: "/img/a.qcow2" } }), ["bootDisk.image"], "a root disk over its own image");
  t.deepEqual(reasons({ name: "a", bootDisk: { path: "/d.qcow2" }, dataDisks: [{ path: "/d.qcow2" }] }), ["dataDisks[0]"]);
});

test("a base image is refused when missing, unopenable, not qcow2/raw, of another format, backed by a file off the host, or larger than the flavor's disk", (t) => {
  const problem = (fact: DiskFact, over: { sizeGiB?: number | null } = {}) =>
    inspectedProblem(SUBJECT, { role: "image", path: "/img/base.qcow2", format: "qcow2", sizeGiB: 1, ...over }, fact);
  t.regex(
    problem({ state: "missing" })!,
    /^10\.0\.0\.5:22: guest web-1: base image \/img\/base\.qcow2 \(bootDisk\.image\) is not on the host .*Fix: copy the image/,
  );
  t.regex(
    problem({ state: "unopenable", detail: "qemu-img: Could not open '/gone.qcow2': No such file or directory" })!,
    /cannot be opened as an image \(found: qemu-img: Could not open '\/gone\.qcow2'/,
  );
  t.regex(problem(image({ format: "vmdk" }))!, /is a vmdk image \(required: qcow2 or raw\)/);
  t.regex(problem(image({ format: "raw" }))!, /declared qcow2 \(bootDisk\.imageFormat\)\. Fix: set bootDisk\.imageFormat to "raw"/);
  t.regex(problem(image({ chain: ["nbd://10.0.0.9/base"] }))!, /has a backing file that is not on the host \(found: nbd:\/\/10\.0\.0\.9\/base/);
  t.regex(
    problem(image())!,
    /is larger than the flavor's disk \(found: virtual size 2 GiB; required: at most the flavor's disk, 1 GiB\)\. Fix: .*FlavorDiskSmallerThanImage/,
  );
  t.is(problem(image(), { sizeGiB: 2 }), null, "an image of exactly the flavor's size fits");
  t.is(problem(image(), { sizeGiB: null }), null, "a flavor disk of 0 takes the image's size");
});

test("a file up would create may be absent or this guest's own (an interrupted run's); anything else there is refused", (t) => {
  const at = { role: "target", path: "/img/web-1.qcow2" } as const;
  t.is(inspectedProblem(SUBJECT, at, { state: "missing" }), null);
  t.is(inspectedProblem(SUBJECT, at, { ...image(), owner: UUID }), null);
  t.regex(
    inspectedProblem(SUBJECT, at, image())!,
    /already exists and is not this guest's \(found: it was not made by pulumi-sev for this guest \(no ownership marker\)/,
  );
  t.regex(
    inspectedProblem(SUBJECT, at, { ...image(), owner: "0".repeat(8) + "-0000-0000-0000-" + "0".repeat(12) })!,
    /made by pulumi-sev for another guest \(domain UUID 00000000-/,
  );
});
