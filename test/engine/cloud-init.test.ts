/**
 * examples/cloud-init through the real engine on a QEMU-driver lab host: a root disk made from a base
 * image (a qcow2 overlay at the flavor's size), a data disk, a NoCloud seed with the user-data, the
 * address in the outputs; a no-op second up; destroy removes what up made and keeps the base image.
 * And the preview's refusals of images and targets, each naming host and path, nothing changed.
 */
import anyTest, { TestFn } from "ava";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { withStack } from "../helpers/engine";
import { SecretScan } from "../helpers/secret-scan";

const test = anyTest as TestFn<{ lab: TestLab }>;

const IMAGES = "/var/lib/libvirt/images";
const PROGRAM = "dist/examples/cloud-init/index.js";

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
});
test.after.always((t) => t.context.lab?.stop());

interface ImageInfo {
  format: string;
  "virtual-size": number;
  "backing-filename"?: string;
  "backing-filename-format"?: string;
}

async function info(lab: TestLab, path: string): Promise<ImageInfo> {
  return JSON.parse(await lab.sh("rome", ["qemu-img", "info", "--output=json", "-U", path])) as ImageInfo;
}

/** The images folder's files, markers included (ls -A). */
async function files(lab: TestLab): Promise<string[]> {
  return (await lab.sh("rome", ["ls", "-A", IMAGES]))
    .split("\n")
    .filter((f) => f !== "")
    .sort();
}

function config(lab: TestLab, extra: Record<string, string> = {}): Record<string, string> {
  return { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome", ...extra };
}

const GIB = 1024 ** 3;

test.serial("a guest from a base image with cloud-init and a data disk: files, seed, address; a no-op second up; destroy keeps only the image", async (t) => {
  const { lab } = t.context;
  const base = lab.image("rome", "debian-12.qcow2");
  const key = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${Date.now().toString(36)}cloudinitkeyonly lab@test`;
  await withStack(PROGRAM, config(lab, { "sev:baseImage": base }), async (s) => {
    // The user-data holds it; the program is given it as a secret (plain config is stored as it is).
    await s.must(["config", "set", "--secret", "sev:sshKey", "--", key], "config set --secret sev:sshKey");
    const scan = new SecretScan(t, s);
    const before = await files(lab);
    await scan.run("preview", s.preview());
    t.deepEqual(await files(lab), before, "preview creates nothing");
    t.deepEqual(await lab.domains("rome"), []);

    await scan.run("up", s.up());
    t.deepEqual(await lab.domains("rome"), ["app-1"]);
    const root = await info(lab, `${IMAGES}/app-1.qcow2`);
    t.deepEqual([root.format, root["virtual-size"], root["backing-filename"], root["backing-filename-format"]], ["qcow2", 20 * GIB, base, "qcow2"]);
    const data = await info(lab, `${IMAGES}/app-1-data-1.qcow2`);
    t.deepEqual([data.format, data["virtual-size"], data["backing-filename"]], ["qcow2", 10 * GIB, undefined]);

    const seed = `${IMAGES}/app-1-cidata.iso`;
    t.regex(await lab.sh("rome", ["blkid", "-o", "value", "-s", "TYPE", seed]), /^iso9660\s*$/);
    t.regex(await lab.sh("rome", ["blkid", "-o", "value", "-s", "LABEL", seed]), /^cidata\s*$/);
    const userData = await lab.sh("rome", ["isoinfo", "-J", "-x", "/user-data", "-i", seed]);
    t.true(userData.startsWith("#cloud-config\n") && userData.includes(key), "the seed holds the program's user-data");
    const uuid = (await lab.sh("rome", ["virsh", "domuuid", "app-1"])).trim();
    // A UUID that starts with a digit is quoted (YAML 1.1 could read it as something else).
    t.regex(await lab.sh("rome", ["isoinfo", "-J", "-x", "/meta-data", "-i", seed]), new RegExp(`^instance-id: "?${uuid}"?\nlocal-hostname: app-1\n$`));

    const xml = await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "app-1"]);
    t.regex(xml, /<disk type='file' device='cdrom'>[\s\S]*?<source file='\/var\/lib\/libvirt\/images\/app-1-cidata\.iso'\/>[\s\S]*?<readonly\/>/);
    t.regex(xml, /<source file='\/var\/lib\/libvirt\/images\/app-1-data-1\.qcow2'\/>/);

    const out = await s.outputs();
    t.regex(String(out.address), /^\d+\.\d+\.\d+\.\d+$/, "the guest's address, from its guest agent (simulated in the lab)");
    t.deepEqual(out.createdFiles, [`${IMAGES}/app-1.qcow2`, `${IMAGES}/app-1-data-1.qcow2`, seed]);
    t.is(out.state, "running");

    const again = await s.expectNoChanges();
    t.is(again.code, 0, again.text);
    scan.outputs.push(again.text);
    await scan.run("refresh", s.refresh());

    await scan.run("destroy", s.destroy());
    t.deepEqual(await lab.domains("rome"), []);
    t.deepEqual(await files(lab), before, "destroy removed the overlay, the data disk, the seed and their markers, and kept the base image");
    scan.assertNowhere([key], await s.exportState());
  });
});

test.serial(
  "preview refuses a missing image, one larger than the flavor's disk, a vmdk, and a target that is not the guest's: host and path named, nothing changed",
  async (t) => {
    const { lab } = t.context;
    const port = lab.host("rome").port;
    const at = `127\\.0\\.0\\.1:${port}: guest app-1: `;
    await lab.sh("rome", ["qemu-img", "create", "-q", "-f", "qcow2", `${IMAGES}/big.qcow2`, "30G"]);
    await lab.sh("rome", ["qemu-img", "create", "-q", "-f", "vmdk", `${IMAGES}/disk.vmdk`, "1G"]);
    const cases: [string, string, RegExp][] = [
      ["missing", `${IMAGES}/nope.qcow2`, new RegExp(`${at}base image ${IMAGES}/nope\\.qcow2 \\(bootDisk\\.image\\) is not on the host`)],
      [
        "larger",
        `${IMAGES}/big.qcow2`,
        new RegExp(
          `${at}base image ${IMAGES}/big\\.qcow2 \\(bootDisk\\.image\\) is larger than the flavor's disk \\(found: virtual size 30 GiB; required: at most the flavor's disk, 20 GiB\\)`,
        ),
      ],
      ["vmdk", `${IMAGES}/disk.vmdk`, new RegExp(`${at}base image ${IMAGES}/disk\\.vmdk \\(bootDisk\\.image\\) is a vmdk image \\(required: qcow2 or raw\\)`)],
    ];
    for (const [what, image, expected] of cases) {
      await withStack(PROGRAM, config(lab, { "sev:baseImage": image }), async (s) => {
        const before = await files(lab);
        const preview = await s.preview();
        t.not(preview.code, 0, what);
        t.regex(preview.text.replace(/\\n/g, "\n"), expected, what);
        t.deepEqual(await files(lab), before, `${what}: nothing created`);
        t.deepEqual(await lab.domains("rome"), [], `${what}: nothing defined`);
      });
    }

    const base = lab.image("rome", "debian-12.qcow2");
    const theirs = lab.image("rome", "app-1.qcow2");
    const theirBytes = await lab.sh("rome", ["sha256sum", theirs]);
    await withStack(PROGRAM, config(lab, { "sev:baseImage": base }), async (s) => {
      const preview = await s.preview();
      t.not(preview.code, 0);
      t.regex(
        preview.text.replace(/\\n/g, "\n"),
        new RegExp(`${at}${IMAGES}/app-1\\.qcow2, which up would create for this guest, already exists and is not this guest's`),
      );
      const up = await s.up();
      t.not(up.code, 0, "up refuses it too");
      t.is(await lab.sh("rome", ["sha256sum", theirs]), theirBytes, "the other file is byte for byte unchanged");
      t.deepEqual(await lab.domains("rome"), []);
    });
    await lab.sh("rome", ["rm", "-f", theirs, `${IMAGES}/big.qcow2`, `${IMAGES}/disk.vmdk`]);
  },
);
