/**
 * The one code generator of ffi-kit. Every function made with `new Function` (core's call wrappers and callback
 * invokers, @ffi-kit/callbacks' delivery loops, @ffi-kit/bindgen's `bind()`) is compiled here, from a text and the
 * bindings the text names. Pieces of generated code travel as {@link Fragment}s, which carry the bindings they
 * use, so a fragment moved into another function cannot lose a name it needs.
 *
 * A compiled unit is the script
 *
 *     "use strict";
 *     const { <binding names> } = $scope;
 *     return <text>;            // a function expression ("function") or statements ending in return ("script")
 *     //# sourceURL=ffi-kit://<library>/<symbol>.js
 *
 * where `<text>` is exactly what `.source` and `viewSource` show (for a function, also what `fn.toString()` gives).
 * User values (names, paths, defaults) reach the code only as bindings or escaped literals, never as source text.
 */
import { safeFreeze, SafeFunction, generatedGlobals } from "./globals.js";

/** The values a piece of generated code refers to, by the identifiers it uses for them. */
export type Bindings = Readonly<Record<string, unknown>>;

/** An expression of generated code with the bindings it refers to. */
export interface Fragment {
  readonly expression: string;
  readonly bindings: Bindings;
}

/** The name of the one parameter of every compiled unit: the object holding its bindings. */
export const SCOPE = "$scope";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Words that cannot name a function or binding in strict-mode code. */
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval undefined NaN Infinity"
  ).split(" "),
);

/** Merges the bindings of several fragments; one name bound to two different values is a generator bug. */
export function mergeBindings(...all: Bindings[]): Record<string, unknown> {
  const out: Record<string, unknown> = { __proto__: null } as never;
  for (const b of all) {
    for (const name of Object.keys(b)) {
      if (name in out && out[name] !== b[name]) {
        throw new Error(`ffi-kit code generator: "${name}" is bound to two different values`);
      }
      out[name] = b[name];
    }
  }
  return out;
}

/**
 * A JavaScript identifier for a user-given name (a C symbol may be `delete`, `class`, `a-b`, or the name of a
 * binding): characters outside [A-Za-z0-9_$] become `_`, and reserved words or names in `taken` get a `_` suffix.
 */
export function identifierFor(name: string, taken: Bindings = {}): string {
  let id = name.replace(/[^A-Za-z0-9_$]/g, "_");
  if (!/^[A-Za-z_$]/.test(id)) id = `_${id}`;
  while (RESERVED.has(id) || id === SCOPE || Object.prototype.hasOwnProperty.call(taken, id) || id in generatedGlobals) id += "_";
  return id;
}

/** One unit of generated code, ready to compile. */
export interface Unit {
  /** The library (path or package) the code belongs to, for the sourceURL. */
  readonly library: string;
  /** The symbol (or role) the code is for, for the sourceURL. */
  readonly symbol: string;
  /** `"function"`: `text` is one function expression; `"script"`: statements that end in `return`. */
  readonly kind: "function" | "script";
  /** Exactly the text shown by `.source`/`viewSource`. */
  readonly text: string;
  readonly bindings: Bindings;
}

/** `ffi-kit://<library>/<symbol>.js`, with both parts percent-encoded (a path may hold anything). */
export function sourceURL(library: string, symbol: string): string {
  const part = (s: string): string => encodeURIComponent(s).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `ffi-kit://${part(library)}/${part(symbol)}.js`;
}

/** The full script compiled for a unit (see the module comment). */
export function unitScript(unit: Unit): string {
  const names = Object.keys(unit.bindings);
  for (const n of names) {
    if (!IDENTIFIER.test(n) || RESERVED.has(n) || n === SCOPE) throw new Error(`ffi-kit code generator: "${n}" cannot be a binding name`);
  }
  const prologue = names.length > 0 ? `const { ${names.join(", ")} } = ${SCOPE};\n` : "";
  const body = unit.kind === "function" ? `return ${unit.text};` : unit.text;
  return `"use strict";\n${prologue}${body}\n//# sourceURL=${sourceURL(unit.library, unit.symbol)}`;
}

/** Compiles a unit: what it returns (the function, or the script's return value). */
export function compileUnit<T = unknown>(unit: Unit): T {
  const scope = safeFreeze({ ...unit.bindings });
  return (SafeFunction(SCOPE, unitScript(unit)) as (scope: Bindings) => T)(scope);
}

/**
 * Gives a compiled function its Bun-style name, `` `${symbol} (${library})` `` when there is a library
 * (`add (libm.so.6)`), the symbol alone otherwise.
 */
export function nameFunction(fn: Function, symbol: string, library?: string): void {
  Object.defineProperty(fn, "name", { value: library === undefined ? symbol : `${symbol} (${library})`, configurable: true });
}
