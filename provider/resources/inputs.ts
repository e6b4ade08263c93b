/** Shared by the dynamic providers: what the engine adds to inputs, and change detection. */

/** The engine adds its own keys (the serialized provider, "__provider"): they are not user input. */
export function userInputs(news: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(news).filter(([k]) => !k.startsWith("__")));
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
