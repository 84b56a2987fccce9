/**
 * How schema values enter generated code: only as data. Strings become JSON string literals, numbers are checked
 * to be finite (integers where an integer is expected), booleans are checked to be booleans, comment text cannot
 * close its comment. Nothing a schema holds is ever spliced into code as source text.
 */
import { schemaError } from "./spec.js";

/** A string as a JavaScript / TypeScript string literal (U+2028 and U+2029 escaped too). */
export function str(value: unknown): string {
  if (typeof value !== "string") throw schemaError(`expected a string in the schema. Received ${typeof value}`);
  return JSON.stringify(value).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A finite number as a literal (negative numbers in parentheses, -0 kept). */
export function num(value: unknown): string {
  if (typeof value !== "number" || !Number.isFinite(value)) throw schemaError(`expected a finite number in the schema. Received ${String(value)}`);
  if (Object.is(value, -0)) return "(-0)";
  return value < 0 ? `(${String(value)})` : String(value);
}

/** A safe integer as a literal. */
export function int(value: unknown): string {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw schemaError(`expected an integer in the schema. Received ${String(value)}`);
  return num(value);
}

/** A boolean as a literal. */
export function bool(value: unknown): string {
  if (typeof value !== "boolean") throw schemaError(`expected a boolean in the schema. Received ${typeof value}`);
  return value ? "true" : "false";
}

/** Text for a `/* *\/` or `//` comment: `*\/` cannot end the comment and line breaks become spaces. */
export function commentText(text: string): string {
  return text.replace(/\*\//g, "*\\/").replace(/[\r\n\u2028\u2029]/g, " ");
}

/** Any converted default value (numbers including NaN and infinities, bigints, strings, buffers, arrays, objects). */
export function literal(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "number":
      return value !== value ? "NaN" : value === Infinity ? "Infinity" : value === -Infinity ? "(-Infinity)" : num(value);
    case "bigint":
      return value < 0n ? `(${value.toString(10)}n)` : `${value.toString(10)}n`;
    case "boolean":
      return bool(value);
    case "string":
      return str(value);
    case "object":
      if (Buffer.isBuffer(value)) return `Buffer.from([${[...value].map((b) => int(b)).join(", ")}])`;
      if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
      // Computed keys: `"__proto__": v` in a literal would set the prototype; `["__proto__"]: v` is a property.
      return `{ ${Object.entries(value as object).map(([k, v]) => `[${str(k)}]: ${literal(v)}`).join(", ")} }`;
    default:
      throw schemaError(`cannot print a value of type ${typeof value}`);
  }
}
