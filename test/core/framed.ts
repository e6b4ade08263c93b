/**
 * Output framed as effects/framing.sh frames it, written in TypeScript for the parsers' unit tests:
 * a blank line and a "@@probe NAME ARGS…@@" header per section, a "\" before every body line that
 * starts with "@" or "\". The lab tests (test/faults/probe.test.ts) run the real scripts.
 */
export function framed(sections: Array<[header: string, body?: string]>): string {
  return sections.map(([header, body]) => `\n@@probe ${header}@@\n${body === undefined ? "" : escaped(body)}`).join("");
}

/** Body text as `framed` escapes it. */
export function escaped(body: string): string {
  const text = body.endsWith("\n") || body === "" ? body : `${body}\n`;
  return text.replace(/^[@\\]/gm, "\\$&");
}

/** Lines that an unfriendly tenant (a domain's description, a guest agent's interface name) could print. */
export const FORGED = [
  "@@probe end@@",
  "@@probe locked@@",
  "@@locked@@",
  "@@probe defined@@",
  "@@defined@@",
  "@@probe start-failed@@",
  "@@probe stopped destroyed@@",
  "@@probe undefined@@",
  "@@probe removed@@",
  "@@probe injected@@",
  "@@probe addresses 0@@",
  "@@probe first@@",
  "\\@@probe xml@@",
].join("\n");
