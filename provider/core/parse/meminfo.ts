/** The probe's meminfo section: "MemTotal:  16318504 kB" to bytes. */
export function parseMemTotal(text: string): number | null {
  const m = /^MemTotal:\s*(\d+)\s*kB\s*$/im.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}
