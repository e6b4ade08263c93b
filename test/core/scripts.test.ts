/**
 * The provider's host scripts as files (provider/effects/*.sh, effects/scripts.ts): each is read as
 * it ships, the launch secret's script goes as the one line sudoers names, and no script carries a
 * placeholder for a value (values are arguments or quoted here-documents). Reads files; runs nothing.
 */
import test from "ava";
import { readdirSync } from "fs";
import { join } from "path";
import { oneLine, scriptFile } from "../../provider/effects/scripts";
import { HOST_LOCK, HOST_LOCK_HOLDER, lockCommand } from "../../provider/effects/lock";

const EFFECTS = join(__dirname, "..", "..", "provider", "effects");
const SCRIPTS = readdirSync(EFFECTS).filter((f) => f.endsWith(".sh"));

test("every script is a file beside probe.sh, with no ${…} placeholder left from a template string", (t) => {
  for (const name of [
    "probe.sh",
    "framing.sh",
    "guest-files.sh",
    "define.sh",
    "start-and-read.sh",
    "wait-for-address.sh",
    "stop-and-undefine.sh",
    "undefine.sh",
    "inject-launch-secret.sh",
    "lock.sh",
    "inspect-disks.sh",
  ]) {
    t.true(SCRIPTS.includes(name), name);
  }
  for (const name of SCRIPTS) t.notRegex(scriptFile(name), /\$\{[a-zA-Z]+\(/, name);
});

test("the launch secret's script is one line that starts with umask 077, as sudoers names it", (t) => {
  const line = oneLine(scriptFile("inject-launch-secret.sh"));
  t.false(line.includes("\n"));
  t.true(line.startsWith("umask 077; "), line.slice(0, 40));
  t.notRegex(line, /(^|; )#/, "no comment is left in it");
  t.regex(line, /domsetlaunchsecstate "\$dom" --secrethdr "\$d\/header" --secret "\$d\/secret" "\$@"/);
});

test("oneLine drops comment and blank lines and joins the commands", (t) => {
  t.is(oneLine("# head\numask 077\n\n  a=1; b=2\n# tail\nc\n"), "umask 077; a=1; b=2; c");
});

test("the lock: the holder's description is an argument, the script names the holder file, flock the lock file", (t) => {
  const argv = lockCommand(30, "create of guest 'x'; $(reboot)", ["sh", "-c", "true"]);
  t.deepEqual(argv.slice(0, 6), ["flock", "-w", "30", HOST_LOCK, "sh", "-c"]);
  t.deepEqual(argv.slice(7), ["sh", "create of guest 'x'; $(reboot)", "sh", "-c", "true"]);
  t.true(argv[6].includes(HOST_LOCK_HOLDER));
  t.notRegex(argv[6], /reboot/);
});
