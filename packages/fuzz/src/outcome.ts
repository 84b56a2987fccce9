/**
 * Observing what a call did (a value or a thrown error) and comparing it with an {@link Expectation} of the
 * reference model, with messages that show both sides exactly (bigints with `n`, `-0`, NaN, views).
 */
import type { Expectation } from "./model.js";

/** What running some code did: returned a value or threw. */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Runs `fn` and records its result or the error it threw.
 *
 * @example
 * observe(() => lib.symbols.id_u8(300)) // { ok: true, value: 44 }
 */
export function observe(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * A readable, exact rendering of a value: `-0`, `NaN`, `12n`, `'str'`, `Uint8Array(3) [1, 2, 3]`.
 *
 * @example
 * show(-0) // "-0"
 */
export function show(value: unknown): string {
  switch (typeof value) {
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "string":
      return JSON.stringify(value);
    case "symbol":
      return value.toString();
    case "function":
      return `[function ${value.name || "anonymous"}]`;
    case "undefined":
      return "undefined";
    case "boolean":
      return String(value);
    default:
      if (value === null) return "null";
      if (value instanceof String) return `${value.constructor.name}(${JSON.stringify(String(value))})`;
      if (ArrayBuffer.isView(value)) {
        const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        const shown = [...bytes.slice(0, 16)].join(", ") + (bytes.length > 16 ? ", ..." : "");
        return `${value.constructor.name}(${value.byteLength} bytes at +${value.byteOffset}) [${shown}]`;
      }
      if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength})`;
      if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
      if (value instanceof Error) return `${value.name}${(value as { code?: string }).code ? ` [${(value as { code?: string }).code}]` : ""}: ${value.message}`;
      try {
        return JSON.stringify(value) ?? String(value);
      } catch {
        return Object.prototype.toString.call(value);
      }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return typeof a === typeof b && a === b;
  return Object.is(a, b) || (a !== a && b !== b);
}

/**
 * Compares an outcome with the model's expectation. Returns `null` when they agree, else a message saying what
 * was expected and what happened. `checkView` decides `view` expectations (the property knows how to look at
 * the address it got); without it, any non-null pointer is accepted for them.
 */
export function disagreement(
  expectation: Expectation,
  outcome: Outcome,
  checkView?: (view: ArrayBufferView | ArrayBuffer, actual: unknown) => string | null,
): string | null {
  switch (expectation.kind) {
    case "unspecified":
      return null;
    case "error": {
      if (outcome.ok) return `expected ${expectation.name}${expectation.code ? ` [${expectation.code}]` : ""} (${expectation.rule}), got ${show(outcome.value)}`;
      const e = outcome.error as { name?: unknown; code?: unknown } | null;
      const name = e instanceof Error ? e.name : undefined;
      if (name !== expectation.name || (expectation.code !== undefined && e?.code !== expectation.code)) {
        return `expected ${expectation.name}${expectation.code ? ` [${expectation.code}]` : ""} (${expectation.rule}), got ${show(outcome.error)}`;
      }
      return null;
    }
    case "value":
      if (!outcome.ok) return `expected ${show(expectation.value)}, got ${show(outcome.error)}`;
      return sameValue(expectation.value, outcome.value) ? null : `expected ${show(expectation.value)}, got ${show(outcome.value)}`;
    case "view":
      if (!outcome.ok) return `expected the address of ${show(expectation.view)}, got ${show(outcome.error)}`;
      if (checkView) return checkView(expectation.view, outcome.value);
      return typeof outcome.value === "number" && outcome.value > 0 ? null : `expected the address of ${show(expectation.view)}, got ${show(outcome.value)}`;
  }
}
