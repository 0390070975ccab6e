/**
 * Type-checks files with the TypeScript compiler API, as a plugin project would compile them: one
 * Program for all of them, "peerkit" and "peerkit/testing" resolved to this repository's source.
 */
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The repository's root directory. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The settings of a strict plugin project (those of `tsc --init`, with decorators), "peerkit" mapped to
 * the repository's source. Written to a tsconfig.json, or given to `typeCheck`.
 */
export function pluginProjectOptions(): Record<string, unknown> {
  return {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [`${REPO}node_modules/@types`],
    paths: {
      peerkit: [`${REPO}src/index.ts`],
      "peerkit/testing": [`${REPO}src/testing/index.ts`],
    },
  };
}

/**
 * The compiler's errors in `files` (only those files: the library they import is not reported), one
 * line each: `file:line:column TSnnnn message`.
 */
export function typeCheck(files: readonly string[], options: Record<string, unknown> = pluginProjectOptions(), baseDir = REPO): string[] {
  const converted = ts.convertCompilerOptionsFromJson(options, baseDir);
  if (converted.errors.length > 0) throw new Error(ts.formatDiagnostics(converted.errors, formatHost()));
  const program = ts.createProgram(files, converted.options);
  const diagnostics = files.flatMap((file) => {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program`);
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  });
  return diagnostics.map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (!diagnostic.file || diagnostic.start === undefined) return `TS${diagnostic.code} ${text}`;
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${diagnostic.file.fileName}:${line + 1}:${character + 1} TS${diagnostic.code} ${text}`;
  });
}

function formatHost(): ts.FormatDiagnosticsHost {
  return { getCanonicalFileName: (name) => name, getCurrentDirectory: () => REPO, getNewLine: () => "\n" };
}
