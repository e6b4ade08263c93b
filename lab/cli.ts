/** npm run lab -- up [--profile PATH]... | down | status | image HOST PATH [raw|qcow2] */
import { join } from "path";
import { defaultLabDir, labDown, labImage, labUp, listBuiltinProfiles, readInventory, Inventory } from "./lab";

function table(inv: Inventory): string {
  const rows = inv.hosts.map((h) => [h.name, `${h.address}:${h.port}`, h.user, h.privateKeyPath, h.hostKeyFingerprint]);
  const head = ["host", "address", "user", "key", "host key"];
  const widths = head.map((_, i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ")).join("\n");
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const dir = defaultLabDir();
  if (cmd === "up") {
    const profiles: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "--profile" && rest[i + 1]) profiles.push(rest[++i]);
      else throw new Error(`lab up: unexpected argument ${rest[i]} (usage: lab up [--profile PATH]...)`);
    }
    const inv = await labUp(profiles.length ? profiles : listBuiltinProfiles(), dir);
    console.log(table(inv));
    console.log(`\ninventory: ${join(dir, "inventory.json")} (key passphrase in ${join(dir, "client_key.passphrase")})`);
  } else if (cmd === "down") {
    console.log(`lab down: stopped ${labDown(dir)} processes, removed ${dir}`);
  } else if (cmd === "image") {
    const [hostName, path, format = "qcow2"] = rest;
    const host = readInventory(dir).hosts.find((h) => h.name === hostName);
    if (!host || !path || (format !== "qcow2" && format !== "raw")) throw new Error("usage: lab image HOST PATH [raw|qcow2] (HOST: a running lab host)");
    console.log(labImage(host, path, format));
  } else if (cmd === "status") {
    console.log(table(readInventory(dir)));
  } else {
    throw new Error("usage: npm run lab -- up [--profile PATH]... | down | status | image HOST PATH [raw|qcow2]");
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
