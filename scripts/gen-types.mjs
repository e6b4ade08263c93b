// The JSON Schemas in schema/ are the one source of truth for inputs: TypeScript types are
// generated from them before every build, and the shell assets are copied beside the JS.
import { compileFromFile } from "json-schema-to-typescript";
import { mkdirSync, readdirSync, writeFileSync, copyFileSync } from "fs";
import { join, dirname } from "path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const out = join(root, "provider", "generated");
mkdirSync(out, { recursive: true });
// Inputs that embed another resource's inputs name that type with "tsType".
const imports = {
  "sev-guest.schema.json":
    'import type { SevHostInputs } from "./sev-host";\nimport type { SevFlavorInputs } from "./sev-flavor";\nimport type { ImageProperties } from "./image-properties";',
};
for (const file of readdirSync(join(root, "schema")).filter((f) => f.endsWith(".schema.json"))) {
  const ts = await compileFromFile(join(root, "schema", file), {
    cwd: join(root, "schema"),
    bannerComment: `/* Generated from schema/${file} by scripts/gen-types.mjs: edit the schema, not this file. */\n${imports[file] ?? ""}`,
    additionalProperties: false,
    // A maxItems bound is checked by the schema; as a type it would be a union of tuples.
    maxItems: -1,
  });
  writeFileSync(join(out, file.replace(".schema.json", ".ts")), ts);
}

for (const dir of ["provider/effects", "lab"]) {
  mkdirSync(join(root, "dist", dir), { recursive: true });
  for (const f of readdirSync(join(root, dir)).filter((f) => f.endsWith(".sh"))) {
    copyFileSync(join(root, dir, f), join(root, "dist", dir, f));
  }
}
