/**
 * sev-capacity: SEV readiness and slot capacity of every host in an inventory, for CI.
 * `sev-capacity --help` says everything; bin/sev-capacity runs this module.
 * Exit status: 0 all ready and nothing over-committed, 1 otherwise, 2 usage error.
 */
import { closeAll } from "../effects/ssh";
import { HELP, Options, parseArgs, UsageError } from "./args";
import { inventoryOfStackConfig, LoadedInventory, loadInventory } from "./inventory";
import { render } from "./render";
import { buildReport } from "./report";

/** More than this many hosts and progress goes to stderr even when it is not a terminal. */
const PROGRESS_ABOVE = 3;

/** Every secret (passphrase) of the inventory is replaced before anything is written. */
function redactor(secrets: string[]): (text: string) => string {
  const long = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => long.reduce((t, s) => t.split(s).join("[redacted]"), text);
}

function progress(total: number, opts: Options): ((done: number) => void) | undefined {
  const tty = process.stderr.isTTY === true;
  if (opts.quiet || (!tty && total <= PROGRESS_ABOVE)) return undefined;
  const line = (done: number) => `probing ${done}/${total} hosts…`;
  if (tty) {
    process.stderr.write(line(0));
    return (done) => process.stderr.write(`\r${line(done)}${done === total ? "\n" : ""}`);
  }
  // Not a terminal (a CI log): a line at the start and at every tenth of the way, not one per host.
  process.stderr.write(line(0) + "\n");
  let shown = 0;
  return (done) => {
    const step = Math.floor((done * 10) / total);
    if (step > shown || done === total) {
      shown = step;
      process.stderr.write(line(done) + "\n");
    }
  };
}

async function run(argv: string[]): Promise<number> {
  let opts: Options;
  let inventory: LoadedInventory;
  try {
    opts = parseArgs(argv);
    if (opts.help) {
      process.stdout.write(HELP);
      return 0;
    }
    inventory = loadInventory(opts.inventory ?? inventoryOfStackConfig(opts.stackConfig!));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\nRun sev-capacity --help for usage and the inventory format.\n`);
    return 2;
  }
  const redact = redactor(inventory.secrets);
  const report = await buildReport(inventory.hosts, opts.stack, opts.concurrency, progress(inventory.hosts.length, opts));
  process.stdout.write(redact(render(report, opts.format)));
  return report.ok ? 0 : 1;
}

function finish(code: number): void {
  process.exitCode = code;
  closeAll();
  // Everything is written; should a connection linger, do not wait on it for long.
  setTimeout(() => process.exit(code), 5000).unref();
}

run(process.argv.slice(2)).then(finish, (err: Error) => {
  process.stderr.write(`sev-capacity: ${err.stack ?? err.message}\n`);
  finish(1);
});
