/**
 * How many round trips each kind of SSH exchange takes, measured: one lab host reached directly and
 * through bench/tools/delay-proxy.ts at RTT MS, each exchange repeated N times on both, and
 * (median behind the proxy - median direct) / RTT. What the host spends computing is on both sides
 * and drops out. `node dist/bench/tools/exchange-rtts.js [RTT_MS] [N]` (after `npm run -s build`).
 * The proxy accepts the TCP connection itself, so a connection's TCP handshake (one more round trip
 * on a real network) is not in these figures, nor in the floors measured through the proxy.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { builtinProfiles, LabHost, labDown, labUp, repoRoot } from "../../lab/lab";
import { targetOf } from "../../provider/host/target";
import { closeAll, exec, hostKeyFingerprint, SshTarget } from "../../provider/effects/ssh";
import { withHostLock } from "../../provider/effects/lock";
import { startDelayProxy } from "./delay-proxy";
import { median, run } from "../fleet";

type Exchange = (t: SshTarget, h: LabHost) => Promise<unknown>;

const EXCHANGES: [string, Exchange][] = [
  [
    "connection (ssh2: key exchange, service request, auth query and signature)",
    async (t) => {
      closeAll();
      await hostKeyFingerprint(t);
    },
  ],
  ["exec channel of `true` (open, exec)", (t) => exec(t, ["true"])],
  ["exec channel of `sh -s` with a script on stdin", (t) => exec(t, ["sh", "-s"], { stdin: "true\n" })],
  ["lock hold until ready, and its release", (t) => withHostLock(t, 10, "bench", async () => undefined)],
  [
    "OpenSSH `ssh host true` (the floor: a process, a connection, one exec)",
    (t, h) =>
      run([
        "ssh",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ControlMaster=no",
        "-i",
        h.privateKeyPath + ".plain",
        "-p",
        String(t.port),
        `${t.user}@${t.host}`,
        "true",
      ]),
  ],
];

async function timeEach(fn: () => Promise<unknown>, n: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

async function main(): Promise<void> {
  const rtt = Number(process.argv[2] ?? 50);
  const n = Number(process.argv[3] ?? 15);
  const dir = join(repoRoot, ".lab", `bench-rtts-${process.pid}`);
  const inv = await labUp([join(builtinProfiles, "rome")], dir);
  const h = inv.hosts[0];
  await run(["sh", "-c", `cp "$1" "$1.plain" && ssh-keygen -q -p -P "$2" -N '' -f "$1.plain"`, "sh", h.privateKeyPath, h.passphrase]);
  const proxy = await startDelayProxy(h.port, rtt);
  const inputs = {
    address: h.address,
    port: h.port,
    privateKey: readFileSync(h.privateKeyPath, "utf8"),
    privateKeyPassphrase: h.passphrase,
    hostKeyFingerprint: h.hostKeyFingerprint,
  };
  const direct = targetOf(inputs);
  const far = targetOf({ ...inputs, port: proxy.port });
  console.log(`load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}; RTT ${rtt} ms; medians of ${n}`);
  try {
    await hostKeyFingerprint(direct); // the key is decrypted once per process: not in the figures
    for (const [what, fn] of EXCHANGES) {
      const near = await timeEach(() => fn(direct, h), n);
      const away = await timeEach(() => fn(far, h), n);
      console.log(`${what}: ${near.toFixed(1)} ms direct, ${away.toFixed(1)} ms at ${rtt} ms RTT: ${((away - near) / rtt).toFixed(2)} round trips`);
    }
  } finally {
    closeAll();
    void proxy.close();
    labDown(dir);
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
