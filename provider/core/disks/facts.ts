/**
 * A path on the host as the preview's batched disk check found it: missing, unreadable, an image
 * (qemu-img info --backing-chain), or a file qemu-img could not open; and the ownership marker
 * beside it (marker.ts), when there is one. Parsed from the check's output by core/parse/disks.ts.
 */
export type DiskFact = (
  | { state: "missing" | "unreadable" }
  | {
      state: "image";
      format: string;
      virtualSize: number | null;
      backingFile: string | null;
      /** Every file of the backing chain after the image itself, nearest first. */
      chain: string[];
    }
  /** qemu-img is there and could not open it (a broken or unreachable backing file, a damaged image): its words. */
  | { state: "unopenable"; detail: string }
  /** The file is there but what it holds is unknown (no qemu-img on the host): not judged. */
  | { state: "unknown"; detail: string }
) & {
  /** The domain UUID in the file's ownership marker; null without one. */
  owner?: string | null;
};
