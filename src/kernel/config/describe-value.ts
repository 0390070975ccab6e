/** How a config problem shows the value it refused: short, one line, and safe to print. */
import { getPluginMetadata } from "../decorators.js";

/** Longest rendering of a bad value in a problem report. */
const MAX_RENDERED = 40;

/** A short rendering of a value for a problem report: `"ten" (a string)`, `-1`, `undefined`, `[1,2] (an array)`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `${truncate(JSON.stringify(value))} (a string)`;
    case "number":
    case "boolean":
      return String(value);
    case "bigint":
      return `${value}n (a bigint)`;
    case "symbol":
      return `${truncate(String(value))} (a symbol)`;
    case "function":
      return getPluginMetadata(value) === undefined
        ? `the function ${value.name || "(anonymous)"}, which is not decorated with @plugin()`
        : `the plugin class ${value.name}`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return `${truncate(safeJson(value))} (an array)`;
  if (isPlainObject(value)) return `${truncate(safeJson(value))} (an object)`;
  const name = (value as object).constructor?.name;
  return name ? `an instance of ${name}` : "an object";
}

/** `text`, cut to `MAX_RENDERED` characters with an ellipsis when longer. */
export function truncate(text: string): string {
  return text.length <= MAX_RENDERED ? text : `${text.slice(0, MAX_RENDERED - 1)}…`;
}

/** A plain object (`{ ... }` or `Object.create(null)`): not an array, a class instance or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? "[...]" : "{...}";
  }
}
