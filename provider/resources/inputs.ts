/** Shared by the dynamic providers: what the engine adds to inputs, and change detection. */

/** Where the first SevHost carries every host of the program, for the provider only (never stored). */
export const FLEET_KEY = "__fleet";

/**
 * The engine adds its own keys (the serialized provider, "__provider"), and so does FLEET_KEY: they
 * are not user input. A null is an input left unset by an output that resolved to nothing (sshConfig's).
 */
export function userInputs(news: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(news).filter(([k, v]) => !k.startsWith("__") && v !== null));
}

export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Input keys (of a schema's properties) whose values differ. */
export function changedKeys<T extends object>(keys: readonly (keyof T)[], olds: T, news: T): (keyof T)[] {
  return keys.filter((k) => !same(olds[k], news[k]));
}

export function pick<T extends object>(keys: readonly (keyof T)[], o: T): T {
  const picked: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) picked[k] = o[k];
  return picked as T;
}

/**
 * Check failures as the engine wants them. The engine prints the value of the property a failure
 * names, so a failure never names a property that holds or contains credentials: its reason says
 * which input it is about instead.
 */
export function checkFailures(problems: { property: string; reason: string }[]): { property: string; reason: string }[] {
  const holdsSecrets = /(^|\.)(host|jumpHost|privateKey|privateKeyPassphrase|cloudInit|userData|launchSecret)(\.|$)/;
  return problems.map((p) => ({ property: holdsSecrets.test(p.property) ? "" : p.property, reason: p.reason }));
}
