/** /proc/cmdline: the parameters this provider cares about. */
import { CmdlineFacts } from "../facts";

/** Splits a kernel command line the way the kernel does: whitespace, with "double quotes" grouping. */
export function cmdlineTokens(text: string): string[] {
  const tokens: string[] = [];
  const re = /(?:[^\s"]+|"[^"]*"?)+/g;
  for (const m of text.matchAll(re)) {
    if (m[0] === "--") break; // what follows "--" belongs to init, not the kernel
    tokens.push(m[0].replace(/"/g, ""));
  }
  return tokens;
}

/** The kernel treats '-' and '_' in parameter names alike ("kvm-amd.sev" is "kvm_amd.sev"). */
function normaliseName(name: string): string {
  return name.replace(/-/g, "_");
}

/** The value of `name=` on the command line; the last occurrence wins, as in the kernel. */
export function cmdlineValue(text: string, name: string): string | null {
  const wanted = normaliseName(name);
  let value: string | null = null;
  for (const token of cmdlineTokens(text)) {
    const at = token.indexOf("=");
    const key = at < 0 ? token : token.slice(0, at);
    if (normaliseName(key) === wanted) value = at < 0 ? "" : token.slice(at + 1);
  }
  return value;
}

export function parseCmdline(text: string): CmdlineFacts {
  return { memEncrypt: cmdlineValue(text, "mem_encrypt"), kvmAmdSev: cmdlineValue(text, "kvm_amd.sev") };
}
