/**
 * An OpenSSH client config read for one host alias (the npm ssh-config parser: Host and Match
 * blocks, first value wins), the directives SevHost takes from it, and how they merge with the
 * inputs a program gives explicitly. Pure: file contents come in, nothing is read here.
 */
import SSHConfig from "ssh-config";

/** The directives pulumi-sev reads, tokens and ~ expanded. */
export interface SshConfigHost {
  alias: string;
  hostName: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: JumpSpec;
  userKnownHostsFiles: string[];
  strictHostKeyChecking?: string;
}

export interface JumpSpec {
  address: string;
  user?: string;
  port?: number;
}

export interface LocalContext {
  home: string;
  localUser: string;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function portOf(value: string, what: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 65535) throw new Error(`${what}: port ${JSON.stringify(value)} is not a TCP port (1-65535)`);
  return n;
}

/** ssh_config(5)'s TOKENS for the values we read (%h, %p, %r, %u, %d, %%) and a leading ~. */
export function expandTokens(value: string, t: { host: string; port: number; user: string } & LocalContext): string {
  const tokens: Record<string, string> = { h: t.host, p: String(t.port), r: t.user, u: t.localUser, d: t.home, "%": "%" };
  const expanded = value.replace(/%(.)/g, (whole, c: string) => {
    if (!(c in tokens)) throw new Error(`ssh config: token ${whole} in ${JSON.stringify(value)} is not supported (only %h %p %r %u %d %%)`);
    return tokens[c];
  });
  return expanded === "~" || expanded.startsWith("~/") ? t.home + expanded.slice(1) : expanded;
}

/** ProxyJump's `[user@]host[:port]` (or ssh://user@host:port); `none` is no jump; one hop only. */
export function parseProxyJump(value: string): JumpSpec | undefined {
  if (value.toLowerCase() === "none") return undefined;
  if (value.includes(",")) throw new Error(`ssh config: ProxyJump ${JSON.stringify(value)} has several hops; SevHost takes one jump host`);
  const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::([0-9]+))?$/.exec(value);
  if (!m) throw new Error(`ssh config: ProxyJump ${JSON.stringify(value)} is not [user@]host[:port]`);
  const address = m[2].replace(/^\[(.*)\]$/, "$1");
  return { address, ...(m[1] ? { user: m[1] } : {}), ...(m[3] ? { port: portOf(m[3], "ProxyJump") } : {}) };
}

/**
 * What the config says for `alias`, as ssh -G would print the directives we read. `Match exec`
 * is never run (no shell from a config file); Include is not followed by the parser.
 */
export function sshConfigFor(text: string, alias: string, ctx: LocalContext): SshConfigHost {
  const c = SSHConfig.parse(text).compute(alias, { ignoreCase: true, matchExec: false });
  const port = first(c.port) !== undefined ? portOf(first(c.port)!, `ssh config for ${alias}`) : undefined;
  const user = first(c.user);
  const hostName = expandTokens(first(c.hostname) ?? alias, { host: alias, port: port ?? 22, user: user ?? ctx.localUser, ...ctx });
  const t = { host: hostName, port: port ?? 22, user: user ?? ctx.localUser, ...ctx };
  const jump = first(c.proxyjump);
  return {
    alias,
    hostName,
    ...(user !== undefined ? { user } : {}),
    ...(port !== undefined ? { port } : {}),
    identityFiles: all(c.identityfile).map((f) => expandTokens(f, t)),
    ...(jump !== undefined && parseProxyJump(jump) ? { proxyJump: parseProxyJump(jump) } : {}),
    userKnownHostsFiles: all(c.userknownhostsfile)
      .flatMap((f) => f.split(/\s+/))
      .filter((f) => f !== "")
      .map((f) => expandTokens(f, t)),
    ...(first(c.stricthostkeychecking) !== undefined ? { strictHostKeyChecking: first(c.stricthostkeychecking)!.toLowerCase() } : {}),
  };
}

/**
 * StrictHostKeyChecking may only make ours stricter: `yes` refuses an unknown host key (our
 * default); `no`, `accept-new`, `off` would accept one and are not applied.
 */
export function refusesUnknownKeys(strict: string | undefined): boolean {
  return strict === "yes" || strict === "true";
}
