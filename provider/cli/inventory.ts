/**
 * The inventory file (YAML or JSON, schema/inventory.schema.json) and a stack's config that names
 * it. The schema first, then the rules a schema cannot say clearly; every problem is collected so
 * one message lists them all. Passphrases are resolved here and kept as secrets, never printed.
 */
import { readFileSync } from "fs";
import { homedir } from "os";
import { dirname, isAbsolute, join, resolve } from "path";
import { parseDocument } from "yaml";
import { InventoryHost, SevInventory } from "../generated/inventory";
import { SevHostInputs } from "../generated/sev-host";
import { InputProblem, schemaChecker } from "../core/validate";
import schema from "../../schema/inventory.schema.json";
import { UsageError } from "./args";
import { fromSshConfig } from "../host/ssh-config";
import { isObject } from "../core/json";

const checkSchema = schemaChecker<SevInventory>(schema);

/** The default of the example programs when a stack sets no `sev:inventory`. */
export const DEFAULT_STACK_INVENTORY = ".lab/inventory.json";

export interface ResolvedHost {
  name: string;
  inputs: SevHostInputs;
}

export interface LoadedInventory {
  file: string;
  hosts: ResolvedHost[];
  /** Values that must never reach the output (passphrases). */
  secrets: string[];
}

type Env = Record<string, string | undefined>;

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(what, [`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
}

/** JSON for *.json (exact error positions), YAML for everything else (YAML 1.2 reads JSON too). */
function parseData(text: string, file: string, what: string): unknown {
  if (/\.json$/i.test(file)) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new UsageError(what, [`not valid JSON: ${(err as Error).message}`]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0)
    throw new UsageError(
      what,
      doc.errors.map((e) => `not valid YAML: ${e.message.split("\n")[0]}`),
    );
  return doc.toJS();
}

/** `sev:inventory` of a stack config file, resolved against that file's folder. */
export function inventoryOfStackConfig(file: string): string {
  const what = `stack config ${file}`;
  const data = parseData(readText(file, what), file, what);
  const config = data !== null && typeof data === "object" ? (data as Record<string, unknown>).config : undefined;
  if (config !== undefined && (config === null || typeof config !== "object" || Array.isArray(config))) {
    throw new UsageError(what, ["config must be a map of keys to values"]);
  }
  const value = (config as Record<string, unknown> | undefined)?.["sev:inventory"];
  if (value !== undefined && typeof value !== "string") {
    throw new UsageError(what, ["sev:inventory must be a plain string (a file path), not a secret or an object"]);
  }
  return resolve(dirname(resolve(file)), value ?? DEFAULT_STACK_INVENTORY);
}

function hostLabel(raw: unknown, index: number): string {
  const name = isObject(raw) && typeof raw.name === "string" ? ` (${raw.name})` : "";
  return `hosts[${index}]${name}`;
}

/** A problem and the host it is about (-1: the file as a whole), to list them host by host. */
interface Located {
  host: number;
  text: string;
}

/** "hosts.2.port" + "hosts.2.port must be <= 65535" → "hosts[2] (rome): port must be <= 65535". */
function describeProblem(p: InputProblem, hosts: unknown[]): Located {
  const m = /^hosts\.(\d+)(?:\.(.+))?$/.exec(p.property);
  if (!m) return { host: -1, text: p.property === "" ? `the file must be a map with a hosts list (${p.reason})` : p.reason };
  const field = m[2] ?? "";
  const reason = p.reason.startsWith(`${p.property} `) ? `${field || "host"} ${p.reason.slice(p.property.length + 1)}` : p.reason;
  const host = Number(m[1]);
  return { host, text: `${hostLabel(hosts[host], host)}: ${reason}` };
}

function expandPath(path: string, base: string): string {
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(base, path);
}

interface HostCredentials {
  privateKey?: string;
  passphrase?: string;
}

/** The rules beyond the schema, on whatever fields have the right type; also reads keys and env. */
function hostProblems(raw: unknown, base: string, env: Env): { problems: string[]; credentials: HostCredentials } {
  const problems: string[] = [];
  const credentials: HostCredentials = {};
  if (!isObject(raw)) return { problems, credentials };
  const keyPath = typeof raw.privateKeyPath === "string" && raw.privateKeyPath !== "" ? raw.privateKeyPath : undefined;
  const useAgent = raw.useAgent === true;
  const viaConfig = raw.sshConfig !== undefined && raw.sshConfig !== false;
  if (raw.privateKeyPath === undefined && !useAgent && !viaConfig) problems.push("privateKeyPath, useAgent: true or sshConfig is required to log in");
  if (raw.passphrase !== undefined && raw.passphraseEnv !== undefined) {
    problems.push("give passphrase or passphraseEnv, not both (passphraseEnv is preferred)");
  }
  if ((raw.passphrase !== undefined || raw.passphraseEnv !== undefined) && raw.privateKeyPath === undefined && !viaConfig) {
    problems.push(`${raw.passphrase !== undefined ? "passphrase" : "passphraseEnv"} is given without privateKeyPath`);
  }
  if (keyPath) {
    const file = expandPath(keyPath, base);
    try {
      credentials.privateKey = readFileSync(file, "utf8");
    } catch (err) {
      problems.push(`privateKeyPath: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (typeof raw.passphraseEnv === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(raw.passphraseEnv)) {
    const value = env[raw.passphraseEnv];
    if (value === undefined) problems.push(`passphraseEnv: the environment variable ${raw.passphraseEnv} is not set`);
    else credentials.passphrase = value;
  } else if (typeof raw.passphrase === "string") {
    credentials.passphrase = raw.passphrase;
  }
  if (useAgent && !env.SSH_AUTH_SOCK) problems.push("useAgent: SSH_AUTH_SOCK is not set (no ssh-agent to use)");
  return { problems, credentials };
}

function inputsOf(h: InventoryHost, c: HostCredentials): SevHostInputs {
  const inputs: SevHostInputs = { address: h.address };
  if (h.port !== undefined) inputs.port = h.port;
  if (h.user !== undefined) inputs.user = h.user;
  if (c.privateKey !== undefined) inputs.privateKey = c.privateKey;
  if (c.passphrase !== undefined) inputs.privateKeyPassphrase = c.passphrase;
  if (h.useAgent !== undefined) inputs.useAgent = h.useAgent;
  if (h.hostKeyFingerprint !== undefined) inputs.hostKeyFingerprint = h.hostKeyFingerprint;
  if (h.knownHosts !== undefined) inputs.knownHosts = h.knownHosts;
  if (h.libvirtUri !== undefined) inputs.libvirtUri = h.libvirtUri;
  if (h.maxGuests !== undefined) inputs.maxGuests = { ...h.maxGuests };
  return h.sshConfig === undefined || h.sshConfig === false ? inputs : withSshConfig(inputs, h.sshConfig);
}

/** The inputs the host's ssh config gives, under the ones the inventory gives (sshConfig, as SevHost does). */
function withSshConfig(inputs: SevHostInputs, sshConfig: boolean | string): SevHostInputs {
  const given = {
    privateKey: inputs.privateKey !== undefined,
    hostKey: inputs.hostKeyFingerprint !== undefined || inputs.knownHosts !== undefined,
    trustUnknownHostKey: false,
    jumpHost: false,
  };
  const found = fromSshConfig({
    address: inputs.address,
    sshConfig,
    port: inputs.port,
    user: inputs.user,
    privateKeyPassphrase: inputs.privateKeyPassphrase,
    given,
  });
  const defined = Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined));
  return { ...found, ...defined, address: found.address };
}

function resolvedInputs(h: InventoryHost, i: number, c: HostCredentials, what: string): SevHostInputs {
  try {
    return inputsOf(h, c);
  } catch (err) {
    throw new UsageError(what, [`${hostLabel(h, i)}: ${(err as Error).message}`]);
  }
}

export function loadInventory(path: string, env: Env = process.env): LoadedInventory {
  const file = resolve(path);
  const what = `inventory ${file}`;
  const data = parseData(readText(file, what), file, what);
  const rawHosts = isObject(data) && Array.isArray(data.hosts) ? data.hosts : [];
  const result = checkSchema(data);
  const problems: Located[] = result.ok ? [] : result.problems.map((p) => describeProblem(p, rawHosts));

  const seen = new Map<string, number>();
  const credentials: HostCredentials[] = [];
  rawHosts.forEach((raw, i) => {
    if (isObject(raw) && typeof raw.name === "string") {
      const first = seen.get(raw.name);
      if (first !== undefined) problems.push({ host: i, text: `${hostLabel(raw, i)}: name ${JSON.stringify(raw.name)} is already used by hosts[${first}]` });
      else seen.set(raw.name, i);
    }
    const checked = hostProblems(raw, dirname(file), env);
    problems.push(...checked.problems.map((p) => ({ host: i, text: `${hostLabel(raw, i)}: ${p}` })));
    credentials.push(checked.credentials);
  });
  if (problems.length > 0 || !result.ok) {
    throw new UsageError(
      what,
      [...problems].sort((a, b) => a.host - b.host).map((p) => p.text),
    );
  }

  const hosts = result.value.hosts.map((h, i) => ({ name: h.name, inputs: resolvedInputs(h, i, credentials[i], what) }));
  const secrets = credentials.map((c) => c.passphrase).filter((s): s is string => typeof s === "string" && s.length > 0);
  return { file, hosts, secrets: [...new Set(secrets)] };
}
