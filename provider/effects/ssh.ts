import { Client, ClientChannel, ConnectConfig } from "ssh2";
import { describeRefusal, HostKeyPolicy, sha256Fingerprint, verifyHostKey } from "./hostkeys";
import { commandLine } from "./shell";

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  privateKey?: string;
  passphrase?: string;
  /** Use the ssh-agent at SSH_AUTH_SOCK. */
  useAgent?: boolean;
  hostKey: HostKeyPolicy;
}

export interface SshTarget extends SshEndpoint {
  jump?: SshEndpoint;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface ExecOptions {
  stdin?: string;
  /** Run as root through `sudo -n` when the login user is not root (default true). */
  sudo?: boolean;
  /** A non-zero exit is returned, not thrown. */
  allowFailure?: boolean;
}

export class SshError extends Error {}

function label(e: SshEndpoint): string {
  return `${e.user}@${e.host}:${e.port}`;
}

function connectConfig(e: SshEndpoint, timeoutMs: number, seen: { fingerprint?: string }): ConnectConfig {
  const config: ConnectConfig = {
    host: e.host,
    port: e.port,
    username: e.user,
    readyTimeout: timeoutMs,
    hostVerifier: (key: Buffer) => {
      seen.fingerprint = sha256Fingerprint(key);
      return verifyHostKey(key, e.host, e.port, e.hostKey).ok;
    },
  };
  if (e.privateKey) config.privateKey = e.privateKey;
  if (e.passphrase) config.passphrase = e.passphrase;
  if (e.useAgent || !e.privateKey) config.agent = process.env.SSH_AUTH_SOCK;
  return config;
}

function hostKeyError(e: SshEndpoint, fingerprint: string): SshError {
  return new SshError(`${label(e)}: ${describeRefusal(fingerprint, e.host, e.port, e.hostKey)}`);
}

function connectOnce(e: SshEndpoint, timeoutMs: number, sock?: ClientChannel): Promise<Client> {
  const seen: { fingerprint?: string } = {};
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("ready", () => {
      if (seen.fingerprint) presented.set(client, seen.fingerprint);
      resolve(client);
    });
    // ssh2 may emit a second error after the first (a timeout, then "Connection lost before
    // handshake"): keep listening, so a late one is not an uncaught exception.
    client.on("error", (err: Error & { level?: string }) => {
      client.end();
      if (seen.fingerprint && /verification failed/i.test(err.message)) reject(hostKeyError(e, seen.fingerprint));
      else reject(new SshError(`${label(e)}: cannot connect: ${err.message}`));
    });
    client.connect({ ...connectConfig(e, timeoutMs, seen), ...(sock ? { sock } : {}) });
  });
}

function forward(jump: Client, to: SshEndpoint, jumpLabel: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    jump.forwardOut("127.0.0.1", 0, to.host, to.port, (err, stream) =>
      err ? reject(new SshError(`jump host ${jumpLabel} cannot reach ${to.host}:${to.port}: ${err.message}`)) : resolve(stream),
    ),
  );
}

async function connect(t: SshTarget): Promise<Client> {
  if (!t.jump) return connectOnce(t, t.connectTimeoutMs);
  const jump = await connectOnce(t.jump, t.connectTimeoutMs);
  const stream = await forward(jump, t, label(t.jump));
  const client = await connectOnce(t, t.connectTimeoutMs, stream).catch((err) => {
    jump.end();
    throw err;
  });
  client.once("close", () => jump.end());
  return client;
}

/** The host key each open connection was verified with. */
const presented = new WeakMap<Client, string>();

/** One connection per target per process, reused by every command. */
const pool = new Map<string, Promise<Client>>();

/** Same endpoint, same credentials and same host-key policy: only then is a connection shared. */
function poolKey(t: SshTarget): string {
  const identity = (e: SshEndpoint) =>
    [label(e), e.privateKey ?? "", e.passphrase ?? "", e.useAgent ?? "", e.hostKey.fingerprint ?? "", e.hostKey.knownHosts ?? "", e.hostKey.trustUnknown ?? "", e.hostKey.knownHostsFile ?? ""].join("\0");
  return sha256Fingerprint(Buffer.from(identity(t) + (t.jump ? "\0>" + identity(t.jump) : "")));
}

function connection(t: SshTarget): Promise<Client> {
  const key = poolKey(t);
  let c = pool.get(key);
  if (!c) {
    c = connect(t);
    pool.set(key, c);
    c.then(
      (client) => client.once("close", () => pool.delete(key)),
      () => pool.delete(key),
    );
  }
  return c;
}

export function closeAll(): void {
  for (const c of pool.values()) c.then((client) => client.end(), () => undefined);
  pool.clear();
}

function runChannel(client: Client, line: string, stdin: string | undefined, timeoutMs: number, what: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(line, (err, stream) => {
      if (err) return reject(new SshError(`${what}: cannot open a channel: ${err.message}`));
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      const timer = setTimeout(() => {
        stream.close();
        reject(new SshError(`${what}: no answer within ${Math.round(timeoutMs / 1000)}s`));
      }, timeoutMs);
      stream.on("data", (d: Buffer) => out.push(d));
      stream.stderr.on("data", (d: Buffer) => errs.push(d));
      stream.on("close", (code: number | null) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(errs).toString("utf8"), code });
      });
      stream.end(stdin ?? "");
    });
  });
}

/** Runs argv on the target; arguments are quoted, data goes on stdin. */
export async function exec(t: SshTarget, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const elevate = (opts.sudo ?? true) && t.user !== "root";
  const full = elevate ? ["sudo", "-n", "--", ...argv] : [...argv];
  const what = `${label(t)}: ${argv.slice(0, 3).join(" ")}`;
  const client = await connection(t);
  const result = await runChannel(client, commandLine(full), opts.stdin, t.commandTimeoutMs, what);
  if (elevate && /sudo: (a password is required|a terminal is required)/.test(result.stderr)) {
    throw new SshError(
      `${label(t)}: user ${t.user} needs passwordless sudo (NOPASSWD) to run ${argv[0]}; sudo asked for a password. ` +
        `Fix: add "${t.user} ALL=(root) NOPASSWD: ALL" (or a narrower rule) in /etc/sudoers.d/, or connect as root.`,
    );
  }
  if (result.code !== 0 && !opts.allowFailure) {
    throw new SshError(`${what} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result;
}


/** The SHA256 fingerprint of the key the target presented (and that was accepted). */
export async function hostKeyFingerprint(t: SshTarget): Promise<string> {
  return presented.get(await connection(t)) ?? "unknown";
}

/**
 * Runs argv and keeps its channel open until release() is called: with flock, the lock is held for
 * exactly that long, and is let go by the host if this process or its connection dies.
 */
export async function holdWhileOpen(t: SshTarget, argv: readonly string[], readyLine: string, timeoutMs: number): Promise<() => Promise<void>> {
  const client = await connection(t);
  const full = t.user !== "root" ? ["sudo", "-n", "--", ...argv] : [...argv];
  return new Promise((resolve, reject) => {
    client.exec(commandLine(full), (err, stream) => {
      if (err) return reject(new SshError(`${label(t)}: cannot open a channel: ${err.message}`));
      let out = "";
      let errText = "";
      let ready = false;
      const timer = setTimeout(() => {
        stream.close();
        reject(new SshError(`${label(t)}: ${argv[0]} did not get ready within ${Math.round(timeoutMs / 1000)}s`));
      }, timeoutMs);
      const closed = new Promise<void>((done) => stream.on("close", () => done()));
      stream.stderr.on("data", (d: Buffer) => (errText += d.toString()));
      stream.on("data", (d: Buffer) => {
        out += d.toString();
        if (!ready && out.split("\n").includes(readyLine)) {
          ready = true;
          clearTimeout(timer);
          resolve(async () => {
            stream.end();
            await closed;
          });
        }
      });
      stream.on("close", (code: number | null) => {
        clearTimeout(timer);
        if (!ready) reject(new SshError(`${label(t)}: ${argv.slice(0, 4).join(" ")} ended (exit ${code}) before getting ready: ${errText.trim()}`));
      });
    });
  });
}
