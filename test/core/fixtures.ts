/** Locates /work/shared/fixtures from wherever the compiled test runs (dist/test/core). */
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";

function findFixtures(): string {
  const fromEnv = process.env.SEV_FIXTURES;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "shared", "fixtures");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`shared/fixtures not found above ${__dirname} (set SEV_FIXTURES)`);
}

export const FIXTURES = findFixtures();

export function fixture(...parts: string[]): string {
  return readFileSync(path.join(FIXTURES, ...parts), "utf8");
}

export function fixtureNames(dir: string, filter: (name: string) => boolean = () => true): string[] {
  return readdirSync(path.join(FIXTURES, dir)).filter(filter).sort();
}
