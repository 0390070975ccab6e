/**
 * Test helper: what a terminal shows after some output, for the few controls readline and the chat
 * write (carriage return, line feed, cursor moves `ESC[nG` `ESC[nC` `ESC[nD` `ESC[nA` `ESC[nB`, erase
 * `ESC[nK` and `ESC[nJ`); every other escape sequence is ignored. Enough to tell a garbled line
 * (`half typed<ann> incoming`) from a redrawn prompt.
 */
export function screenLines(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = (): string[] => (lines[row] ??= []);
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    if (ch === "\r") col = 0;
    else if (ch === "\n") {
      row += 1;
      col = 0;
      line();
    } else if (ch === "\u001b") {
      const match = /^\u001b\[([?>]?)([\d;]*)([A-Za-z~])/.exec(output.slice(i, i + 16));
      if (!match) continue;
      i += match[0].length - 1;
      if (match[1] !== "") continue;
      const n = match[2] === "" ? undefined : Number(match[2]!.split(";")[0]);
      const current = line();
      switch (match[3]) {
        case "G":
          col = (n ?? 1) - 1;
          break;
        case "C":
          col += n ?? 1;
          break;
        case "D":
          col = Math.max(0, col - (n ?? 1));
          break;
        case "A":
          row = Math.max(0, row - (n ?? 1));
          break;
        case "B":
          row += n ?? 1;
          line();
          break;
        case "K":
          if ((n ?? 0) === 0) current.length = Math.min(current.length, col);
          else if (n === 1) for (let c = 0; c <= col && c < current.length; c++) current[c] = " ";
          else current.length = 0;
          break;
        case "J":
          if ((n ?? 0) === 0) {
            current.length = Math.min(current.length, col);
            lines.length = row + 1;
          }
          break;
      }
    } else if (ch >= " ") {
      const current = line();
      while (current.length < col) current.push(" ");
      current[col] = ch;
      col += 1;
    }
  }
  return lines.map((chars) => chars.join("").trimEnd());
}
