/** `virsh nodesevinfo`: "FIELD : VALUE" lines (virsh prints "%-18s: %s"), or virsh's error. */
import { SevPlatformFacts } from "../facts";
import { keyValues } from "./lines";

export type NodeSevInfoResult = { platform: SevPlatformFacts; error: null } | { platform: null; error: string };

function count(v: string | undefined): number | null {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
}

export function parseNodeSevInfo(body: string): NodeSevInfoResult {
  const fields = keyValues(body, ":");
  if (!fields.has("pdh") && !fields.has("cbitpos")) {
    return { platform: null, error: body.trim() === "" ? "virsh nodesevinfo printed nothing" : body.trim().split("\n").join("; ") };
  }
  return {
    platform: {
      pdh: fields.get("pdh") || null,
      certChain: fields.get("cert-chain") || null,
      cpu0Id: fields.get("cpu0-id") || null,
      cbitpos: count(fields.get("cbitpos")),
      reducedPhysBits: count(fields.get("reduced-phys-bits")),
      maxGuests: count(fields.get("max-guests")),
      maxESGuests: count(fields.get("max-es-guests")),
    },
    error: null,
  };
}
