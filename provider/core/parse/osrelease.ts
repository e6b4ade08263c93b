/** /proc/sys/kernel/osrelease: the kernel release, as `uname -r` prints it. */
export function parseOsRelease(text: string): string | null {
  const release = text.trim().split(/\s+/)[0] ?? "";
  return release === "" ? null : release;
}
