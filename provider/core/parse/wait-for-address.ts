/**
 * What the wait for a guest's address (effects/wait-for-address.sh) prints: the section
 * "addresses SECONDS" holding `virsh domifaddr`'s last answer. Framed as probe.sh frames its
 * sections: what a guest agent reports (an interface name, say) is data.
 */
import { GuestInterface, parseDomIfAddr } from "./domifaddr";
import { splitSections } from "./sections";

export interface AddressWait {
  /** The guest's interfaces and their addresses. */
  addresses: GuestInterface[];
  /** virsh's last answer, trimmed ("" when the script printed none). */
  last: string;
  /** Seconds the script waited; null when it did not say. */
  waitedSeconds: number | null;
}

export function parseWaitForAddress(stdout: string): AddressWait {
  const section = splitSections(stdout).find((s) => s.name === "addresses");
  const seconds = Number(section?.args[0]);
  const body = section?.body ?? "";
  return { addresses: parseDomIfAddr(body), last: body.trim(), waitedSeconds: section && Number.isInteger(seconds) ? seconds : null };
}
