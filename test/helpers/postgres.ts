/**
 * A throwaway PostgreSQL server for one test file: Debian's server binaries (installed by
 * scripts/setup.sh), a new cluster in a temporary folder, listening on 127.0.0.1 only, with one
 * database and one password-protected role for Pulumi's postgres:// state backend. Stopped and
 * removed by stop().
 */
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";
import { freePort } from "../../lab/lab";

const run = promisify(execFile);

/** Bounded waits: pg_ctl's own timeout for start and stop, and a cap on every client call. */
const PG_CTL_WAIT_S = 30;
const CLIENT_TIMEOUT_MS = 30_000;

export interface Postgres {
  port: number;
  database: string;
  user: string;
  password: string;
  /** The connection URL for `pulumi login` / PULUMI_BACKEND_URL. */
  backendUrl: string;
  /** The same without the password, which then comes from PGPASSWORD. */
  backendUrlWithoutPassword: string;
  /** Runs one SQL statement as the backend's role over TCP; the rows as psql prints them unaligned (-At). */
  query(sql: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest PostgreSQL server Debian installed under /usr/lib/postgresql/<version>/bin. */
export function serverBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root}: scripts/setup.sh installs the postgresql package`);
  return join(root, versions[0], "bin");
}

/** PostgreSQL refuses to run as root: as root, the server and its tools run as the Debian package's postgres user. */
async function serverUser(): Promise<{ uid: number; gid: number; prefix: string[] } | null> {
  if (process.getuid?.() !== 0) return null;
  const id = async (flag: string) => Number((await run("id", [flag, "postgres"], { timeout: CLIENT_TIMEOUT_MS })).stdout.trim());
  return { uid: await id("-u"), gid: await id("-g"), prefix: ["runuser", "-u", "postgres", "--"] };
}

export async function startPostgres(): Promise<Postgres> {
  const bin = serverBinDir();
  const owner = await serverUser();
  const dir = mkdtempSync(join(tmpdir(), "sev-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const asServer = (tool: string, args: string[]) => {
    const argv = [...(owner?.prefix ?? []), join(bin, tool), ...args];
    return run(argv[0], argv.slice(1), { timeout: (PG_CTL_WAIT_S + 15) * 1000, maxBuffer: 16 << 20 });
  };
  const ctl = (args: string[]) => asServer("pg_ctl", ["-D", data, "-w", "-t", String(PG_CTL_WAIT_S), ...args]);

  let started = false;
  let port = 0;
  try {
    await asServer("initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--no-locale",
      "--no-sync",
      "--no-instructions",
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
    ]);
    // Settings go into the config file rather than pg_ctl -o, which passes its options through a shell.
    appendFileSync(
      join(data, "postgresql.conf"),
      [
        "",
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "",
      ].join("\n"),
    );
    // The free port can be taken between the check and the start: a few tries, each bounded.
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      appendFileSync(join(data, "postgresql.conf"), `port = ${port}\n`);
      try {
        await ctl(["-l", log, "start"]);
        started = true;
      } catch (err) {
        if (attempt === 2) throw err;
      }
    }

    const user = "sev_state";
    const database = "sev_state";
    const password = randomBytes(18).toString("hex");
    // As the cluster's superuser over its own socket (trust); the password travels as a psql variable, quoted by psql.
    const admin = [
      ...(owner?.prefix ?? []),
      join(bin, "psql"),
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      dir,
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-v",
      `pw=${password}`,
    ];
    await new Promise<void>((resolve, reject) => {
      const child = execFile(admin[0], admin.slice(1), { timeout: CLIENT_TIMEOUT_MS }, (err, _out, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
      );
      child.stdin!.end(`CREATE ROLE ${user} LOGIN PASSWORD :'pw';\nCREATE DATABASE ${database} OWNER ${user};\n`);
    });

    const backendUrlWithoutPassword = `postgres://${user}@127.0.0.1:${port}/${database}?sslmode=disable&connect_timeout=10`;
    const backendUrl = backendUrlWithoutPassword.replace(`${user}@`, `${user}:${password}@`);
    const query = async (sql: string) =>
      (
        await run(join(bin, "psql"), ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-c", sql], {
          env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" },
          timeout: CLIENT_TIMEOUT_MS,
          maxBuffer: 256 << 20,
        })
      ).stdout;
    let stopped = false;
    return {
      port,
      database,
      user,
      password,
      backendUrl,
      backendUrlWithoutPassword,
      query,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        try {
          await ctl(["-m", "fast", "stop"]);
        } catch {
          await ctl(["-m", "immediate", "stop"]).catch(() => undefined);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    const serverLog = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-20).join("\n") : "";
    if (started) await ctl(["-m", "immediate", "stop"]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}${serverLog ? `\nserver log:\n${serverLog}` : ""}`);
  }
}
