/**
 * What the state stores: an up of K lab hosts × G SEV guests, and the bare engine's program (the same
 * resources and dependencies, empty dynamic resources with no input but a name) beside it:
 * `node dist/bench/state.js K [--guests G]`. Prints, from `pulumi stack export`, the stored bytes of
 * each resource type (median per resource, and its inputs, outputs and serialized provider), and the
 * checkpoint file the file backend wrote, each against the bare engine's as a ratio. BENCH_STATE_EXPORT=PREFIX
 * keeps the exports (PREFIX.real.json, PREFIX.bare.json).
 */
import { readdirSync, statSync, writeFileSync } from "fs";
import { join } from "path";
import { fileURLToPath } from "url";
import { EngineStack } from "../test/helpers/engine";
import { labImage } from "../lab/lab";
import { machine, median, record, startFleet } from "./fleet";

const PROGRAM = "dist/bench/programs/fleet/index.js";

interface StoredResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** Per resource type: how many, and the median stored bytes of one (whole, inputs, outputs, the serialized provider in both). */
export interface TypeBytes {
  count: number;
  bytes: number;
  inputs: number;
  outputs: number;
  provider: number;
}

const size = (v: unknown) => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));

/** The type's last name (SevGuest), so that ours and the bare engine's line up. */
function shortType(t: string): string {
  return t.split(":").pop() ?? t;
}

export function bytesByType(exported: string): Map<string, TypeBytes> {
  const resources = (JSON.parse(exported) as { deployment: { resources: StoredResource[] } }).deployment.resources;
  const groups = new Map<string, StoredResource[]>();
  for (const r of resources) {
    if (!r.type.startsWith("pulumi-nodejs:dynamic")) continue;
    const t = shortType(r.type);
    groups.set(t, [...(groups.get(t) ?? []), r]);
  }
  return new Map(
    [...groups].map(([t, rs]) => [
      t,
      {
        count: rs.length,
        bytes: median(rs.map(size)),
        inputs: median(rs.map((r) => size(r.inputs))),
        outputs: median(rs.map((r) => size(r.outputs))),
        provider: median(rs.map((r) => size(r.inputs?.__provider) + size(r.outputs?.__provider))),
      },
    ]),
  );
}

/** The checkpoint file a file:// backend holds for the stack. */
function checkpointBytes(s: EngineStack): number {
  const root = fileURLToPath(s.environment.PULUMI_BACKEND_URL!);
  const stacks = join(root, ".pulumi", "stacks");
  for (const project of readdirSync(stacks)) {
    for (const f of readdirSync(join(stacks, project)))
      if (f === `${s.stack}.json` || f === `${s.stack}.json.gz`) return statSync(join(stacks, project, f)).size;
  }
  throw new Error(`no checkpoint of stack ${s.stack} under ${stacks}`);
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const k = Number(args[0] ?? 2);
  const guests = args.includes("--guests") ? Number(args[args.indexOf("--guests") + 1]) : 15;
  console.log(`machine: ${machine()}`);
  const f = await startFleet(k);
  for (const h of f.inventory.hosts) for (let g = 0; g < guests; g++) labImage(h, `${h.name}-g${g}.qcow2`);
  const stacks: Record<"real" | "bare", EngineStack> = { real: new EngineStack(PROGRAM, "real"), bare: new EngineStack(PROGRAM, "bare") };
  try {
    const figures: Record<string, { types: Map<string, TypeBytes>; checkpoint: number; exported: number }> = {};
    for (const [mode, s] of Object.entries(stacks)) {
      await s.init({ "sev:inventory": f.inventoryFile, "sev:guestsPerHost": String(guests), "sev:mode": mode });
      const up = await s.up();
      if (up.code !== 0) throw new Error(`${mode} up failed (${up.code}):\n${up.text.slice(-4000)}`);
      const exported = await s.exportState();
      if (process.env.BENCH_STATE_EXPORT) writeFileSync(`${process.env.BENCH_STATE_EXPORT}.${mode}.json`, exported);
      figures[mode] = { types: bytesByType(exported), checkpoint: checkpointBytes(s), exported: Buffer.byteLength(exported) };
    }
    const { real, bare } = figures;
    console.log(`K=${k}×${guests}: stored bytes per resource (median; pulumi stack export), against the bare engine's`);
    const rows: Record<string, TypeBytes & { bare: number; ratio: number }> = {};
    for (const [t, b] of real.types) {
      const floor = bare.types.get(t)?.bytes ?? 0;
      rows[t] = { ...b, bare: floor, ratio: b.bytes / floor };
      console.log(
        `  ${t} ×${b.count}: ${kb(b.bytes)} (inputs ${kb(b.inputs)}, outputs ${kb(b.outputs)}, of them the serialized provider ${kb(b.provider)}); ` +
          `bare engine ${kb(floor)}: ${(b.bytes / floor).toFixed(2)}×`,
      );
    }
    console.log(
      `  checkpoint file: ${kb(real.checkpoint)} vs bare engine ${kb(bare.checkpoint)}: ${(real.checkpoint / bare.checkpoint).toFixed(2)}×; ` +
        `per guest ${kb(real.checkpoint / (k * guests))} (bare ${kb(bare.checkpoint / (k * guests))})`,
    );
    record("state", {
      k,
      guests,
      label: process.env.BENCH_LABEL ?? "",
      machine: machine(),
      types: rows,
      checkpoint: real.checkpoint,
      bareCheckpoint: bare.checkpoint,
      exported: real.exported,
      bareExported: bare.exported,
    });
    for (const s of Object.values(stacks)) {
      const d = await s.destroy();
      if (d.code !== 0) throw new Error(`destroy failed (${d.code}):\n${d.text.slice(-4000)}`);
    }
  } finally {
    for (const s of Object.values(stacks)) await s.dispose().catch(() => undefined);
    f.stop();
  }
}

if (require.main === module)
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
