/**
 * The ISO 9660 writer and its reader, without tools: what it writes reads back, byte for byte and
 * the same every time, with the descriptor fields ECMA-119 and Joliet fix; bad input is refused.
 */
import test from "ava";
import fc from "fast-check";
import { buildIso9660, ISO_EPOCH, readIso9660Joliet, readIso9660Primary } from "../../provider/core/cloud-init/iso9660";
import { defaultMetaData, nocloudSeed } from "../../provider/core/cloud-init/seed";

const SECTOR = 2048;
const sector = (iso: Buffer, n: number) => iso.subarray(n * SECTOR, (n + 1) * SECTOR);
const ucs2 = (b: Buffer) => Buffer.from(b).swap16().toString("utf16le");
const FILES = [
  { name: "user-data", data: Buffer.from("#cloud-config\nhostname: a\n") },
  { name: "meta-data", data: Buffer.from("instance-id: i-1\n") },
  { name: "network-config", data: Buffer.alloc(5000, 7) },
];

test("what is written reads back through the Joliet tree: the volume id and every file by its exact name and bytes", (t) => {
  const image = readIso9660Joliet(buildIso9660("cidata", FILES));
  t.is(image.volumeId, "cidata");
  t.deepEqual([...image.files.keys()].sort(), ["meta-data", "network-config", "user-data"]);
  for (const f of FILES) t.deepEqual(image.files.get(f.name), f.data);
});

test("the primary tree holds the same data under unique level-1 8.3 names", (t) => {
  const iso = buildIso9660("cidata", [...FILES, { name: "user-data.yaml", data: Buffer.from("x") }, { name: "User_Data", data: Buffer.from("y") }]);
  const primary = readIso9660Primary(iso);
  t.is(primary.volumeId, "CIDATA");
  t.deepEqual([...primary.files.keys()], ["META_DAT.;1", "NETWORK_.;1", "USER_DAT.;1", "USER_DAT.YAM;1", "USER_D_1.;1"]);
  t.deepEqual(primary.files.get("USER_DAT.;1"), Buffer.from("y"));
  t.deepEqual(primary.files.get("USER_D_1.;1"), FILES[0].data);
  for (const name of primary.files.keys()) t.regex(name, /^[A-Z0-9_]{1,8}\.[A-Z0-9_]{0,3};1$/);
});

test("the same input gives the same bytes, whatever the files' order; another date gives other bytes", (t) => {
  const a = buildIso9660("cidata", FILES);
  t.deepEqual(buildIso9660("cidata", [...FILES].reverse()), a);
  t.deepEqual(buildIso9660("cidata", FILES, ISO_EPOCH), a);
  t.notDeepEqual(buildIso9660("cidata", FILES, new Date(Date.UTC(2024, 5, 1, 12, 30, 15))), a);
});

test("descriptors: CD001 at 16, 17 and 18, primary, Joliet (%/E) and terminator, the volume's size is its length in sectors", (t) => {
  const iso = buildIso9660("cidata", FILES, new Date(Date.UTC(2024, 5, 1, 12, 30, 15)));
  t.is(iso.length % SECTOR, 0);
  t.true(sector(iso, 0).equals(Buffer.alloc(SECTOR)), "the system area is empty");
  const [pvd, svd, end] = [16, 17, 18].map((n) => sector(iso, n));
  t.deepEqual([pvd[0], svd[0], end[0]], [1, 2, 255]);
  for (const d of [pvd, svd, end]) t.is(d.toString("ascii", 1, 7), "CD001\u0001");
  t.is(svd.toString("ascii", 88, 91), "%/E");
  t.is(pvd.toString("ascii", 40, 72), "CIDATA".padEnd(32));
  t.is(ucs2(svd.subarray(40, 72)), "cidata".padEnd(16));
  for (const d of [pvd, svd]) {
    t.is(d.readUInt32LE(80), iso.length / SECTOR);
    t.is(d.readUInt32BE(84), iso.length / SECTOR);
    t.deepEqual([d.readUInt16LE(128), d.readUInt16BE(130)], [SECTOR, SECTOR], "logical block size, both-endian");
    t.deepEqual([d.readUInt16LE(120), d.readUInt16BE(122), d.readUInt16LE(124), d.readUInt16BE(126)], [1, 1, 1, 1], "volume set size and sequence number");
    t.is(d.toString("ascii", 813, 829), "2024060112301500");
    t.is(d[881], 1, "file structure version");
  }
});

test("each descriptor's L and M path tables name its root directory, little- and big-endian, and the root's '.' and '..' point at it", (t) => {
  const iso = buildIso9660("cidata", FILES);
  for (const d of [sector(iso, 16), sector(iso, 17)]) {
    const size = d.readUInt32LE(132);
    t.is(d.readUInt32BE(136), size);
    const root = d.readUInt32LE(156 + 2);
    t.is(d.readUInt32BE(156 + 6), root);
    const l = iso.subarray(d.readUInt32LE(140) * SECTOR);
    const m = iso.subarray(d.readUInt32BE(148) * SECTOR);
    t.deepEqual([size, l[0], l.readUInt32LE(2), l.readUInt16LE(6), l[8]], [10, 1, root, 1, 0]);
    t.deepEqual([m[0], m.readUInt32BE(2), m.readUInt16BE(6), m[8]], [1, root, 1, 0]);
    const dir = sector(iso, root);
    const second = dir[0];
    t.deepEqual([dir[0], dir[32], dir[33], dir.readUInt32LE(2), dir[25]], [34, 1, 0, root, 2], "'.'");
    t.deepEqual([dir[second + 32], dir[second + 33], dir.readUInt32LE(second + 2), dir[second + 25]], [1, 1, root, 2], "'..'");
  }
});

test("a directory too large for one sector spills records to the next, none across a sector's end", (t) => {
  const files = Array.from({ length: 60 }, (_, i) => ({ name: `file-number-${String(i).padStart(3, "0")}-with-a-long-name`, data: Buffer.from(`f${i}`) }));
  const iso = buildIso9660("MANY", files);
  const svd = sector(iso, 17);
  t.true(svd.readUInt32LE(156 + 10) > SECTOR);
  const read = readIso9660Joliet(iso);
  t.is(read.files.size, 60);
  for (const f of files) t.deepEqual(read.files.get(f.name), f.data);
  t.is(readIso9660Primary(iso).files.size, 60);
});

test("empty files and files of exactly a sector read back", (t) => {
  const files = [
    { name: "empty", data: Buffer.alloc(0) },
    { name: "one-sector", data: Buffer.alloc(SECTOR, 1) },
    { name: "next", data: Buffer.from("n") },
  ];
  const read = readIso9660Joliet(buildIso9660("X", files));
  for (const f of files) t.deepEqual(read.files.get(f.name), f.data);
});

test("any set of unique valid names and contents round-trips", (t) => {
  const name = fc.string({ unit: fc.constantFrom(..."abcXYZ019-_.~ é中"), minLength: 1, maxLength: 64 }).filter((s) => !s.endsWith("."));
  const files = fc.uniqueArray(fc.record({ name, data: fc.uint8Array({ maxLength: 5000 }).map((a) => Buffer.from(a)) }), {
    selector: (f) => f.name,
    maxLength: 8,
  });
  fc.assert(
    fc.property(files, (fs) => {
      const iso = buildIso9660("V", fs);
      const read = readIso9660Joliet(iso);
      t.is(read.files.size, fs.length);
      for (const f of fs) t.deepEqual(read.files.get(f.name), f.data);
      t.is(readIso9660Primary(iso).files.size, fs.length);
    }),
    { numRuns: 100 },
  );
});

test("bad volume ids, names and dates are refused, saying why", (t) => {
  const ok = [{ name: "a", data: Buffer.alloc(0) }];
  t.throws(() => buildIso9660("", ok), { message: /volume id "" is invalid: it must be 1 to 32/ });
  t.throws(() => buildIso9660("a".repeat(33), ok), { message: /volume id "a{33}" is invalid/ });
  t.throws(() => buildIso9660("ci-data", ok), { message: /A-Z, a-z, 0-9 and _/ });
  const bad = (name: string) => () => buildIso9660("V", [{ name, data: Buffer.alloc(0) }]);
  t.throws(bad(""), { message: /file name "" is invalid: it is empty/ });
  t.throws(bad("x".repeat(65)), { message: /65 characters long, Joliet allows at most 64/ });
  t.throws(bad("a/b"), { message: /forbids/ });
  t.throws(bad("a;1"), { message: /forbids/ });
  t.throws(bad("tab\there"), { message: /forbids/ });
  t.throws(bad("😀"), { message: /beyond U\+FFFF/ });
  t.throws(bad("file."), { message: /ends with a dot/ });
  t.throws(() => buildIso9660("V", [...ok, ...ok]), { message: /"a" is given twice: names must be unique/ });
  t.throws(() => buildIso9660("V", ok, new Date(Date.UTC(1899, 0, 1))), { message: /outside 1900 to 2155/ });
  t.throws(() => buildIso9660("V", ok, new Date(NaN)), { message: /outside 1900 to 2155/ });
});

test("the reader refuses what is not an ISO 9660 image, has no Joliet tree, or is cut short", (t) => {
  t.throws(() => readIso9660Joliet(Buffer.alloc(40 * SECTOR)), { message: /not an ISO 9660 image/ });
  t.throws(() => readIso9660Joliet(Buffer.alloc(100)), { message: /cut short/ });
  const iso = buildIso9660("V", FILES);
  const noJoliet = Buffer.from(iso);
  sector(iso, 18).copy(noJoliet, 17 * SECTOR);
  t.throws(() => readIso9660Joliet(noJoliet), { message: /has no Joliet supplementary volume descriptor/ });
  t.throws(() => readIso9660Joliet(iso.subarray(0, iso.length - SECTOR)), { message: /cut short: its file user-data/ });
});

test("the NoCloud seed: label cidata, user-data and meta-data, network-config only when given", (t) => {
  const defaults = { instanceId: "i-abc", hostname: "web-1" };
  const plain = readIso9660Joliet(nocloudSeed({ userData: "#cloud-config\n" }, defaults));
  t.is(plain.volumeId, "cidata");
  t.deepEqual([...plain.files.keys()], ["meta-data", "user-data"]);
  t.is(plain.files.get("meta-data")!.toString(), "instance-id: i-abc\nlocal-hostname: web-1\n");
  t.is(plain.files.get("user-data")!.toString(), "#cloud-config\n");
  const full = readIso9660Joliet(nocloudSeed({ userData: "u ✓", metaData: "m", networkConfig: "version: 2\n" }, defaults));
  t.deepEqual(Object.fromEntries([...full.files].map(([k, v]) => [k, v.toString()])), {
    "meta-data": "m",
    "network-config": "version: 2\n",
    "user-data": "u ✓",
  });
  t.deepEqual(nocloudSeed({ userData: "x" }, defaults), nocloudSeed({ userData: "x" }, defaults), "deterministic");
});

test("default meta-data quotes what YAML would not read back as the same string", (t) => {
  t.is(defaultMetaData({ instanceId: "i-1", hostname: "host.example" }), "instance-id: i-1\nlocal-hostname: host.example\n");
  t.is(defaultMetaData({ instanceId: "012", hostname: "yes" }), 'instance-id: "012"\nlocal-hostname: "yes"\n');
  t.is(defaultMetaData({ instanceId: "a: b\n#c", hostname: "h" }), 'instance-id: "a: b\\n#c"\nlocal-hostname: h\n');
});
