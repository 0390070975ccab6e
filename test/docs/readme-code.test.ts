// Docs that cannot rot: every TypeScript block of README.md is written into a plugin project (the
// settings of test/docs/type-check.ts, "peerkit" mapped to the source) and compiled there in one Program;
// the blocks marked `run` are run: a test file's tests join this suite, a script is imported (on
// 127.0.0.1, port 0) and must finish. Markers: test/docs/readme-blocks.ts.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { codeBlocks, type CodeBlock } from "./readme-blocks.js";
import { pluginProjectOptions, REPO, typeCheck } from "./type-check.js";

const blocks = codeBlocks(readFileSync(join(REPO, "README.md"), "utf8"));
const compiled = blocks.filter((block) => block.notCompiled === undefined);
const project = writeProject(blocks);

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** A plugin project holding the blocks: ESM, the tsconfig of `pluginProjectOptions`, the repo's node_modules. */
function writeProject(all: readonly CodeBlock[]): string {
  const dir = mkdtempSync(join(tmpdir(), "peerkit-readme-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "readme-blocks", private: true, type: "module" }));
  // Vite reads experimentalDecorators from here when it runs the blocks, as in a plugin project.
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: pluginProjectOptions(), include: ["*.ts"] }, null, 2));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  for (const block of all) writeFileSync(join(dir, block.file), block.code);
  return dir;
}

/** A compiler message about a block's file, pointed at the README line it comes from. */
function atReadmeLine(message: string): string {
  for (const block of compiled) {
    const prefix = `${join(project, block.file)}:`;
    if (!message.startsWith(prefix)) continue;
    const [, line, column, rest] = /^(\d+):(\d+) (.*)$/s.exec(message.slice(prefix.length)) ?? [];
    return `README.md:${block.line + Number(line)}:${column} (${block.file}) ${rest}`;
  }
  return message;
}

describe("README's TypeScript blocks", () => {
  it("are found, each file named once, every one compiled", () => {
    const files = blocks.map((block) => block.file);
    expect(new Set(files).size).toBe(files.length);
    expect(blocks.filter((block) => block.run).map((block) => block.file)).toEqual(
      expect.arrayContaining(["greeter-plugin.test.ts", "two-nodes.ts"]) as unknown,
    );
    // A fragment may be left out, saying why; today none is.
    expect(blocks.filter((block) => block.notCompiled !== undefined)).toEqual([]);
  });

  it("compile in a strict ESM plugin project (experimentalDecorators, exactOptionalPropertyTypes)", () => {
    const errors = typeCheck(
      compiled.map((block) => join(project, block.file)),
      pluginProjectOptions(),
      project,
    );
    expect(errors.map(atReadmeLine)).toEqual([]);
  });
});

describe("README's runnable blocks", async () => {
  for (const block of blocks.filter((candidate) => candidate.run && candidate.file.endsWith(".test.ts"))) {
    describe(`${block.file} (README line ${block.line})`, async () => {
      await import(pathToFileURL(join(project, block.file)).href);
    });
  }

  for (const block of blocks.filter((candidate) => candidate.run && !candidate.file.endsWith(".test.ts"))) {
    it(`${block.file} (README line ${block.line}) runs to its end`, async () => {
      const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
      try {
        await import(pathToFileURL(join(project, block.file)).href);
        expect(log).toHaveBeenCalled();
        if (block.file === "two-nodes.ts") {
          expect(log.mock.calls).toEqual(
            expect.arrayContaining([
              ["broadcast from", expect.any(String), { text: "hello" }],
              ["direct from", expect.any(String), { text: "just you" }],
            ]) as unknown,
          );
        }
      } finally {
        log.mockRestore();
      }
    });
  }
});
