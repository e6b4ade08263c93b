/** The probe's devices section: the names of the /dev nodes that exist, one a line. */
export function parseDevices(text: string): { sev: boolean; kvm: boolean } {
  const names = new Set(text.split(/\s+/).filter((n) => n !== ""));
  return { sev: names.has("sev"), kvm: names.has("kvm") };
}
