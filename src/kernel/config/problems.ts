/** From valibot's issues to the `ConfigProblem`s a `ConfigInvalidError` lists: dotted path, expected, received. */
import type * as v from "valibot";
import type { ConfigProblem } from "../../base/errors.js";
import { describeValue } from "./describe-value.js";

/** The problems of `issues`, in the order the input has its fields (missing fields after the present ones). */
export function problemsOf(issues: readonly v.BaseIssue<unknown>[]): ConfigProblem[] {
  return issues
    .map((issue) => ({ problem: problemOf(issue), order: orderOf(issue) }))
    .sort((a, b) => compareOrders(a.order, b.order))
    .map(({ problem }) => problem);
}

function problemOf(issue: v.BaseIssue<unknown>): ConfigProblem {
  const items = issue.path ?? [];
  const unknownField = issue.type === "strict_object" && issue.expected === "never";
  return {
    path: pathOf(items) || "(root)",
    // A message may name the field it is about ("the options of the {key} plugin").
    expected: issue.message.replaceAll("{key}", String(items.at(-1)?.key)),
    received: unknownField ? "an unknown field" : describeValue(issue.input),
  };
}

/** `limits.maxPeers`, `bootstrap[2].port`. */
function pathOf(items: readonly v.IssuePathItem[]): string {
  let path = "";
  for (const { key } of items) {
    if (typeof key === "number") path += `[${key}]`;
    else path += path === "" ? String(key) : `.${String(key)}`;
  }
  return path;
}

/** Where each step of an issue's path lies in its input: an array index, or the field's position in its object. */
function orderOf(issue: v.BaseIssue<unknown>): number[] {
  return (issue.path ?? []).map(({ input, key }) => {
    if (Array.isArray(input)) return typeof key === "number" ? key : Number.MAX_SAFE_INTEGER;
    const position = typeof input === "object" && input !== null ? Object.keys(input).indexOf(String(key)) : -1;
    return position === -1 ? Number.MAX_SAFE_INTEGER : position;
  });
}

function compareOrders(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
