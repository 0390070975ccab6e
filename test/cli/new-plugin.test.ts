// `peerkit new-plugin`: the command line, NAME checks, the directory checks, and the files written.
// The generated project's install, test and start are in new-plugin-project.test.ts.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../src/cli/args.js";
import { checkPluginName, newPlugin, nextSteps } from "../../src/cli/new-plugin.js";
import { derivePluginLock } from "../../src/cli/plugin-lock.js";
import { projectNames } from "../../src/cli/plugin-templates.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "peerkit-new-plugin-"));
  dirs.push(dir);
  return dir;
}
/** The fields of the generated JSON files that the tests read. */
interface JsonFile {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  compilerOptions?: Record<string, unknown>;
  plugins?: string[];
  packages?: Record<string, Record<string, unknown> | undefined>;
}
const readJson = (path: string): JsonFile => JSON.parse(readFileSync(path, "utf8")) as JsonFile;
const installedVersion = (name: string): string => readJson(join(REPO, "node_modules", name, "package.json")).version!;

describe("peerkit new-plugin: the command line", () => {
  it("takes NAME and an optional --dir", () => {
    expect(parseCommandLine(["new-plugin", "dice"])).toEqual({ kind: "new-plugin", name: "dice" });
    expect(parseCommandLine(["new-plugin", "dice", "--dir", "../dice"])).toEqual({ kind: "new-plugin", name: "dice", dir: "../dice" });
  });

  it("refuses a missing NAME, a second name, a flag of start, and --dir on start", () => {
    expect(() => parseCommandLine(["new-plugin"])).toThrow(/needs the plugin's name: peerkit new-plugin NAME/);
    expect(() => parseCommandLine(["new-plugin", "dice", "dome"])).toThrow(/Unexpected argument "dome"/);
    expect(() => parseCommandLine(["new-plugin", "dice", "--port", "1"])).toThrow(/"new-plugin" does not take --port/);
    expect(() => parseCommandLine(["start", "--dir", "x"])).toThrow(/"start" does not take --dir/);
    expect(() => parseCommandLine(["new-plugin"])).toThrow(UsageError);
  });
});

describe("peerkit new-plugin: NAME", () => {
  it.each(["dice", "my-dice", "d6", "a"])("accepts %j", (name) => {
    expect(() => checkPluginName(name)).not.toThrow();
  });

  it.each([
    ["", /it has 0 characters/],
    ["x".repeat(41), /it has 41 characters/],
    ["Dice", /it has capitals/],
    ["6dice", /it does not start with a letter/],
    ["-dice", /it does not start with a letter/],
    ["my_dice", /it has "_", which is not a lowercase letter, a digit or "-"/],
    ["my--dice", /two in a row/],
    ["dice-", /at its end/],
    ["@me/dice", /it has "@"/],
    ["../dice", /it has "\."/],
    ["peerkit", /cannot depend on a package of its own name/],
    ["ping", /a built-in plugin has that name/],
    ["test", /a built-in plugin has that name/],
  ])("refuses %j, saying why and what would do", (name, why) => {
    let caught: unknown;
    try {
      checkPluginName(name);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "ERR_PLUGIN_NAME" });
    expect((caught as Error).message).toMatch(why);
    expect((caught as Error).message).toContain('e.g. "peerkit new-plugin dice"');
  });

  it("derives the message type, the class and the file from NAME", () => {
    expect(projectNames("my-dice")).toEqual({ name: "my-dice", type: "MY_DICE", className: "MyDicePlugin", fileBase: "my-dice-plugin" });
  });
});

describe("peerkit new-plugin: the target directory", () => {
  it("refuses a directory that is not empty, and a file, touching nothing", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "dice"));
    writeFileSync(join(cwd, "dice", "notes.txt"), "mine");
    writeFileSync(join(cwd, "file"), "mine");
    expect(() => newPlugin("dice", { cwd })).toThrow(expect.objectContaining({ code: "ERR_DIR_NOT_EMPTY", message: expect.stringMatching(/is not empty\. Name a new or empty directory with --dir DIR/) }));
    expect(() => newPlugin("dice", { cwd, dir: "file" })).toThrow(expect.objectContaining({ code: "ERR_DIR_NOT_EMPTY", message: expect.stringMatching(/it is a file/) }));
    expect(readdirSync(join(cwd, "dice"))).toEqual(["notes.txt"]);
    expect(readFileSync(join(cwd, "file"), "utf8")).toBe("mine");
  });

  it("writes into an existing empty directory, and into ./NAME by default", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "empty"));
    expect(newPlugin("dice", { cwd, dir: "empty" }).dir).toBe(join(cwd, "empty"));
    expect(newPlugin("dice", { cwd }).dir).toBe(join(cwd, "dice"));
  });
});

describe("peerkit new-plugin: the project, generated from this checkout", () => {
  it("writes an ESM package linked to the checkout, with the checkout's tool versions", () => {
    const cwd = tempDir();
    const result = newPlugin("dice", { cwd, dir: "projects/dice" });
    const dir = join(cwd, "projects", "dice");
    expect(result.files.sort()).toEqual(
      [".gitignore", "README.md", "package-lock.json", "package.json", "peerkit.config.json", "src/dice-plugin.ts", "test/dice-plugin.test.ts", "tsconfig.build.json", "tsconfig.json"].sort(),
    );
    const pkg = readJson(join(dir, "package.json"));
    expect(pkg).toMatchObject({ name: "dice", type: "module", scripts: { test: "vitest run", build: "tsc -p tsconfig.build.json", prepare: "npm run build", start: "peerkit start" } });
    expect(pkg.dependencies).toEqual({ peerkit: `file:${relative(dir, REPO).split("\\").join("/")}` });
    for (const tool of ["typescript", "vitest", "vite", "@types/node"]) expect(pkg.devDependencies?.[tool]).toBe(installedVersion(tool));

    expect(readJson(join(dir, "tsconfig.json")).compilerOptions).toMatchObject({ experimentalDecorators: true, module: "NodeNext", moduleResolution: "NodeNext", strict: true });
    expect(readJson(join(dir, "tsconfig.build.json")).compilerOptions).toMatchObject({ outDir: "dist", rootDir: "src" });
    expect(readJson(join(dir, "peerkit.config.json")).plugins).toEqual(["ping", "advertise", "broadcast", "test", "keepalive", "direct", "./dist/dice-plugin.js"]);

    const source = readFileSync(join(dir, "src", "dice-plugin.ts"), "utf8");
    expect(source).toContain('@plugin({ name: "dice" })');
    expect(source).toContain('@handles("DICE"');
    expect(source).toContain('context.reply("DICE_RESULT"');
    expect(source.match(/from "([^"]+)"/g)).toEqual(['from "peerkit"', 'from "peerkit"']);
    expect(readFileSync(join(dir, "test", "dice-plugin.test.ts"), "utf8")).toContain('from "peerkit/testing"');
    expect(nextSteps(result, cwd)).toMatch(/cd projects\/dice\n {2}npm install .*\n {2}npm test .*\n {2}npx peerkit start/);
  });

  it("writes a lock of the checkout's versions, every package with its tarball address", () => {
    const cwd = tempDir();
    newPlugin("dice", { cwd });
    const lock = readJson(join(cwd, "dice", "package-lock.json")).packages!;
    const peerkitPath = relative(join(cwd, "dice"), REPO).split("\\").join("/");
    expect(lock["node_modules/peerkit"]).toEqual({ resolved: peerkitPath, link: true });
    expect(lock[peerkitPath]).toMatchObject({ name: "peerkit" });
    expect(lock["node_modules/vitest"]).toMatchObject({ version: installedVersion("vitest"), resolved: `https://registry.npmjs.org/vitest/-/vitest-${installedVersion("vitest")}.tgz` });
    expect(lock["node_modules/@vitest/spy"]?.resolved).toMatch(/^https:\/\/registry\.npmjs\.org\/@vitest\/spy\/-\/spy-[\d.]+\.tgz$/);
    // Only the tools and what they need: nothing of peerkit's own linting.
    expect(lock["node_modules/eslint"]).toBeUndefined();
  });

  it("writes no lock when the checkout's lock does not hold the tools at those versions", () => {
    const request = { name: "dice", version: "0.1.0", peerkitPath: "../peerkit", devVersions: { vitest: "4.1.12" } };
    expect(derivePluginLock(undefined, request)).toBeUndefined();
    expect(derivePluginLock({ packages: { "": {}, "node_modules/vitest": { version: "4.0.0" } } }, request)).toBeUndefined();
  });
});

describe("peerkit new-plugin: the project, generated from a peerkit installed from the registry", () => {
  it("depends on ^VERSION, pins the tools to peerkit's declared versions, and writes no lock", () => {
    const root = join(tempDir(), "node_modules", "peerkit");
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "package.json"), JSON.stringify({ name: "peerkit", version: "1.2.3", devDependencies: { typescript: "~5.9.3", vitest: "^4.1.12", vite: "^7.3.8", "@types/node": "^20.19.43" } }));
    const cwd = tempDir();
    const result = newPlugin("dice", { cwd, peerkitRoot: root });
    const pkg = readJson(join(cwd, "dice", "package.json"));
    expect(pkg.dependencies).toEqual({ peerkit: "^1.2.3" });
    expect(pkg.devDependencies).toEqual({ typescript: "5.9.3", vitest: "4.1.12", vite: "7.3.8", "@types/node": "20.19.43" });
    expect(result.files).not.toContain("package-lock.json");
    expect(nextSteps(result, cwd)).toContain("taken from the registry (^1.2.3)");
  });
});
