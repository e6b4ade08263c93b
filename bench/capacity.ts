/**
 * sev-capacity against the SSH floor and Ansible fact gathering, on K lab hosts, pair by pair in
 * each round: `node dist/bench/capacity.js K [ROUNDS] [--rtt MS]` (after `npm run -s build`; --rtt: every
 * host behind a proxy adding that round-trip time, the floor's connections too; --trace: sev-capacity's
 * SSH trace kept per round in the fleet's folder, the first round's round trips printed). Installs
 * ansible-core from PyPI into ~/.cache/pulumi-sev/ansible-venv the first time.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { homedir } from "os";
import { join } from "path";
import { DEFAULT_CONCURRENCY } from "../provider/cli/args";
import { repoRoot } from "../lab/lab";
import { Fleet, fmt, logMarks, machine, mapBounded, median, plainInventory, ratio, record, run, sessionsSince, sshTrace, startFleet, timed } from "./fleet";

const ANSIBLE_CORE = "ansible-core==2.18.*";
const venv = join(homedir(), ".cache", "pulumi-sev", "ansible-venv");

async function ensureAnsible(): Promise<string> {
  const bin = join(venv, "bin", "ansible");
  if (!existsSync(bin)) {
    console.error(`installing ${ANSIBLE_CORE} into ${venv}`);
    await run(["python3", "-m", "venv", venv]);
    await run([join(venv, "bin", "pip"), "install", "-q", ANSIBLE_CORE]);
  }
  return bin;
}

const sshOptions = (f: Fleet) => [
  "-o",
  "BatchMode=yes",
  "-o",
  `UserKnownHostsFile=${f.knownHosts}`,
  "-o",
  "StrictHostKeyChecking=yes",
  "-o",
  "ControlMaster=no",
  "-i",
  f.plainKey,
];

/** `ssh host true` to every host, DEFAULT_CONCURRENCY at once: the cost of the handshakes alone. */
function floor(f: Fleet): Promise<unknown> {
  return mapBounded(f.inventory.hosts, DEFAULT_CONCURRENCY, (h) => run(["ssh", ...sshOptions(f), "-p", String(h.port), `${h.user}@${h.address}`, "true"]));
}

function sevCapacity(inventory: string): Promise<unknown> {
  return run(["node", join(repoRoot, "bin", "sev-capacity"), "--inventory", inventory, "--json", "--quiet", "--concurrency", String(DEFAULT_CONCURRENCY)]);
}

function ansibleInventory(f: Fleet): string {
  const file = join(f.dir, "ansible-hosts.ini");
  writeFileSync(
    file,
    ["[lab]", ...f.inventory.hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=${h.user}`), ""].join("\n"),
  );
  return file;
}

/** `ansible -m setup` with pipelining, as many forks as sev-capacity's concurrency; a fresh ControlPath folder so no connection outlives its run. */
async function ansibleSetup(bin: string, f: Fleet, inventory: string): Promise<unknown> {
  const cp = mkdtempSync(join(f.dir, "cp-"));
  try {
    return await run([bin, "lab", "-i", inventory, "-m", "setup", "-f", String(DEFAULT_CONCURRENCY), "-o"], {
      ...process.env,
      ANSIBLE_PIPELINING: "True",
      ANSIBLE_HOST_KEY_CHECKING: "True",
      ANSIBLE_PRIVATE_KEY_FILE: f.plainKey,
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${f.knownHosts} -o ControlMaster=auto -o ControlPersist=60s`,
      ANSIBLE_SSH_CONTROL_PATH_DIR: cp,
      ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3",
      ANSIBLE_LOCAL_TEMP: join(cp, "tmp"),
      ANSIBLE_STDOUT_CALLBACK: "oneline",
    });
  } finally {
    rmSync(cp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const k = Number(process.argv[2] ?? 10);
  const rounds = process.argv[3] && !process.argv[3].startsWith("--") ? Number(process.argv[3]) : 5;
  const withAnsible = process.env.BENCH_NO_ANSIBLE !== "1";
  const ansible = withAnsible ? await ensureAnsible() : "";
  console.log(`machine: ${machine()}`);
  const rttAt = process.argv.indexOf("--rtt");
  const rtt = rttAt > 0 ? Number(process.argv[rttAt + 1]) : 0;
  const f = await startFleet(k, rtt);
  const trace = process.argv.includes("--trace") ? sshTrace(f.dir, rtt) : null;
  try {
    const plain = plainInventory(f);
    const ansibleHosts = ansibleInventory(f);
    const rows: Record<string, number>[] = [];
    for (let r = 0; r < rounds; r++) {
      const row: Record<string, number> = {};
      row.floor = (await timed(() => floor(f))).seconds;
      const marks = logMarks(f.inventory.hosts);
      row.us = (await timed(() => sevCapacity(f.inventoryFile))).seconds;
      const s = sessionsSince(f.inventory.hosts, marks);
      row.connectionsMax = s.connectionsMax;
      row.channelsMax = s.channelsMax;
      const text = trace?.take(`sev-capacity ${r + 1}`);
      if (text && r === 0) console.log(text);
      row.usPlainKey = (await timed(() => sevCapacity(plain))).seconds;
      trace?.take(`sev-capacity unencrypted key ${r + 1}`);
      if (withAnsible) row.ansible = (await timed(() => ansibleSetup(ansible, f, ansibleHosts))).seconds;
      rows.push(row);
      console.log(
        `round ${r + 1}: floor ${fmt(row.floor)}, sev-capacity ${fmt(row.us)} (${ratio(row.us, row.floor)} floor; ` +
          `${s.connectionsMax} connection(s), ${s.channelsMax} exec channel(s) per host at most), unencrypted key ${fmt(row.usPlainKey)}` +
          (withAnsible ? `, ansible -m setup pipelined ${fmt(row.ansible)} (us ${ratio(row.us, row.ansible)})` : ""),
      );
    }
    const med = (key: string) => median(rows.map((x) => x[key]));
    const medRatio = (a: string, b: string) => median(rows.map((x) => x[a] / x[b]));
    const summary = {
      k,
      rounds,
      machine: machine(),
      floor: med("floor"),
      us: med("us"),
      usPlainKey: med("usPlainKey"),
      ansible: withAnsible ? med("ansible") : null,
      usOverFloor: medRatio("us", "floor"),
      usPlainOverFloor: medRatio("usPlainKey", "floor"),
      usOverAnsible: withAnsible ? medRatio("us", "ansible") : null,
      connectionsMax: Math.max(...rows.map((x) => x.connectionsMax)),
      channelsMax: Math.max(...rows.map((x) => x.channelsMax)),
    };
    console.log(
      `K=${k}, medians of ${rounds}: floor ${fmt(summary.floor)}, sev-capacity ${fmt(summary.us)} ` +
        `(${summary.usOverFloor.toFixed(2)}× floor), unencrypted key ${fmt(summary.usPlainKey)} (${summary.usPlainOverFloor.toFixed(2)}× floor)` +
        (withAnsible ? `, ansible pipelined ${fmt(summary.ansible!)} (us ${summary.usOverAnsible!.toFixed(2)}× ansible)` : "") +
        `; per host: ${summary.connectionsMax} connection(s), ${summary.channelsMax} exec channel(s)`,
    );
    record("capacity", { ...summary, ...(rtt > 0 ? { rttMs: rtt } : {}), label: process.env.BENCH_LABEL ?? "", rows });
  } finally {
    f.stop();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
