/**
 * The TypeScript blocks of a markdown document, with what the comment line right above each says of it:
 *
 *   <!-- file: greeter-plugin.ts -->          the file it is (another block imports "./greeter-plugin.js")
 *   <!-- file: greeter-plugin.test.ts, run --> run it too: a test file's tests join the suite, a script runs
 *   <!-- not compiled: the reason -->         a fragment, left out (keep these rare, and say why)
 *
 * A block without a comment is compiled as a module of its own, named after its line.
 */

/** One ```ts block of the document. */
export interface CodeBlock {
  /** The line of its opening fence, counted from 1. */
  line: number;
  /** Its file name in the project the blocks are written to. */
  file: string;
  /** Whether the suite runs it, not only compiles it. */
  run: boolean;
  /** Why it is not compiled, when it is not. */
  notCompiled?: string;
  /** Its text. */
  code: string;
}

const FENCE = /^```(ts|typescript)\s*$/;
const FILE_MARKER = /^<!--\s*file:\s*([\w.-]+\.ts)\s*(,\s*run\s*)?-->$/;
const SKIP_MARKER = /^<!--\s*not compiled:\s*(\S.*?)\s*-->$/;

/** The TypeScript blocks of `markdown`; throws on a marker it cannot read or a block left open. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const fence = lines[index]!.match(/^```/);
    if (!fence) continue;
    const end = lines.findIndex((text, at) => at > index && text.startsWith("```"));
    if (end < 0) throw new Error(`README line ${index + 1}: a code block is never closed`);
    if (FENCE.test(lines[index]!)) blocks.push(blockAt(lines, index, end));
    index = end;
  }
  return blocks;
}

function blockAt(lines: readonly string[], fence: number, end: number): CodeBlock {
  const line = fence + 1;
  const code = lines.slice(fence + 1, end).join("\n") + "\n";
  const marker = (lines[fence - 1] ?? "").trim();
  const file = marker.match(FILE_MARKER);
  if (file) return { line, file: file[1]!, run: file[2] !== undefined, code };
  const skip = marker.match(SKIP_MARKER);
  if (skip) return { line, file: `block-${line}.ts`, run: false, notCompiled: skip[1]!, code };
  if (marker.startsWith("<!--")) throw new Error(`README line ${fence}: "${marker}" is not a code block marker (file: NAME.ts[, run] or not compiled: REASON)`);
  return { line, file: `block-${line}.ts`, run: false, code };
}
