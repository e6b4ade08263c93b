// Lint for the TypeScript sources: typescript-eslint's recommended rules, kept pragmatic. Run by
// `npm run lint` (and so by `npm test` and CI) together with prettier's check.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "policy/node_modules/**", "policy/bin/**", "provider/generated/**", "tools/**", ".lab/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused values are the compiler's to report (noUnusedLocals); `_name` marks an intentionally unused parameter.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // The serialized provider and the tests load some modules at run time, by path or package name.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-expressions": ["error", { allowTernary: true, allowShortCircuit: true }],
      // Flagged, not failed: the engine hands the dynamic providers untyped values.
      "@typescript-eslint/no-explicit-any": "warn",
    },
  },
);
