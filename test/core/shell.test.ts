/** Quoting where argv meets a remote shell (core/shell.ts): each argument stays one word. Pure. */
import test from "ava";
import { commandLine, quote } from "../../provider/core/shell";

/** A POSIX sh word splitter for quoted text (single quotes, plain words), enough to read quote()'s output back. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === " ") {
      if (cur !== null) out.push(cur);
      cur = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur = (cur ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === "\\") {
      cur = (cur ?? "") + line[++i];
    } else cur = (cur ?? "") + c;
  }
  if (cur !== null) out.push(cur);
  return out;
}

test("plain words stay as they are", (t) => {
  t.is(quote("qemu:///system"), "qemu:///system");
  t.is(quote("--set-address=0x10"), "--set-address=0x10");
  t.is(commandLine(["virsh", "-c", "qemu:///system", "list"]), "virsh -c qemu:///system list");
});

test("anything else is single-quoted, a quote inside written '\\''", (t) => {
  t.is(quote(""), "''");
  t.is(quote("a b"), "'a b'");
  t.is(quote("it's"), `'it'\\''s'`);
  t.is(quote("$(reboot)"), "'$(reboot)'");
  t.is(quote("x\ny"), "'x\ny'");
});

test("every argument comes back as one word, whatever it holds", (t) => {
  const argv = ["sh", "-c", `printf '%s\\n' "$1"; rm -rf /`, "sh", "a b", "it's", "", "*", "`id`", "; reboot", "\\", "--"];
  t.deepEqual(words(commandLine(argv)), argv);
});

test("an empty command is refused", (t) => {
  t.throws(() => commandLine([]), { message: /empty command/ });
});
