/**
 * What a guest's disks must be on the host before anything is defined or created, judged at
 * preview from the batched disk check: the user's disks there, readable, qcow2 or raw as declared;
 * a base image the same, with its backing chain on the host and no larger than the flavor's disk
 * (Nova's FlavorDiskSmallerThanImage); a file up creates either absent or already this guest's.
 */
import { DiskFact } from "./facts";
import { Inspected } from "./layout";

const FORMATS = ["qcow2", "raw"];
const GIB = 1024 ** 3;

/** Who is asking: the host's label, the guest's name and UUID. */
export interface DiskCheckSubject {
  host: string;
  guest: string;
  uuid: string;
}

/** Why this path stops the guest, with the fix; null when it does not (or cannot be told). */
export function inspectedProblem(s: DiskCheckSubject, i: Inspected, fact: DiskFact): string | null {
  if (i.role === "disk") return userDiskProblem(s, i.path, i.format, fact, i.property);
  if (i.role === "image") return imageProblem(s, i.path, i.format, i.sizeGiB, fact);
  return targetProblem(s, i.path, fact);
}

/** The boot disk the user gives (bootDisk.path): kept under its old name for its callers. */
export function bootDiskProblem(host: string, guest: string, path: string, declared: string, fact: DiskFact): string | null {
  return userDiskProblem({ host, guest, uuid: "" }, path, declared, fact, "bootDisk");
}

function userDiskProblem(s: DiskCheckSubject, path: string, declared: string, fact: DiskFact, property: string): string | null {
  const what = property === "bootDisk" ? "boot disk" : `disk ${property}`;
  const at = `${s.host}: guest ${s.guest}: ${what} ${path}`;
  if (fact.state === "missing") {
    return `${at} is not on the host (found: no such file or device; required: an existing qcow2 or raw image). Fix: put the disk there (qemu-img create, or copy the image) or correct ${property}.path`;
  }
  return readableImageProblem(at, path, fact, `${property}.path`) ?? formatProblem(at, path, fact, declared, `${property}.format`, `${property}.path`);
}

function imageProblem(s: DiskCheckSubject, path: string, declared: string, sizeGiB: number | null, fact: DiskFact): string | null {
  const at = `${s.host}: guest ${s.guest}: base image ${path} (bootDisk.image)`;
  if (fact.state === "missing") {
    return `${at} is not on the host (found: no such file; required: a qcow2 or raw image). Fix: copy the image to that path on the host, or correct bootDisk.image`;
  }
  const problem = readableImageProblem(at, path, fact, "bootDisk.image") ?? formatProblem(at, path, fact, declared, "bootDisk.imageFormat", "bootDisk.image");
  if (problem !== null || fact.state !== "image") return problem;
  const remote = fact.chain.find((f) => /^[a-z][a-z0-9+.-]*:/i.test(f));
  if (remote !== undefined) {
    return `${at} has a backing file that is not on the host (found: ${remote}; required: a backing chain of local files). Fix: qemu-img convert -O qcow2 ${path} LOCAL.qcow2 and use that image`;
  }
  if (sizeGiB !== null && fact.virtualSize !== null && fact.virtualSize > sizeGiB * GIB) {
    return (
      `${at} is larger than the flavor's disk (found: virtual size ${formatGiB(fact.virtualSize)}; required: at most the flavor's disk, ${sizeGiB} GiB). ` +
      `Fix: use a flavor with a larger disk, or a smaller image (Nova refuses it the same way: FlavorDiskSmallerThanImage)`
    );
  }
  return null;
}

function targetProblem(s: DiskCheckSubject, path: string, fact: DiskFact): string | null {
  if (fact.state === "missing" || fact.owner === s.uuid) return null;
  const whose = fact.owner
    ? `it was made by pulumi-sev for another guest (domain UUID ${fact.owner})`
    : "it was not made by pulumi-sev for this guest (no ownership marker)";
  return (
    `${s.host}: guest ${s.guest}: ${path}, which up would create for this guest, already exists and is not this guest's (found: ${whose}; ` +
    `required: no file there). Nothing was created. Fix: give the disk another path (bootDisk.path, dataDisks[].path, imagesDir), or remove the file if it is no longer used`
  );
}

function readableImageProblem(at: string, path: string, fact: DiskFact, property: string): string | null {
  if (fact.state === "unreadable") {
    return `${at} is not readable (found: the file, without read permission for the provider's user; required: readable). Fix: check its owner and mode`;
  }
  if (fact.state === "unopenable") {
    return `${at} cannot be opened as an image (found: ${fact.detail}; required: a qcow2 or raw image whose backing files are on the host). Fix: repair or replace the image, or correct ${property} (checked with qemu-img info --backing-chain ${path})`;
  }
  return null;
}

function formatProblem(at: string, path: string, fact: DiskFact, declared: string, property: string, pathProperty: string): string | null {
  if (fact.state !== "image") return null;
  if (!FORMATS.includes(fact.format)) {
    return `${at} is a ${fact.format} image (required: qcow2 or raw). Fix: qemu-img convert -O qcow2 ${path} NEW.qcow2, and point ${pathProperty} at it`;
  }
  if (fact.format !== declared) {
    return `${at} is a ${fact.format} image, declared ${declared} (${property}). Fix: set ${property} to "${fact.format}"`;
  }
  return null;
}

function formatGiB(bytes: number): string {
  const gib = bytes / GIB;
  return `${Number.isInteger(gib) ? gib : gib.toFixed(2)} GiB`;
}
