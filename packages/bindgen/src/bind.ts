/**
 * `bind()`: validated JavaScript functions over the C symbols of a library, compiled once from their schemas.
 */
import { describeReceived, invalidArgType } from "@ffi-kit/core/internal";
import { isFunctionSchema, type FunctionSchema } from "./fn.js";
import { Emitter } from "./emit.js";
import { runtimeStructs } from "./c-types.js";
import { openLibrary } from "./library.js";
import { schemaError } from "./spec.js";
import * as runtime from "./runtime.js";

/** The functions `bind()` returns: each validates and converts its arguments, then calls C. */
export type BoundFunctions<S extends Record<string, FunctionSchema>> = {
  readonly [K in keyof S]: S[K] extends FunctionSchema<infer Ret, infer Params> ? (...args: Params) => Ret : never;
};

/** A library with bound functions. */
export interface BoundLibrary<S extends Record<string, FunctionSchema>> {
  /** The validated functions, by the names of the schema. */
  readonly symbols: BoundFunctions<S>;
  /** The JavaScript compiled for these functions (what every call runs). */
  readonly source: string;
  /** Closes the library; later calls throw `FFIError` `ERR_FFI_LIBRARY_CLOSED`. */
  close(): void;
  [Symbol.dispose](): void;
}

/** What `bind()` compiles for `schema`: the source of every wrapper, and the constants and natives it refers to. */
export function planBinding(schema: Record<string, unknown>): { names: string[]; emitter: Emitter; source: string } {
  const names = Object.keys(schema);
  if (names.length === 0) throw schemaError("bind(): the schema declares no functions");
  const emitter = new Emitter(false, runtimeStructs, { packStructs: true });
  const wrappers = names.map((name, i) => {
    const f = schema[name];
    if (!isFunctionSchema(f)) throw schemaError(`bind(): ${JSON.stringify(name)} must be an fn() schema. Received ${describeReceived(f)}`);
    return emitter.wrapper(`fn${i}`, name, f, "unknown");
  });
  const source = ['"use strict";', ...emitter.helpers, ...wrappers, `return [${names.map((_, i) => `fn${i}`).join(", ")}];`].join("\n");
  return { names, emitter, source };
}

/**
 * Binds function schemas to the C symbols of a shared library. Every argument is converted and validated by code
 * generated once, here; strings become C strings, enums integers, dictionaries C structs.
 *
 * @example
 * import { bind, fn, t } from "@ffi-kit/bindgen";
 * const lib = bind("./libmath.so", { add: fn({ args: { a: t.i32, b: t.i32.default(1) }, ret: t.i32 }) });
 * lib.symbols.add(2); // 3
 */
export function bind<const S extends Record<string, FunctionSchema>>(library: string | URL, schema: S): BoundLibrary<S> {
  if (schema === null || typeof schema !== "object") {
    throw invalidArgType(`bind(): argument 2 (schema) must be an object of fn() schemas. Received ${describeReceived(schema)}`);
  }
  // Plan everything before touching the library: a schema error never opens it.
  const { names, emitter, source } = planBinding(schema);
  const opened = openLibrary(library);
  let fns: Array<(...args: unknown[]) => unknown>;
  try {
    const natives = emitter.natives.map((n) => opened.declare(n.symbol, n.ret.value, n.args.map((a) => a.value)));
    const consts = emitter.constants;
    fns = new Function("R", "G", ...consts.map((c) => c.id), ...emitter.natives.map((n) => n.id), source)(
      runtime,
      opened.G,
      ...consts.map((c) => c.value),
      ...natives,
    );
  } catch (e) {
    opened.close();
    throw e;
  }
  const symbols: Record<string, unknown> = {};
  names.forEach((name, i) => {
    const f = fns[i]!;
    Object.defineProperty(f, "name", { value: name });
    symbols[name] = f;
  });
  const close = (): void => opened.close();
  return Object.freeze({
    symbols: Object.freeze(symbols) as BoundFunctions<S>,
    source,
    close,
    [Symbol.dispose]: close,
  });
}
