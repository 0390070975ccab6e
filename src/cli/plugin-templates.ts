/**
 * The files of a project made by `peerkit new-plugin NAME`: a plugin handling one message type, its
 * test on `peerkit/testing`, and what makes them build and run (package.json, tsconfig, a config that
 * loads the compiled plugin). Text only; `new-plugin.ts` decides where it goes.
 */
import { DEFAULT_PLUGINS } from "../kernel/config.js";

/** What the templates are filled with. */
export interface PluginProject {
  /** The npm package name and the plugin's name, e.g. `dice`. */
  name: string;
  /** The message type the plugin handles, e.g. `DICE`; it answers `${type}_RESULT`. */
  type: string;
  /** The plugin class, e.g. `DicePlugin`. */
  className: string;
  /** The plugin's source file name without extension, e.g. `dice-plugin`. */
  fileBase: string;
  /** The `peerkit` dependency: `file:../peerkit` (a checkout) or `^0.1.0` (the registry). */
  peerkitSpec: string;
  /** Exact versions of the dev tools, those the generating peerkit is built and tested with. */
  devVersions: Readonly<Record<string, string>>;
}

/** The names derived from NAME: `my-dice` → type `MY_DICE`, class `MyDicePlugin`, file `my-dice-plugin`. */
export function projectNames(name: string): Pick<PluginProject, "name" | "type" | "className" | "fileBase"> {
  const words = name.split(/[-_.]+/).filter((word) => word !== "");
  const className = `${words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join("")}Plugin`;
  return { name, type: words.join("_").toUpperCase(), className, fileBase: `${name}-plugin` };
}

/** Every file of the project, by path relative to its directory. */
export function projectFiles(project: PluginProject): Record<string, string> {
  return {
    "package.json": packageJson(project),
    "tsconfig.json": json({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023"],
        types: ["node"],
        strict: true,
        experimentalDecorators: true,
        skipLibCheck: true,
        noEmit: true,
      },
      include: ["src", "test"],
    }),
    "tsconfig.build.json": json({
      extends: "./tsconfig.json",
      compilerOptions: { noEmit: false, rootDir: "src", outDir: "dist", declaration: true, sourceMap: true },
      include: ["src"],
    }),
    "peerkit.config.json": json({
      $schema: "./node_modules/peerkit/peerkit.schema.json",
      port: 7001,
      plugins: [...DEFAULT_PLUGINS, `./dist/${project.fileBase}.js`],
    }),
    [`src/${project.fileBase}.ts`]: pluginSource(project),
    [`test/${project.fileBase}.test.ts`]: pluginTest(project),
    "README.md": readme(project),
    ".gitignore": "node_modules/\ndist/\n",
  };
}

function packageJson(project: PluginProject): string {
  return json({
    name: project.name,
    version: "0.1.0",
    private: true,
    description: `A peerkit plugin: answers ${project.type} with ${project.type}_RESULT.`,
    type: "module",
    main: `./dist/${project.fileBase}.js`,
    scripts: {
      build: "tsc -p tsconfig.build.json",
      prepare: "npm run build",
      prestart: "npm run build",
      start: "peerkit start",
      test: "vitest run",
      typecheck: "tsc --noEmit",
    },
    dependencies: { peerkit: project.peerkitSpec },
    devDependencies: project.devVersions,
  });
}

function pluginSource({ name, type, className }: PluginProject): string {
  const request = `${pascal(type)}Request`;
  return `import { handles, inject, payloadCheck, plugin, TOKENS } from "peerkit";
import type { Envelope, LocalPeer, MessageContext } from "peerkit";

/** What a ${type} message carries. */
export interface ${request} {
  text: string;
}

/** The longest text accepted: what comes from the network is bounded before it is used. */
const MAX_TEXT = 1000;

const requestPayload = payloadCheck<${request}>((msg) => {
  const text = (msg as { text?: unknown } | null)?.text;
  return typeof text === "string" && text.length <= MAX_TEXT ? undefined : \`expected { text: string } of at most \${MAX_TEXT} characters\`;
});

/** Answers each ${type} with a ${type}_RESULT carrying the text back and this node's id. */
@plugin({ name: "${name}" })
export class ${className} {
  constructor(@inject(TOKENS.LocalPeer) private readonly self: LocalPeer) {}

  @handles("${type}", { payload: requestPayload })
  on${pascal(type)}(envelope: Envelope<${request}>, context: MessageContext): void {
    context.reply("${type}_RESULT", { text: envelope.msg.text, by: this.self.id }, { id: envelope.id });
  }
}

export default ${className};
`;
}

function pluginTest({ type, className, fileBase }: PluginProject): string {
  return `// In-memory transport and fake clock from peerkit/testing: no socket, no sleep.
import { afterEach, describe, expect, it } from "vitest";
import { PluginHarness } from "peerkit/testing";
import { ${className} } from "../src/${fileBase}.js";

let harness: PluginHarness | undefined;
afterEach(async () => {
  await harness?.shutdown();
  harness = undefined;
});

describe("${className}", () => {
  it("answers ${type} with a ${type}_RESULT carrying the request's id", async () => {
    harness = await PluginHarness.create({ plugins: [${className}] });
    const bob = await harness.connectPeer("bob");
    bob.deliver("${type}", { text: "hello" }, { id: "req-1" });
    await harness.settle();
    expect(bob.receivedOf("${type}_RESULT")).toMatchObject([{ id: "req-1", msg: { text: "hello", by: harness.node.id } }]);
  });

  it("rejects a ${type} without text and does not answer it", async () => {
    harness = await PluginHarness.create({ plugins: [${className}] });
    const bob = await harness.connectPeer("bob");
    bob.deliver("${type}", { txt: "hello" });
    await harness.settle();
    expect(bob.receivedOf("${type}_RESULT")).toEqual([]);
    expect(harness.logger.find("expected { text: string }")).toBeDefined();
  });
});
`;
}

function readme({ name, type, fileBase }: PluginProject): string {
  return `# ${name}

A peerkit plugin: it answers each \`${type}\` message
(\`{ "text": "..." }\`) with a \`${type}_RESULT\` carrying the text back and the node's id.

\`\`\`sh
npm install   # installs, then compiles src/ to dist/ (the prepare script)
npm test      # the plugin's tests: peerkit/testing, an in-memory network, no socket
npm start     # compiles, then runs a node with the plugin (peerkit.config.json loads ./dist/${fileBase}.js)
\`\`\`

- \`src/${fileBase}.ts\`: the plugin. Add a message type with another \`@handles("TYPE")\` method.
- \`test/${fileBase}.test.ts\`: its tests.
- \`peerkit.config.json\`: the node's config; \`plugins\` lists the built-ins and the compiled plugin.

peerkit is ESM only (\`"type": "module"\`), and its decorators need \`experimentalDecorators\` in
\`tsconfig.json\`. See peerkit's README, "Writing a plugin" and "Testing a plugin".
`;
}

/** `MY_DICE` → `MyDice`. */
function pascal(type: string): string {
  return type
    .split("_")
    .map((word) => word[0]! + word.slice(1).toLowerCase())
    .join("");
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
