// Lint: type-aware rules that catch what the compiler does not (a promise nobody awaits or catches, a
// promise where a callback is expected), plus consistent `import type`. Run by `npm run lint` and `.ci/run`.
import tseslint from "typescript-eslint";

/** An import-boundary rule: relative imports matching `regex` are refused in these files, with `message`. */
function boundary(files, regex, message, ignores = []) {
  return { files, ignores, rules: { "no-restricted-imports": ["error", { patterns: [{ regex, message }] }] } };
}

// The rooms of DESIGN.md §1 and what each may import (README, "Architecture"): arrows point down only.
const ROOMS = [
  boundary(["src/base/**/*.ts"], "^\\.\\./", "src/base imports nothing of ours: it is the bottom room."),
  boundary(
    ["src/transport/**/*.ts"],
    "^\\.\\./(?!base/)",
    "src/transport may import only src/base (the transport knows no kernel, plugin or node).",
  ),
  boundary(
    ["src/secure/**/*.ts"],
    "^(\\.\\./)+(?!\\.\\./|base/)",
    "src/secure (identities, peer ids, certificates, TLS options, network keys) may import only src/base.",
  ),
  boundary(
    ["src/legacy/**/*.ts"],
    "^\\.\\./(?!base/|transport/)",
    "src/legacy (the original Python peers' dialect) may import src/base and src/transport; its plugin, the public plugin API.",
    ["src/legacy/plugin.ts"],
  ),
  boundary(
    ["src/legacy/plugin.ts"],
    "^\\.\\./(?!plugin-api\\.js$|kernel/tokens\\.js$|plugins/broadcast\\.js$|transport/tcp-transport\\.js$|transport/transport\\.js$)",
    "The legacy plugin imports the plugin API, plus the transport it attaches the dialect to (INTERNAL_TOKENS) and the broadcast plugin it extends.",
  ),
  boundary(
    ["src/kernel/**/*.ts"],
    // Any depth of ../, so that src/kernel/config/* is held to it too.
    "^(\\.\\./)+(plugins|node|cli|testing|legacy)/|^(\\.\\./)+transport/(?!transport\\.js$|limits\\.js$)",
    "src/kernel may import src/base and the transport contract (transport.ts, limits.ts) only: it knows no plugin, no transport implementation, no node.",
  ),
  boundary(
    ["src/plugins/**/*.ts"],
    "^\\.\\./(?!plugin-api\\.js$)",
    "A plugin imports only the public plugin API (../plugin-api.js) and its sibling files: never a kernel, transport or node file.",
    // The table of built-in plugins lists the legacy module's plugin too.
    ["src/plugins/index.ts"],
  ),
  boundary(["src/node/**/*.ts"], "^\\.\\./(cli|testing)/", "src/node may not import the CLI or the testing kit."),
  boundary(["src/testing/**/*.ts"], "^\\.\\./cli/", "src/testing may not import the CLI."),
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/**", "**/*.js", "**/*.mjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  ...ROOMS,
);
