/** Splits probe output into its "@@probe NAME ARGS…@@" sections. */

export interface ProbeSection {
  /** First word of the header: "osrelease", "domain", "end"… */
  name: string;
  /** The rest of the header, split on spaces ("domain UUID shut off" → ["UUID", "shut", "off"]). */
  args: string[];
  body: string;
}

const HEADER = /^@@probe (.*)@@$/;

/** probe.sh puts a backslash before every body line that starts with "@" or a backslash: no header can be forged. */
function unescape(line: string): string {
  return line.startsWith("\\") ? line.slice(1) : line;
}

export function splitSections(stdout: string): ProbeSection[] {
  const sections: ProbeSection[] = [];
  let current: ProbeSection | null = null;
  for (const line of stdout.replace(/\r\n?/g, "\n").split("\n")) {
    const header = HEADER.exec(line);
    if (header) {
      const [name = "", ...args] = header[1].split(" ");
      current = { name, args, body: "" };
      sections.push(current);
    } else if (current) {
      current.body += unescape(line) + "\n";
    }
  }
  return sections;
}

/** The body of the first section with that name; "" when absent. */
export function bodyOf(sections: ProbeSection[], name: string): string {
  return sections.find((s) => s.name === name)?.body ?? "";
}
