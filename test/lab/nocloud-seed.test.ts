/**
 * The NoCloud seed as real tools see it: blkid finds an iso9660 volume labelled cidata (how cloud-init
 * finds its seed), isoinfo lists and extracts the Joliet names byte for byte, xorriso (libisofs, a
 * stricter reader) loads both trees without a warning, and the files read back through a mount.
 * The kernel here has no iso9660 driver, so the mount is fuseiso's (FUSE).
 */
import test, { ExecutionContext } from "ava";
import { execFileSync } from "child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { buildIso9660 } from "../../provider/core/cloud-init/iso9660";
import { nocloudSeed } from "../../provider/core/cloud-init/seed";

const USER_DATA = `#cloud-config\nhostname: seed-test\nwrite_files:\n  - path: /etc/motd\n    content: "${"grüße ✓ ".repeat(400)}"\n`;
const NETWORK_CONFIG = "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n";
const META_DATA = "instance-id: i-seed\nlocal-hostname: seed-test\n";

const run = (cmd: string, args: string[]): Buffer => execFileSync(cmd, args, { maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });

/** A temp dir holding the image, removed after the test. */
function imageFile(t: ExecutionContext, image: Buffer): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "nocloud-seed-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "seed.iso");
  writeFileSync(file, image);
  return { dir, file };
}

function seedFile(t: ExecutionContext): { dir: string; file: string } {
  return imageFile(t, nocloudSeed({ userData: USER_DATA, networkConfig: NETWORK_CONFIG }, { instanceId: "i-seed", hostname: "seed-test" }));
}

test("blkid: an iso9660 volume labelled cidata", (t) => {
  const { file } = seedFile(t);
  const fields = Object.fromEntries(
    run("blkid", ["-o", "export", file])
      .toString()
      .trim()
      .split("\n")
      .map((l) => l.split("=", 2)),
  );
  t.is(fields.TYPE, "iso9660");
  t.is(fields.LABEL, "cidata");
});

test("isoinfo: the Joliet tree lists user-data, meta-data and network-config, and extracts each byte for byte", (t) => {
  const { file } = seedFile(t);
  t.regex(run("isoinfo", ["-d", "-i", file]).toString(), /Joliet with UCS level 3 found/);
  const listing = run("isoinfo", ["-J", "-l", "-i", file]).toString();
  const names = listing
    .split("\n")
    .filter((l) => l.startsWith("-"))
    .map((l) => l.trim().split(/\s+/).pop());
  t.deepEqual(names, ["meta-data", "network-config", "user-data"]);
  const expected: Record<string, string> = { "user-data": USER_DATA, "meta-data": META_DATA, "network-config": NETWORK_CONFIG };
  for (const [name, text] of Object.entries(expected)) t.deepEqual(run("isoinfo", ["-J", "-x", `/${name}`, "-i", file]), Buffer.from(text), name);
});

test("xorriso loads the image with no warning, finds Joliet, and its primary tree has the 8.3 names", (t) => {
  const { file } = seedFile(t);
  const joliet = run("xorriso", ["-return_with", "WARNING", "32", "-indev", file, "-toc", "-ls", "/"]).toString();
  t.regex(joliet, /ISO offers\s*:.*Joliet/);
  t.regex(joliet, /'meta-data'\n'network-config'\n'user-data'/);
  // xorriso shows level-1 names without their "." and ";1".
  const primary = run("xorriso", ["-return_with", "WARNING", "32", "-read_fs", "ecma119", "-indev", file, "-ls", "/"]).toString();
  t.regex(primary, /'META_DAT'\n'NETWORK_'\n'USER_DAT'/);
});

test("a large directory (more than one sector) and an empty file list and extract right", (t) => {
  const files = Array.from({ length: 60 }, (_, i) => ({ name: `file-number-${String(i).padStart(3, "0")}-with-a-long-name`, data: Buffer.from(`f${i}\n`) }));
  const { file } = imageFile(t, buildIso9660("MANY", [...files, { name: "empty", data: Buffer.alloc(0) }]));
  const listed = run("isoinfo", ["-J", "-l", "-i", file])
    .toString()
    .split("\n")
    .filter((l) => l.startsWith("-"));
  t.is(listed.length, 61);
  t.deepEqual(run("isoinfo", ["-J", "-x", "/file-number-059-with-a-long-name", "-i", file]), Buffer.from("f59\n"));
  t.deepEqual(run("isoinfo", ["-J", "-x", "/empty", "-i", file]), Buffer.alloc(0));
  t.notThrows(() => run("xorriso", ["-return_with", "WARNING", "32", "-indev", file, "-ls", "/"]));
});

test("mounted, the seed's files read back byte for byte through the filesystem", (t) => {
  const { dir, file } = seedFile(t);
  const mnt = join(dir, "mnt");
  mkdirSync(mnt);
  run("fuseiso", [file, mnt]);
  t.teardown(() => run("fusermount", ["-u", mnt]));
  t.deepEqual(readdirSync(mnt).sort(), ["meta-data", "network-config", "user-data"]);
  t.deepEqual(readFileSync(join(mnt, "user-data")), Buffer.from(USER_DATA));
  t.deepEqual(readFileSync(join(mnt, "meta-data")), Buffer.from(META_DATA));
  t.deepEqual(readFileSync(join(mnt, "network-config")), Buffer.from(NETWORK_CONFIG));
});
