/**
 * SevHost's sshConfig: the inputs an OpenSSH client config gives a host alias, read where the
 * program runs (the SevHost class, sev-capacity's inventory). Explicit inputs win; the key read
 * through IdentityFile is returned for the caller to keep secret and never appears in the report.
 */
import { readFileSync } from "fs";
import { homedir, userInfo } from "os";
import { SshConfigResolved, SshEndpoint as EndpointInputs } from "../generated/sev-host";
import { JumpSpec, LocalContext, refusesUnknownKeys, SshConfigHost, sshConfigFor } from "../core/ssh-config";
import { knownHostsLinesFor } from "../core/known-hosts";

export interface SshConfigQuery {
  address: string;
  sshConfig: boolean | string;
  /** Values given explicitly: they win over the file. */
  port?: number;
  user?: string;
  privateKeyPassphrase?: string;
  /** Which other inputs were given explicitly (their values are not needed). */
  given: { privateKey: boolean; hostKey: boolean; trustUnknownHostKey: boolean; jumpHost: boolean };
}

/** The inputs taken from the file (only those not given explicitly) and the report of what was taken. */
export interface FromSshConfig {
  address: string;
  port?: number;
  user?: string;
  privateKey?: string;
  knownHosts?: string;
  trustUnknownHostKey?: boolean;
  jumpHost?: EndpointInputs;
  sshConfigResolved: SshConfigResolved;
}

function localContext(): LocalContext {
  const home = homedir();
  let localUser = process.env.USER ?? "";
  try {
    localUser = userInfo().username;
  } catch {
    // no passwd entry: $USER, as ssh would fail to say otherwise
  }
  return { home, localUser };
}

export function configFile(sshConfig: boolean | string, ctx: LocalContext): string {
  if (sshConfig === true) return `${ctx.home}/.ssh/config`;
  const f = String(sshConfig);
  return f === "~" || f.startsWith("~/") ? ctx.home + f.slice(1) : f;
}

function readConfig(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`sshConfig: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The first IdentityFile that exists, as ssh tries them in order. */
function firstKey(files: string[]): { file: string; key: string } | undefined {
  for (const file of files) {
    try {
      return { file, key: readFileSync(file, "utf8") };
    } catch {
      // ssh skips an identity file it cannot read; so do we, and say so if none is left
    }
  }
  return undefined;
}

/** This host's lines of the UserKnownHostsFile(s); a file that is missing has none. */
function knownHostsLines(files: string[], host: string, port: number): string[] {
  return files.flatMap((f) => {
    let text = "";
    try {
      text = readFileSync(f, "utf8");
    } catch {
      return [];
    }
    return knownHostsLinesFor(text, host, port);
  });
}

function noKnownKey(who: string, files: string[], host: string, port: number): Error {
  const at = port === 22 ? host : `[${host}]:${port}`;
  return new Error(
    `sshConfig: ${who}: UserKnownHostsFile ${files.join(" ")} has no key for ${at}, and an unknown host key is refused. ` +
      `Fix: add it (ssh-keyscan -p ${port} ${host} >> ${files[0]}), or pin hostKeyFingerprint.`,
  );
}

function keyOf(h: SshConfigHost, who: string): { file: string; key: string } | undefined {
  if (h.identityFiles.length === 0) return undefined;
  const found = firstKey(h.identityFiles);
  if (!found) throw new Error(`sshConfig: ${who}: no IdentityFile can be read (${h.identityFiles.join(", ")})`);
  return found;
}

/** The jump host of ProxyJump, resolved through the same file as ssh -J does (one hop). */
function jumpOf(text: string, spec: JumpSpec, ctx: LocalContext, passphrase: string | undefined): { endpoint: EndpointInputs; label: string } {
  const h = sshConfigFor(text, spec.address, ctx);
  if (h.proxyJump) throw new Error(`sshConfig: the jump host ${spec.address} has a ProxyJump of its own; SevHost takes one jump host`);
  const port = spec.port ?? h.port ?? 22;
  const user = spec.user ?? h.user;
  const key = keyOf(h, `jump host ${spec.address}`);
  const lines = h.userKnownHostsFiles.length > 0 ? knownHostsLines(h.userKnownHostsFiles, h.hostName, port) : undefined;
  if (lines && lines.length === 0) throw noKnownKey(`jump host ${spec.address}`, h.userKnownHostsFiles, h.hostName, port);
  const endpoint: EndpointInputs = {
    address: h.hostName,
    ...(port !== 22 ? { port } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(key ? { privateKey: key.key, ...(passphrase !== undefined ? { privateKeyPassphrase: passphrase } : {}) } : {}),
    ...(lines ? { knownHosts: lines.join("\n") } : {}),
  };
  return { endpoint, label: `${user !== undefined ? `${user}@` : ""}${h.hostName}${port !== 22 ? `:${port}` : ""}` };
}

/** The inputs the file gives `q.address`, leaving out every one given explicitly. */
export function fromSshConfig(q: SshConfigQuery): FromSshConfig {
  const ctx = localContext();
  const file = configFile(q.sshConfig, ctx);
  const text = readConfig(file);
  const h = sshConfigFor(text, q.address, ctx);
  const out: FromSshConfig = { address: h.hostName, sshConfigResolved: { file, alias: q.address, applied: [], hostName: h.hostName } };
  const report = out.sshConfigResolved;
  const applied = (input: string) => report.applied.push(input);
  const ignored = (what: string) => (report.ignored ??= []).push(what);
  if (h.hostName !== q.address) applied("address");
  if (h.port !== undefined && q.port !== undefined) ignored(`Port ${h.port}: port is given`);
  else if (h.port !== undefined) {
    out.port = report.port = h.port;
    applied("port");
  }
  if (h.user !== undefined && q.user !== undefined) ignored(`User ${h.user}: user is given`);
  else if (h.user !== undefined) {
    out.user = report.user = h.user;
    applied("user");
  }
  if (q.given.privateKey) {
    if (h.identityFiles.length > 0) ignored("IdentityFile: privateKey is given");
  } else {
    const key = keyOf(h, q.address);
    if (key) {
      [out.privateKey, report.identityFile] = [key.key, key.file];
      applied("privateKey");
    }
  }
  knownHostsInto(out, h, q, ignored, applied);
  strictInto(out, h, q, ignored, applied);
  if (h.proxyJump) {
    if (q.given.jumpHost) ignored("ProxyJump: jumpHost is given");
    else {
      const jump = jumpOf(text, h.proxyJump, ctx, q.privateKeyPassphrase);
      [out.jumpHost, report.proxyJump] = [jump.endpoint, jump.label];
      applied("jumpHost");
    }
  }
  return out;
}

function knownHostsInto(out: FromSshConfig, h: SshConfigHost, q: SshConfigQuery, ignored: (w: string) => void, applied: (i: string) => void): void {
  if (h.userKnownHostsFiles.length === 0) return;
  out.sshConfigResolved.userKnownHostsFile = h.userKnownHostsFiles;
  if (q.given.hostKey) return ignored("UserKnownHostsFile: hostKeyFingerprint or knownHosts is given");
  const port = q.port ?? h.port ?? 22;
  const lines = knownHostsLines(h.userKnownHostsFiles, h.hostName, port);
  if (lines.length > 0) {
    out.knownHosts = lines.join("\n");
    return applied("knownHosts");
  }
  if (!q.given.trustUnknownHostKey) throw noKnownKey(q.address, h.userKnownHostsFiles, h.hostName, port);
}

function strictInto(out: FromSshConfig, h: SshConfigHost, q: SshConfigQuery, ignored: (w: string) => void, applied: (i: string) => void): void {
  const strict = h.strictHostKeyChecking;
  if (strict === undefined) return;
  out.sshConfigResolved.strictHostKeyChecking = strict;
  if (!refusesUnknownKeys(strict)) return ignored(`StrictHostKeyChecking ${strict}: looser than pulumi-sev's, which refuses an unknown host key`);
  if (q.given.trustUnknownHostKey) return ignored(`StrictHostKeyChecking ${strict}: trustUnknownHostKey is given`);
  out.trustUnknownHostKey = false;
  applied("trustUnknownHostKey");
}
