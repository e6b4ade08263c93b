/** Quoting for the one place argv meets a remote shell: each argument becomes one word. */
export function quote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("empty command");
  return argv.map(quote).join(" ");
}
