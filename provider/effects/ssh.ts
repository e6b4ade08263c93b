import { AgentAuthMethod, Client, ClientChannel, ConnectConfig, PublicKeyAuthMethod } from "ssh2";
import { describeRefusal, HostKeyPolicy, verifyHostKey } from "./hostkeys";
import { sha256Fingerprint } from "../core/known-hosts";
import { commandLine } from "../core/shell";
import { Budget, COMMAND_CHANNELS, LOCK_CHANNELS } from "./channels";
import { parsedKey } from "./keys";
import { Span, span } from "./trace";

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
  /** What the command is for, in an operator's words (errors name it beside the command). */
  purpose?: string;
  /** Run as root through `sudo -n` when the login user is not root (default true). */
  sudo?: boolean;
  /** A non-zero exit is returned, not thrown. */
  allowFailure?: boolean;
  /** Sees stdout as it comes, before the command ends (a step of a longer command is done). */
  onStdout?: (data: Buffer) => void;
}

export class SshError extends Error {
  /** The command's exit status and error output, when it ended before doing what was waited for. */
  exitCode?: number | null;
  stderr?: string;
  /**
   * The command may have run, or may still be running: the connection was lost, the wait ran out,
   * or the channel closed without an exit status. Only a reported exit status says it failed.
   */
  outcomeUnknown?: boolean;
  /**
   * The host could not be reached or did not answer in time (refused or timed-out connection, lost
   * connection, command timeout); not a refusal by the host (its key, sudo, a command's failure).
   */
  unreachable?: boolean;
}

function unknownOutcome(message: string): SshError {
  const err = unreachableError(message);
  err.outcomeUnknown = true;
  return err;
}

function unreachableError(message: string): SshError {
  const err = new SshError(message);
  err.unreachable = true;
  return err;
}

/**
 * A host that stops answering (frozen, powered off behind a balancer) is noticed by keepalives
 * within about KEEPALIVE_INTERVAL_MS * (KEEPALIVE_COUNT_MAX + 1), whatever the command timeouts.
 */
const KEEPALIVE_INTERVAL_MS = 5_000;
const KEEPALIVE_COUNT_MAX = 2;
/** The host's own `timeout` stops a command at the deadline; the local timer is the backstop. */
const LOCAL_GRACE_MS = 5_000;

export function label(e: SshEndpoint): string {
  return `${e.user}@${e.host}:${e.port}`;
}

function connectConfig(e: SshEndpoint, timeoutMs: number, seen: { fingerprint?: string }): ConnectConfig {
  const config: ConnectConfig = {
    host: e.host,
    port: e.port,
    username: e.user,
    readyTimeout: timeoutMs,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    hostVerifier: (key: Buffer) => {
      seen.fingerprint = sha256Fingerprint(key);
      return verifyHostKey(key, e.host, e.port, e.hostKey).ok;
    },
  };
  // The key is handed over parsed (decrypted once per process, keys.ts): ssh2 takes a parsed key
  // only through an explicit list of auth methods.
  const methods: (PublicKeyAuthMethod | AgentAuthMethod)[] = [];
  if (e.privateKey) methods.push({ type: "publickey", username: e.user, key: parsedKey(e.privateKey, e.passphrase, label(e)) });
  const agent = process.env.SSH_AUTH_SOCK;
  if ((e.useAgent || !e.privateKey) && agent) methods.push({ type: "agent", username: e.user, agent });
  config.authHandler = methods;
  return config;
}

function hostKeyError(e: SshEndpoint, fingerprint: string): SshError {
  return new SshError(`${label(e)}: ${describeRefusal(fingerprint, e.host, e.port, e.hostKey)}`);
}

function connectOnce(e: SshEndpoint, timeoutMs: number, sock?: ClientChannel): Promise<Client> {
  const seen: { fingerprint?: string } = {};
  return new Promise<Client>((resolve, reject) => {
    const config = connectConfig(e, timeoutMs, seen); // the key is decrypted here, the first time: not a round trip
    const traced = span("connect", label(e), sock ? "connection through the jump host" : "connection");
    const client = new Client();
    // The trace's steps: TCP connected, key exchange done (host key verified), authenticated.
    client.once("connect", () => traced.step("tcp"));
    client.once("handshake", () => traced.step("handshake"));
    client.once("ready", () => {
      if (seen.fingerprint) presented.set(client, seen.fingerprint);
      traced.end();
      resolve(client);
    });
    // ssh2 may emit a second error after the first (a timeout, then "Connection lost before
    // handshake"): keep listening, so a late one is not an uncaught exception.
    client.on("error", (err: Error & { level?: string }) => {
      traced.end({ error: err.message });
      client.end();
      if (seen.fingerprint && /verification failed/i.test(err.message)) reject(hostKeyError(e, seen.fingerprint));
      else if (err.level === "client-authentication") reject(new SshError(`${label(e)}: cannot connect: ${err.message}`));
      else reject(unreachableError(`${label(e)}: cannot connect: ${err.message}`));
    });
    client.on("close", () => {
      traced.end({ error: "closed during the handshake" });
      reject(unreachableError(`${label(e)}: the connection closed during the handshake`));
    });
    client.connect({ ...config, ...(sock ? { sock } : {}) });
    // Without it every request (a channel open, an exec) stalls on Nagle's algorithm against the
    // server's delayed ACK: about 40 ms each, 88 ms per exec channel measured on a lab host.
    client.setNoDelay(true);
  });
}

function forward(jump: Client, to: SshEndpoint, jumpLabel: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    jump.forwardOut("127.0.0.1", 0, to.host, to.port, (err, stream) =>
      err ? reject(unreachableError(`jump host ${jumpLabel} cannot reach ${to.host}:${to.port}: ${err.message}`)) : resolve(stream),
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
const budgets = new WeakMap<Client, { commands: Budget; locks: Budget }>();

function budgetOf(client: Client): { commands: Budget; locks: Budget } {
  let b = budgets.get(client);
  if (!b) budgets.set(client, (b = { commands: new Budget(COMMAND_CHANNELS), locks: new Budget(LOCK_CHANNELS) }));
  return b;
}

/** Same endpoint, same credentials and same host-key policy: only then is a connection shared. */
function poolKey(t: SshTarget): string {
  const identity = (e: SshEndpoint) =>
    [
      label(e),
      e.privateKey ?? "",
      e.passphrase ?? "",
      e.useAgent ?? "",
      e.hostKey.fingerprint ?? "",
      e.hostKey.knownHosts ?? "",
      e.hostKey.trustUnknown ?? "",
      e.hostKey.knownHostsFile ?? "",
    ].join("\0");
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
  for (const c of pool.values())
    c.then(
      (client) => client.end(),
      () => undefined,
    );
  pool.clear();
}

/** How long to wait before asking again for a channel the server refused. */
const REOPEN_DELAYS_MS = [100, 200, 400, 800];

/**
 * client.exec, asked again when the server refuses the channel: OpenSSH counts a session until its
 * close is done on its side, so a channel asked for just after another closed can find MaxSessions
 * still full (seen on a loaded host). A refused channel ran nothing, so asking again is safe; the
 * caller's deadline still bounds the whole wait.
 */
function openExec(client: Client, line: string, done: (err: Error | undefined, channel: ClientChannel) => void, attempt = 0): void {
  client.exec(line, (err, channel) => {
    if (err && /open failed|Channel open failure/i.test(err.message) && attempt < REOPEN_DELAYS_MS.length) {
      setTimeout(() => openExec(client, line, done, attempt + 1), REOPEN_DELAYS_MS[attempt]);
      return;
    }
    done(err, channel);
  });
}

/**
 * One exec channel, bounded from the moment it is asked for: a channel that never opens (a frozen
 * host) fails as surely as a command that never ends. A connection that dies fails it at once.
 */
function runChannel(
  client: Client,
  line: string,
  stdin: string | undefined,
  timeoutMs: number,
  what: string,
  traced: Span,
  onStdout?: (data: Buffer) => void,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let stream: ClientChannel | undefined;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.off("close", lost);
      traced.end({ stdin: stdin ? Buffer.byteLength(stdin) : 0 });
      fn();
    };
    const expire = () =>
      settle(() => {
        stream?.close();
        reject(
          unknownOutcome(
            `${what}: no answer within ${Math.round(timeoutMs / 1000)}s (${stream ? "the command did not finish" : "the host did not open a channel"}); the host may be frozen or overloaded`,
          ),
        );
      });
    // Until the channel opens nothing on the host bounds the wait; after, the host's own timeout
    // does, and this timer allows it a grace period to report.
    let timer = setTimeout(expire, timeoutMs);
    const lost = () =>
      settle(() => reject(unknownOutcome(`${what}: the connection was lost (the host stopped answering keepalives or closed the connection)`)));
    client.once("close", lost);
    openExec(client, line, (err, opened) => {
      if (err) return settle(() => reject(new SshError(`${what}: cannot open a channel: ${err.message}`)));
      if (settled) return opened.close();
      stream = opened;
      traced.step("opened");
      clearTimeout(timer);
      timer = setTimeout(expire, timeoutMs + LOCAL_GRACE_MS);
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      opened.on("data", (d: Buffer) => {
        traced.step("output");
        out.push(d);
        onStdout?.(d);
      });
      opened.stderr.on("data", (d: Buffer) => errs.push(d));
      opened.on("close", (code: number | null) =>
        settle(() => resolve({ stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(errs).toString("utf8"), code })),
      );
      // Not sooner: sshd opens the channel with no window and grants one as it accepts the exec, so a
      // command that reads stdin costs one round trip more than one that does not.
      opened.end(stdin ?? "");
    });
  });
}

/** How an error names a command: enough to recognise it, never its stdin. */
function describeCommand(t: SshTarget, argv: readonly string[], purpose?: string): string {
  const shown = argv.join(" ");
  const cut = shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
  return `${label(t)}: \`${cut}\`${purpose ? ` (${purpose})` : ""}`;
}

/** The error for a login user whose sudo asks for a password; null when sudo did not refuse. */
export function sudoRefusal(t: SshTarget, command: string, stderr: string): string | null {
  if (!/sudo: (a password is required|a terminal is required)/.test(stderr)) return null;
  return (
    `${label(t)}: user ${t.user} needs passwordless sudo (NOPASSWD) to run ${command}; sudo asked for a password. ` +
    `Fix: add "${t.user} ALL=(root) NOPASSWD: ALL" (or a narrower rule) in /etc/sudoers.d/, or connect as root.`
  );
}

/** coreutils timeout's exit status when it stopped the command. */
const TIMED_OUT = 124;

/** Runs argv on the target; arguments are quoted, data goes on stdin. */
export async function exec(t: SshTarget, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const elevate = (opts.sudo ?? true) && t.user !== "root";
  const seconds = Math.max(1, Math.ceil(t.commandTimeoutMs / 1000));
  // The host stops the command itself at the deadline, so nothing hung is left running there.
  // timeout runs outside sudo (sudo relays its signal), so sudoers can name the exact commands.
  const full = ["timeout", "-k", "5", String(seconds), ...(elevate ? ["sudo", "-n", "--"] : []), ...argv];
  const what = describeCommand(t, argv, opts.purpose);
  const traced = span("exec", label(t), opts.purpose ?? (argv[0] === "virsh" ? `virsh ${argv[3] ?? ""}` : argv[0]));
  const client = await connection(t).catch((err: Error) => {
    traced.end({ error: err.message });
    throw err;
  });
  traced.step("connected");
  const release = await budgetOf(client).commands.take();
  traced.step("channel");
  const result = await runChannel(client, commandLine(full), opts.stdin, seconds * 1000, what, traced, opts.onStdout).finally(release);
  if (result.code === TIMED_OUT) throw unknownOutcome(`${what}: did not finish within ${seconds}s and was stopped on the host (commandTimeoutSeconds)`);
  if (result.code === null) throw unknownOutcome(`${what}: the channel closed without an exit status (the session on the host ended while the command ran)`);
  const refused = elevate ? sudoRefusal(t, argv[0], result.stderr) : null;
  if (refused) throw new SshError(refused);
  if (result.code !== 0 && !opts.allowFailure) {
    throw new SshError(`${what} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim() || "no output"}`);
  }
  return result;
}

/** The SHA256 fingerprint of the key the target presented (and that was accepted). */
export async function hostKeyFingerprint(t: SshTarget): Promise<string> {
  return presented.get(await connection(t)) ?? "unknown";
}

/** When a held command is ready, judged on its output so far, and how the trace names it. */
export interface ReadyWhen {
  what: string;
  seen(out: string): boolean;
}

/**
 * Runs argv and keeps its channel open until release() is called: with flock, the lock is held for
 * exactly that long, and is let go by the host if this process or its connection dies. Bounded
 * like any command: the channel must open and argv's output must be ready (ready.seen) within
 * timeoutMs. What argv printed until then goes to printed.
 */
export async function holdWhileOpen(
  t: SshTarget,
  argv: readonly string[],
  ready: ReadyWhen,
  timeoutMs: number,
  printed?: (text: string) => void,
): Promise<() => Promise<void>> {
  const traced = span("hold", label(t), ready.what);
  const client = await connection(t).catch((err: Error) => {
    traced.end({ error: err.message });
    throw err;
  });
  traced.step("connected");
  const full = t.user !== "root" ? ["sudo", "-n", "--", ...argv] : [...argv];
  const releaseChannel = await budgetOf(client).locks.take();
  traced.step("channel");
  return new Promise<() => Promise<void>>((resolve, reject) => {
    let stream: ClientChannel | undefined;
    let errText = "";
    const fail = (why: string, exitCode?: number | null) => {
      clearTimeout(timer);
      client.off("close", lost);
      stream?.close();
      releaseChannel();
      traced.end({ error: why });
      const err = new SshError(`${label(t)}: \`${argv.slice(0, 4).join(" ")}\` ${why}`);
      err.exitCode = exitCode;
      err.stderr = errText;
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          `did not get ready within ${Math.round(timeoutMs / 1000)}s (${stream ? `still waiting${errText.trim() ? `: ${errText.trim()}` : ""}` : "the host did not open a channel"})`,
        ),
      timeoutMs,
    );
    const lost = () => fail("lost its connection (the host stopped answering keepalives or closed the connection)");
    client.once("close", lost);
    openExec(client, commandLine(full), (err, opened) => {
      if (err) return fail(`could not open a channel: ${err.message}`);
      stream = opened;
      traced.step("opened");
      let out = "";
      let held = false;
      const closed = new Promise<void>((done) => opened.on("close", () => done()));
      opened.stderr.on("data", (d: Buffer) => (errText += d.toString()));
      opened.on("data", (d: Buffer) => {
        out += d.toString();
        if (held || !ready.seen(out)) return;
        held = true;
        printed?.(out);
        clearTimeout(timer);
        client.off("close", lost);
        traced.end();
        resolve(async () => {
          const letGo = span("release", label(t), ready.what);
          opened.end();
          await closed;
          letGo.end();
          releaseChannel();
        });
      });
      opened.on("close", (code: number | null) => {
        if (!held) fail(`ended (exit ${code}) before getting ready: ${errText.trim() || "no output"}`, code);
      });
    });
  });
}
