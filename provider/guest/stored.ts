/**
 * What a SevGuest's state keeps (issue 22: each resource carries only what it needs).
 *
 * Its inputs keep of the host only where it is (address and port, what tells a move to another
 * machine at check): the connection with its credentials is the SevHost's, and the guest's check
 * is given it by the program in every run that declares the guest. The check remembers it here,
 * in the provider process, for the diff, create and update that follow it in the same process.
 * Its outputs keep what reaching the host takes (reachOf, a secret): refresh and destroy run
 * from the state alone, without the program, and a destroy deletes the guests before their host,
 * so they cannot borrow the SevHost's. The domain XML is kept as its SHA-256 (xmlSha256); refresh
 * renders it again for the drift check, and the host has it (`virsh dumpxml`).
 */
import { createHash } from "crypto";
import { SevHostInputs } from "../generated/sev-host";
import { SevGuestOutputs } from "./outputs";

/** The host inputs a guest's operations read: the SSH target, libvirt's URI, the lock wait and how slots are counted. */
const REACH: (keyof SevHostInputs)[] = [
  "address",
  "port",
  "user",
  "privateKey",
  "privateKeyPassphrase",
  "useAgent",
  "hostKeyFingerprint",
  "knownHosts",
  "trustUnknownHostKey",
  "jumpHost",
  "connectTimeoutSeconds",
  "commandTimeoutSeconds",
  "lockWaitSeconds",
  "libvirtUri",
  "maxGuests",
  "countGuests",
];

export function reachOf(hostInputs: SevHostInputs | undefined): SevHostInputs {
  const picked: Record<string, unknown> = {};
  for (const k of REACH) if (hostInputs?.[k] !== undefined && hostInputs[k] !== null) picked[k] = hostInputs[k];
  return picked as unknown as SevHostInputs;
}

/** Where the host is: what the guest's stored inputs keep of it. */
export function whereOf(hostInputs: SevHostInputs): Pick<SevHostInputs, "address" | "port"> {
  return hostInputs.port === undefined ? { address: hostInputs.address } : { address: hostInputs.address, port: hostInputs.port };
}

/** Per guest (its owner's URN), the host connection its last check in this process was given. */
const checkedConnections = new Map<string, SevHostInputs>();

/** The guest's inputs as its check stores them; the connection is remembered for the calls that follow. */
export function checkedInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const host = inputs.host as SevHostInputs | undefined;
  const urn = (inputs.owner as { urn?: unknown } | undefined)?.urn;
  if (host === undefined || host === null || typeof host !== "object") return inputs;
  if (typeof urn === "string") checkedConnections.set(urn, host);
  return { ...inputs, host: whereOf(host) };
}

/** The connection this guest's check was given in this process, if it was. */
export function checkedConnection(guest: { owner?: { urn?: string } }): SevHostInputs | undefined {
  const urn = guest.owner?.urn;
  return urn === undefined ? undefined : checkedConnections.get(urn);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The outputs as the state keeps them: the host's reach, the XML's digest (state written by 0.2.0 kept the XML and every host input). */
export function stored(outs: SevGuestOutputs): SevGuestOutputs {
  const { xml, ...rest } = outs;
  const digest = outs.xmlSha256 ?? (xml === undefined ? undefined : sha256(xml));
  return { ...rest, host: reachOf(outs.host), ...(digest === undefined ? {} : { xmlSha256: digest }) };
}
