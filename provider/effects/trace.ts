/**
 * The SSH trace: for fleets far away, where every round trip taken in series is waited for. With
 * PULUMI_SEV_TRACE set to a file, each pulumi-sev process (the dynamic provider the engine starts,
 * sev-capacity) appends one JSON line to it per SSH exchange (a connection's set-up, an exec channel,
 * a lock hold and its release) and per resource operation (SevGuest.create, SevHost.check…): the
 * host, the operation it served, what it was for, when it started and ended, and when each of its
 * protocol steps was done. `bench/tools/round-trips.ts` reads it. Unset, nothing is recorded.
 */
import { AsyncLocalStorage } from "async_hooks";
import { appendFileSync } from "fs";
import { basename } from "path";

/** The resource operation an exchange is made for (the provider method and its resource). */
export interface Operation {
  operation: string;
  resource?: string;
}

export type SpanKind = "connect" | "exec" | "hold" | "release" | "operation";

export interface Span {
  /** This step of the exchange is done now (e.g. "opened": the channel is open and the command started). */
  step(name: string): void;
  end(fields?: Record<string, unknown>): void;
}

const current = new AsyncLocalStorage<Operation>();
const traceFile = () => process.env.PULUMI_SEV_TRACE || undefined;

export const tracing = (): boolean => traceFile() !== undefined;

/** Runs fn as part of the operation: the exchanges it makes (and those it starts) are recorded under it. */
export function during<T>(op: Operation, fn: () => T): T {
  return tracing() ? current.run(op, fn) : fn();
}

const now = () => performance.timeOrigin + performance.now();
const role = /dynamic-provider/.test(process.argv[1] ?? "") ? "provider" : basename(process.argv[1] ?? "node");
const NOTHING: Span = { step: () => undefined, end: () => undefined };

/** An exchange with a host (label: user@host:port) begun now; recorded when it ends. */
export function span(kind: SpanKind, host: string, purpose: string): Span {
  const file = traceFile();
  if (!file) return NOTHING;
  const start = now();
  const op = current.getStore();
  const steps: Record<string, number> = {};
  let ended = false;
  return {
    step: (name) => {
      if (!(name in steps)) steps[name] = Math.round((now() - start) * 100) / 100;
    },
    end: (fields) => {
      if (ended) return;
      ended = true;
      const line = {
        t: Math.round(start * 100) / 100,
        ms: Math.round((now() - start) * 100) / 100,
        kind,
        host,
        op: op?.operation ?? role,
        ...(op?.resource ? { resource: op.resource } : {}),
        purpose,
        steps,
        pid: process.pid,
        ...fields,
      };
      try {
        appendFileSync(file, JSON.stringify(line) + "\n");
      } catch {
        // A trace that cannot be written is not a reason to fail the operation.
      }
    },
  };
}
