/**
 * Loaded by the unit tier (ava.unit.config.mjs) before every test file: a test that starts a
 * process or opens a network connection fails there, with the module that tried named in the stack.
 * The tier's own test (test/ci/unit-tier.test.ts) runs it with PATH holding only node and no network.
 */
import childProcess from "child_process";
import net from "net";

function refuse(what: string): never {
  throw new Error(`the unit tier is hermetic: ${what} is not allowed here (move the test to a lab or engine tier)`);
}

const CHILD_PROCESS_CALLS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const;
for (const name of CHILD_PROCESS_CALLS) {
  Object.defineProperty(childProcess, name, { value: () => refuse(`child_process.${name}`), configurable: true, writable: true });
}
net.Socket.prototype.connect = function connect(): never {
  return refuse("a network connection (net.Socket.connect)");
};
