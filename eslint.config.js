// Lint: the recommended JS and typescript-eslint rules, with a few habits of STYLE.md.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["scratch/**", "dist/**", "node_modules/**", "bench/results/**", "test/artifacts/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    files: ["src/cli/**", "bin/**", "bench/**", "test/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["templates/dashboard/*.js"],
    languageOptions: { globals: { document: "readonly", window: "readonly", location: "readonly", fetch: "readonly", DOMParser: "readonly", EventSource: "readonly", CSS: "readonly" } },
  },
  {
    files: ["bin/**/*.js", "*.config.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
