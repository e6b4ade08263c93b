/**
 * Where a guest's disks are and which of them up creates: the boot disk (the user's own, or a root
 * disk made from a base image at the flavor's size), data disks (created empty, or the user's), and
 * the cloud-init seed. Pure: the same inputs give the same paths at preview, create and delete.
 */
import { GuestBootDisk, GuestCloudInit, GuestDataDisk } from "../../generated/sev-guest";
import { InputProblem } from "../validate";

export const DEFAULT_IMAGES_DIR = "/var/lib/libvirt/images";

export type DiskFormat = "qcow2" | "raw";
export type DataBus = "scsi" | "sata" | "virtio";

export interface BaseImage {
  path: string;
  format: DiskFormat;
  /** A full copy instead of an overlay. */
  copy: boolean;
}

export interface BootDiskLayout {
  path: string;
  format: DiskFormat;
  /** The image the root disk is created from; null: the user's own disk. */
  from: BaseImage | null;
  /** The created root disk's size; null: the image's own (a flavor disk of 0, as in Nova). */
  sizeGiB: number | null;
}

export interface DataDiskLayout {
  path: string;
  format: DiskFormat;
  /** null: the boot disk's bus. */
  bus: DataBus | null;
  /** Created empty at this size; null: the user's own disk. */
  sizeGiB: number | null;
}

export interface GuestDisks {
  boot: BootDiskLayout;
  data: DataDiskLayout[];
  /** The cloud-init seed ISO, created by up; null without cloudInit. */
  seed: string | null;
}

/** The inputs the layout depends on. */
export interface DiskInputs {
  name: string;
  bootDisk: GuestBootDisk;
  dataDisks?: GuestDataDisk[];
  cloudInit?: GuestCloudInit;
  imagesDir?: string;
}

function folderOf(inputs: DiskInputs): string {
  return (inputs.imagesDir ?? DEFAULT_IMAGES_DIR).replace(/\/+$/, "") || "/";
}

export function guestDisks(inputs: DiskInputs, flavorDiskGiB: number): GuestDisks {
  const dir = folderOf(inputs);
  const b = inputs.bootDisk;
  const from = b.image === undefined ? null : { path: b.image, format: b.imageFormat ?? "qcow2", copy: b.copy ?? false };
  const boot: BootDiskLayout = {
    path: b.path ?? `${dir}/${inputs.name}.qcow2`,
    format: from ? "qcow2" : (b.format ?? "qcow2"),
    from,
    sizeGiB: from && flavorDiskGiB > 0 ? flavorDiskGiB : null,
  };
  const data = (inputs.dataDisks ?? []).map((d, i): DataDiskLayout => ({
    path: d.path ?? `${dir}/${inputs.name}-data-${i + 1}.qcow2`,
    format: d.sizeGiB === undefined ? (d.format ?? "qcow2") : "qcow2",
    bus: d.bus ?? null,
    sizeGiB: d.sizeGiB ?? null,
  }));
  return { boot, data, seed: inputs.cloudInit ? `${dir}/${inputs.name}-cidata.iso` : null };
}

/** What up makes, in the order it makes it (and delete removes): the root disk, created data disks, the seed. */
export type FileToCreate =
  | { kind: "overlay"; path: string; image: BaseImage; sizeGiB: number | null }
  | { kind: "copy"; path: string; image: BaseImage; sizeGiB: number | null }
  | { kind: "blank"; path: string; sizeGiB: number }
  | { kind: "seed"; path: string };

export function filesToCreate(d: GuestDisks): FileToCreate[] {
  const files: FileToCreate[] = [];
  if (d.boot.from) files.push({ kind: d.boot.from.copy ? "copy" : "overlay", path: d.boot.path, image: d.boot.from, sizeGiB: d.boot.sizeGiB });
  for (const disk of d.data) if (disk.sizeGiB !== null) files.push({ kind: "blank", path: disk.path, sizeGiB: disk.sizeGiB });
  if (d.seed !== null) files.push({ kind: "seed", path: d.seed });
  return files;
}

export function createdPaths(d: GuestDisks): string[] {
  return filesToCreate(d).map((f) => f.path);
}

/** A path the preview looks at, and as what: the user's disk, a base image, or a file up will create. */
export type Inspected =
  | { role: "disk"; path: string; format: DiskFormat; property: string }
  | { role: "image"; path: string; format: DiskFormat; sizeGiB: number | null }
  | { role: "target"; path: string };

export function inspectedPaths(d: GuestDisks): Inspected[] {
  const out: Inspected[] = [];
  if (d.boot.from) out.push({ role: "image", path: d.boot.from.path, format: d.boot.from.format, sizeGiB: d.boot.sizeGiB });
  else out.push({ role: "disk", path: d.boot.path, format: d.boot.format, property: "bootDisk" });
  d.data.forEach((disk, i) => {
    if (disk.sizeGiB === null) out.push({ role: "disk", path: disk.path, format: disk.format, property: `dataDisks[${i}]` });
  });
  for (const path of createdPaths(d)) out.push({ role: "target", path });
  return out;
}

const BLOCK = /^\/dev\//;

/** Inputs that cannot make a layout: what is missing or contradicts, listed together. */
export function diskInputProblems(inputs: DiskInputs, configDrive: string | undefined): InputProblem[] {
  const problems: InputProblem[] = [];
  const add = (property: string, reason: string) => problems.push({ property, reason });
  const b = inputs.bootDisk;
  if (b.path === undefined && b.image === undefined)
    add("bootDisk", "bootDisk needs path (the guest's existing disk) or image (a base image its root disk is created from)");
  if (b.image === undefined) {
    if (b.copy !== undefined) add("bootDisk.copy", "bootDisk.copy is about a root disk created from bootDisk.image: give image, or remove copy");
    if (b.imageFormat !== undefined) add("bootDisk.imageFormat", "bootDisk.imageFormat is the format of bootDisk.image: give image, or remove imageFormat");
  } else {
    if (b.format === "raw") add("bootDisk.format", "a root disk created from bootDisk.image is a qcow2 file: remove bootDisk.format or set it to qcow2");
    if (b.path !== undefined && BLOCK.test(b.path)) add("bootDisk.path", `bootDisk.path ${b.path} is a device: a root disk created from an image is a file`);
  }
  (inputs.dataDisks ?? []).forEach((d, i) => {
    const at = `dataDisks[${i}]`;
    if (d.path === undefined && d.sizeGiB === undefined) add(at, `${at} needs sizeGiB (a disk up creates) or path (an existing disk)`);
    if (d.sizeGiB !== undefined && d.format === "raw") add(`${at}.format`, `${at} is created by up as a qcow2 file: remove format or set it to qcow2`);
    if (d.sizeGiB !== undefined && d.path !== undefined && BLOCK.test(d.path))
      add(`${at}.path`, `${at}.path ${d.path} is a device: a disk up creates is a file`);
  });
  if (inputs.cloudInit && configDrive !== undefined) add("cloudInit", "cloudInit and configDrive both attach a seed: give one of them");
  if (problems.length === 0) problems.push(...samePathProblems(guestDisks(inputs, 0)));
  return problems;
}

/** Two disks on one file would corrupt it; a root disk over its own image would destroy the image. */
function samePathProblems(d: GuestDisks): InputProblem[] {
  const uses = [
    ["bootDisk", d.boot.path],
    ...(d.boot.from ? [["bootDisk.image", d.boot.from.path]] : []),
    ...d.data.map((x, i) => [`dataDisks[${i}]`, x.path]),
    ...(d.seed ? [["cloudInit", d.seed]] : []),
  ];
  const problems: InputProblem[] = [];
  uses.forEach(([property, path], i) => {
    const first = uses.findIndex(([, p]) => p === path);
    if (first < i) problems.push({ property, reason: `${property} and ${uses[first][0]} are the same file ${path}: each disk needs a file of its own` });
  });
  return problems;
}
