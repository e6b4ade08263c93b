/**
 * Files this provider creates on a host (a root disk, a data disk, a seed) carry an ownership
 * marker: a hidden file beside them holding the guest's domain UUID. A run interrupted after a
 * file was made leaves it marked, so the next up of the same guest takes it over, and the preview
 * refuses a target that exists without this guest's marker. One home for the naming rule: the
 * scripts in effects/ derive it the same way (guest-files.sh marker_of, which the disk check uses too).
 */
export const MARKER_SUFFIX = ".pulumi-sev";

/** The marker of a file: /dir/.name.pulumi-sev beside /dir/name. */
export function markerOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}${MARKER_SUFFIX}`;
}
