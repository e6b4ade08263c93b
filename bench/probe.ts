/**
 * Probe cost on a lab host: wall time per probe, and SSH connections and exec channels opened,
 * counted from the lab sshd's log. `npm run bench` (starts and stops its own lab).
 */
import { readFileSync } from "fs";
import { join } from "path";
import { builtinProfiles, labDown, labUp, repoRoot } from "../lab/lab";
import { inspect } from "../provider/host/operations";
import { closeAll } from "../provider/effects/ssh";

const count = (log: string, re: RegExp) => log.split("\n").filter((l) => re.test(l)).length;

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 20);
  const dir = join(repoRoot, ".lab", `bench-${process.pid}`);
  const inv = await labUp([join(builtinProfiles, "rome")], dir);
  const h = inv.hosts[0];
  const inputs = {
    address: h.address,
    port: h.port,
    privateKey: readFileSync(h.privateKeyPath, "utf8"),
    privateKeyPassphrase: h.passphrase,
    hostKeyFingerprint: h.hostKeyFingerprint,
  };
  try {
    const times: number[] = [];
    const before = readFileSync(h.sshdLog, "utf8");
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await inspect(inputs);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (i === 0) {
        const log = readFileSync(h.sshdLog, "utf8").slice(before.length);
        console.log(
          `first probe (connect + probe): ${times[0].toFixed(0)} ms, ` +
            `${count(log, /Accepted publickey/)} SSH connection(s), ${count(log, /Starting session: command/)} exec channel(s)`,
        );
      }
    }
    const log = readFileSync(h.sshdLog, "utf8").slice(before.length);
    const warm = times.slice(1).sort((a, b) => a - b);
    const pct = (p: number) => warm[Math.min(warm.length - 1, Math.floor(p * warm.length))];
    console.log(
      `${runs} probes in one process: ${count(log, /Accepted publickey/)} SSH connection(s), ` + `${count(log, /Starting session: command/)} exec channel(s)`,
    );
    console.log(`reused connection: median ${pct(0.5).toFixed(0)} ms, p90 ${pct(0.9).toFixed(0)} ms, max ${warm[warm.length - 1].toFixed(0)} ms`);
    console.log(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  } finally {
    closeAll();
    labDown(dir);
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
