/**
 * What the start-and-read script (effects/libvirt.ts) printed: framed as probe.sh frames its
 * sections (a random tag turned into "@@probe NAME@@" headers, every body line that starts with "@"
 * or "\" escaped), so nothing a domain holds (its description, say) can forge a section.
 */
import { GuestInterface, parseDomIfAddr } from "./domifaddr";
import { bodyOf, splitSections } from "./sections";

/** A domain as the host has it: its persistent definition and its state (null: not defined). */
export interface DomainNow {
  xml: string | null;
  state: string | null;
  /** This round trip started it (a new launch). */
  started: boolean;
  /** What `virsh domlaunchsecinfo` printed (launched SEV guests only); null when it printed nothing. */
  launchSecInfo: string | null;
  /** The guest's interfaces and addresses (`virsh domifaddr`: from its QEMU guest agent, else the DHCP leases of a libvirt network). */
  addresses: GuestInterface[];
  /** Why start failed (virsh's own words), when a start was asked for and failed. */
  startError: string | null;
}

export function parseDomainNow(stdout: string): DomainNow {
  const sections = splitSections(stdout);
  const has = (name: string) => sections.some((s) => s.name === name);
  if (has("start-failed")) {
    return { xml: null, state: null, started: false, launchSecInfo: null, addresses: [], startError: bodyOf(sections, "start-failed").trim() };
  }
  const state = bodyOf(sections, "state").trim();
  const info = bodyOf(sections, "launchsecinfo");
  const xml = bodyOf(sections, "xml");
  return {
    state: state || null,
    xml: xml.trim() ? xml.trim() + "\n" : null,
    started: has("started"),
    launchSecInfo: info.trim() ? info : null,
    addresses: parseDomIfAddr(bodyOf(sections, "addresses")),
    startError: null,
  };
}
