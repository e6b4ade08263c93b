/** sev-capacity's command line: flags, their problems (all of them at once) and --help. */
import { StackId } from "../core/slots";

export type Format = "table" | "json" | "markdown";

export interface Options {
  help: boolean;
  inventory: string | null;
  stackConfig: string | null;
  stack: StackId | null;
  format: Format;
  concurrency: number;
  quiet: boolean;
}

export const DEFAULT_CONCURRENCY = 8;

export const HELP = `sev-capacity: SEV readiness and slot (ASID) capacity of KVM hypervisors, for CI.

Usage:
  sev-capacity --inventory FILE [--stack PROJECT/STACK] [--json | --markdown] [--concurrency N] [--quiet]
  sev-capacity --stack-config Pulumi.<stack>.yaml [...same options]

Hosts:
  -i, --inventory FILE      inventory file, YAML or JSON (format below; the lab's .lab/inventory.json works as is)
  --stack-config FILE       a stack's config file: its "sev:inventory" value names the inventory, relative to
                            that file's folder (default .lab/inventory.json, as the example programs use)

Accounting:
  --stack PROJECT/STACK     SEV domains whose owner metadata names this project and stack count as "this stack";
                            every other SEV domain counts as "others" (default: no stack, all are others).
                            ORG/PROJECT/STACK is accepted; the organisation is not part of the owner metadata.

Output (stdout):
  (default)                 a table, then one line per host that needs attention
  --json                    machine-readable report (keys are stable; "version": 1)
  --markdown                a table for pull-request comments, with a ✅/❌ column and a legend

Other:
  --concurrency N           hosts probed at once (default ${DEFAULT_CONCURRENCY})
  -q, --quiet               no progress on stderr (shown when stderr is a terminal or there are more than 3 hosts)
  -h, --help                this text

Per host: one SSH probe (the SevHost checks), readiness (failed check ids), and per pool (sev, sev-es):
total, where the total comes from (domcapabilities, misc-cgroup, override, unknown), used (SEV domains
defined on the host: this stack's and others'), free. An unknown total imposes no limit (Nova's rule).

Exit status:
  0  every host is ready and no pool is over-committed
  1  a host is not ready or could not be probed (unreachable, host key refused…), or a pool is
     over-committed (more SEV domains defined than slots)
  2  usage error: bad flags or a bad inventory (one message lists every problem)

Inventory (YAML or JSON; schema/inventory.schema.json):
  hosts:
    - name: epyc-01                  # unique, used in reports
      address: epyc-01.example.net
      port: 22                       # default 22
      user: root                     # default root; other users run the probe through sudo -n
      privateKeyPath: ~/.ssh/ci_ed25519   # relative to the inventory file's folder; or useAgent: true
      passphraseEnv: EPYC_KEY_PASSPHRASE  # env var holding the key's passphrase (or passphrase: inline)
      hostKeyFingerprint: "SHA256:…" # or knownHosts: "<known_hosts lines>"; else ~/.ssh/known_hosts
      maxGuests: { sev: 15 }         # optional override of the slot counts (sev, sevEs)
      libvirtUri: qemu:///system     # default qemu:///system
  Passphrases are never printed.

Stack config (Pulumi.<stack>.yaml):
  config:
    sev:inventory: inventory.yaml
`;

/** Thrown with every problem found, for exit status 2. */
export class UsageError extends Error {
  constructor(
    readonly what: string,
    readonly problems: string[],
  ) {
    super(`${what}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `- ${p}`).join("\n")}`);
    this.name = "UsageError";
  }
}

/** PROJECT/STACK, or ORG/PROJECT/STACK (the organisation is dropped). */
export function parseStack(value: string): StackId | null {
  const parts = value.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9._-]+$/.test(p))) return null;
  const [project, stack] = parts.slice(-2);
  return { project, stack };
}

const VALUED = new Set(["--inventory", "-i", "--stack-config", "--stack", "--concurrency"]);
const SWITCHES = new Set(["--json", "--markdown", "--quiet", "-q", "--help", "-h"]);

export function parseArgs(argv: string[]): Options {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUED.has(flag)) {
      let value: string | undefined;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith("-")) value = argv[++i];
      const name = flag === "-i" ? "--inventory" : flag;
      if (value === undefined || value === "") problems.push(`${flag} needs a value`);
      else if (values.has(name)) problems.push(`${name} is given more than once`);
      else values.set(name, value);
    } else if (SWITCHES.has(flag) && eq < 0) {
      switches.add(flag === "-q" ? "--quiet" : flag === "-h" ? "--help" : flag);
    } else if (flag.startsWith("-")) {
      problems.push(`unknown option ${flag}`);
    } else {
      problems.push(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  const help = switches.has("--help");
  const inventory = values.get("--inventory") ?? null;
  const stackConfig = values.get("--stack-config") ?? null;
  if (!help && inventory === null && stackConfig === null) problems.push("give --inventory FILE or --stack-config FILE");
  if (inventory !== null && stackConfig !== null) problems.push("give --inventory or --stack-config, not both");
  if (switches.has("--json") && switches.has("--markdown")) problems.push("give --json or --markdown, not both");

  let stack: StackId | null = null;
  const stackValue = values.get("--stack");
  if (stackValue !== undefined) {
    stack = parseStack(stackValue);
    if (!stack) problems.push(`--stack ${JSON.stringify(stackValue)} is not PROJECT/STACK`);
  }
  let concurrency = DEFAULT_CONCURRENCY;
  const concurrencyValue = values.get("--concurrency");
  if (concurrencyValue !== undefined) {
    concurrency = /^[0-9]+$/.test(concurrencyValue) ? Number(concurrencyValue) : NaN;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      problems.push(`--concurrency ${JSON.stringify(concurrencyValue)} is not a whole number from 1 to 256`);
    }
  }
  if (problems.length > 0 && !help) throw new UsageError("sev-capacity: bad command line", problems);
  return {
    help,
    inventory,
    stackConfig,
    stack,
    format: switches.has("--json") ? "json" : switches.has("--markdown") ? "markdown" : "table",
    concurrency,
    quiet: switches.has("--quiet"),
  };
}
