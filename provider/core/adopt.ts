/**
 * Adoption (SevGuest `adopt: true`): taking over a domain that already exists on the host, instead
 * of `pulumi import` (which dynamic providers cannot offer). Only an SEV-encrypted domain that
 * matches what the program declares, and that no other stack or resource owns, is taken over.
 * Pure: the caller reads the domain and renders what the program declares.
 */
import { Owner, OWNER_NAMESPACE } from "./domain/metadata";
import { GuestView, guestDrift } from "./parse/guest";

/**
 * Every reason the existing domain cannot be adopted by the resource `owner` as the program
 * declares it (`wanted`, rendered with the existing domain's UUID); empty when it can.
 * The same comparison as drift, plus ownership: a domain carrying another resource's metadata is
 * managed elsewhere. Carrying this resource's own metadata (an adoption interrupted after the
 * define) is fine.
 */
export function adoptionDifferences(wanted: GuestView, existing: GuestView, owner: Owner): string[] {
  const differences: string[] = [];
  const o = existing.owner;
  if (o !== null && o.urn !== owner.urn) {
    const whose = o.project === owner.project && o.stack === owner.stack ? "another resource of this stack" : `stack ${o.project}/${o.stack}`;
    differences.push(
      `it is managed by ${whose} (${o.urn}); to move it here, remove it from that stack's state (pulumi state delete) ` +
        `and its ownership metadata (virsh metadata ${existing.name ?? "<domain>"} ${OWNER_NAMESPACE} --config --remove)`,
    );
  }
  differences.push(...guestDrift(wanted, existing));
  return differences;
}

/** The one error for a domain that cannot be adopted: host, domain, every difference, the fix. */
export function formatAdoptionRefusal(host: string, name: string, differences: string[]): string {
  return (
    `host ${host}: cannot adopt domain ${name}, ${differences.length} difference${differences.length === 1 ? "" : "s"} from what the program declares:\n` +
    `${differences.map((d) => `- ${d}`).join("\n")}\n` +
    `Nothing was changed on the host. Fix: align the program with the domain (flavor, image, bootDisk, network, configDrive, domainType), ` +
    `or remove adopt: true and give the guest a name of its own.`
  );
}

/** adopt: true names a domain the host does not have. */
export function formatNothingToAdopt(host: string, name: string): string {
  return `host ${host}: adopt is set but no domain named ${name} is defined there: nothing to adopt, and nothing was created. Fix: correct the name, or remove adopt: true to create a new guest.`;
}

/** The domains a host has defined: every name and UUID, and the SEV ones with their ownership. */
export interface DefinedDomains {
  names: string[];
  uuids: string[];
  sevDomains: { name: string; uuid: string; owner: Owner | null }[];
}

/**
 * Whether the guest's name or UUID is taken on the host: by a domain that is not this resource's
 * (foreign, its name or UUID), or by this resource's own, left by a run that stopped after define
 * (leftBehind: same UUID, this resource's URN). Judged at preview and again under the host lock.
 */
export function nameTaken(d: DefinedDomains, name: string, uuid: string, owner: Owner): { foreign: string | null; leftBehind: boolean } {
  const taken = [uuid, name].filter((id) => d.uuids.includes(id) || d.names.includes(id));
  const ours = (id: string) => d.sevDomains.some((s) => (s.uuid === id || s.name === id) && s.uuid === uuid && s.owner?.urn === owner.urn);
  return { foreign: taken.find((id) => !ours(id)) ?? null, leftBehind: taken.length > 0 };
}

export function formatNameTaken(host: string, domain: string): string {
  return `${host}: a domain ${domain} is already defined and is not this guest's; adopt it (adopt: true, if it matches what the program declares) or choose another name`;
}
