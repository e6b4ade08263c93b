/** The fixtures kept in the repo (test/fixtures, copied from libvirt and Nova: see its SOURCES.md). */
import { readdirSync, readFileSync } from "fs";
import * as path from "path";

/** dist/test/core → test/fixtures in the checkout the tests were compiled from. */
export const FIXTURES = path.resolve(__dirname, "..", "..", "..", "test", "fixtures");

export function fixture(...parts: string[]): string {
  return readFileSync(path.join(FIXTURES, ...parts), "utf8");
}

export function fixtureNames(dir: string, filter: (name: string) => boolean = () => true): string[] {
  return readdirSync(path.join(FIXTURES, dir)).filter(filter).sort();
}
