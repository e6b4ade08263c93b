/**
 * `virsh domifaddr` (virDomainInterfaceAddresses): a table of interfaces, one row per address; an
 * interface's further addresses have "-" for name and MAC. The loopback interface is left out.
 */
export interface GuestAddress {
  type: "ipv4" | "ipv6";
  address: string;
  prefix: number;
}

export interface GuestInterface {
  name: string;
  mac: string;
  addresses: GuestAddress[];
}

const ROW = /^\s*(\S+)\s+(\S+)\s+(ipv4|ipv6)\s+([0-9a-fA-F.:]+)\/(\d+)\s*$/;
const LOOPBACK_MAC = "00:00:00:00:00:00";

export function parseDomIfAddr(text: string): GuestInterface[] {
  const interfaces: GuestInterface[] = [];
  for (const line of text.split("\n")) {
    const m = ROW.exec(line);
    if (!m) continue;
    const [, name, mac, type, address, prefix] = m;
    if (name !== "-" || interfaces.length === 0) interfaces.push({ name, mac: mac.toLowerCase(), addresses: [] });
    interfaces[interfaces.length - 1].addresses.push({ type: type as GuestAddress["type"], address, prefix: Number(prefix) });
  }
  return interfaces.filter((i) => i.name !== "lo" && i.mac !== LOOPBACK_MAC);
}
