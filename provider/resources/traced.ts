/**
 * With PULUMI_SEV_TRACE set (effects/trace.ts), each method of a provider runs as a named operation
 * (SevGuest.create, SevHost.check…) so the SSH exchanges it makes are recorded under it, and the
 * operation itself is recorded (start and end). Unset, the provider is returned as it is.
 */
import type * as pulumi from "@pulumi/pulumi";
import { during, span, tracing } from "../effects/trace";

const METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;

/** The resource's host as effects/ssh.ts labels it (user@address:port), from a host's or a guest's inputs. */
function hostOf(props: unknown): string {
  const p = (props ?? {}) as { host?: unknown; address?: unknown };
  const h = (typeof p.host === "object" && p.host ? p.host : p) as { address?: unknown; port?: unknown; user?: unknown };
  return typeof h.address === "string" ? `${typeof h.user === "string" ? h.user : "root"}@${h.address}:${typeof h.port === "number" ? h.port : 22}` : "-";
}

/** The resource a call is about: its id, else its name (guests) or address (hosts). */
function resourceOf(method: string, args: unknown[]): { resource?: string; props: unknown } {
  if (method === "check") return { props: args[1], resource: nameOf(args[1]) };
  if (method === "create") return { props: args[0], resource: nameOf(args[0]) };
  return { props: args[method === "diff" || method === "update" ? 2 : 1], resource: typeof args[0] === "string" ? args[0] : undefined };
}

function nameOf(props: unknown): string | undefined {
  const p = (props ?? {}) as { name?: unknown; address?: unknown };
  return typeof p.name === "string" ? p.name : typeof p.address === "string" ? p.address : undefined;
}

export function traced(type: string, impl: pulumi.dynamic.ResourceProvider): pulumi.dynamic.ResourceProvider {
  if (!tracing()) return impl;
  const out: Record<string, unknown> = { ...impl };
  for (const m of METHODS) {
    const fn = impl[m] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (!fn) continue;
    out[m] = (...args: unknown[]) => {
      const { resource, props } = resourceOf(m, args);
      const operation = `${type}.${m}`;
      return during({ operation, resource }, async () => {
        const s = span("operation", hostOf(props), operation);
        try {
          return await fn.apply(impl, args);
        } finally {
          s.end();
        }
      });
    };
  }
  return out as unknown as pulumi.dynamic.ResourceProvider;
}
