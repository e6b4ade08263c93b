/** Inputs made Pulumi secrets where the schema marks them, at any depth (core/secrets.ts). */
import * as pulumi from "@pulumi/pulumi";

type Inputs = Record<string, pulumi.Input<unknown> | undefined>;

function secretAt(value: pulumi.Input<unknown> | undefined, path: string[]): pulumi.Input<unknown> | undefined {
  if (value === undefined) return undefined;
  if (path.length === 0) return pulumi.secret(value);
  const [key, ...rest] = path;
  // A plain object is rebuilt as it is, so only the secret leaf is hidden; an Output can only be
  // rebuilt inside apply, where the leaf becomes a secret Output nested in the value (the SDK
  // serializes a nested Output with its secretness: still nothing in plain text).
  if (isPlainObject(value)) {
    const v = value as Record<string, pulumi.Input<unknown>>;
    return v[key] === undefined ? v : { ...v, [key]: secretAt(v[key], rest) };
  }
  return pulumi.output(value).apply((v) => {
    if (v === null || typeof v !== "object" || (v as Record<string, unknown>)[key] === undefined) return v;
    return { ...(v as Record<string, unknown>), [key]: secretAt((v as Record<string, unknown>)[key], rest) };
  });
}

function isPlainObject(v: unknown): boolean {
  return v !== null && typeof v === "object" && !pulumi.Output.isInstance(v) && !(v instanceof Promise) && !Array.isArray(v);
}

/** A copy of args with every value at one of the paths wrapped as a secret. */
export function withSecrets<T extends Inputs>(args: T, paths: string[][]): T {
  const out: Inputs = { ...args };
  for (const [key, ...rest] of paths) out[key] = secretAt(out[key], rest);
  return out as T;
}

/** Top-level secret keys, for additionalSecretOutputs (the engine marks nested outputs itself). */
export function topLevelSecrets(paths: string[][]): string[] {
  return paths.filter((p) => p.length === 1).map((p) => p[0]);
}
