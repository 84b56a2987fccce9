import { resolveSignature } from "./signature.js";
import { wrapperSource } from "./call-wrapper.js";
import { variadicWrapperSource } from "./variadic.js";
import { nonblockingWrapperSource } from "./nonblocking.js";
import { invokerSource } from "./callback.js";
import { describeReceived, invalidArgType, startStackAt } from "./errors.js";
import type { FFIFunction } from "./signature-types.js";

/**
 * The generated JavaScript glue for each declaration (Bun shows its C glue; we have none, so this is the wrapper
 * that converts arguments and results), one string per symbol. With `isCallback`, `symbols` is one callback
 * declaration and the result is one string: the glue that runs when C calls a JSCallback, as in bun:ffi.
 *
 * @example
 * console.log(viewSource({ add: { args: ["i32", "i32"], returns: "i32" } })[0]);
 * console.log(viewSource({ args: ["i32"], returns: "i32" }, true));
 */
export function viewSource(symbols: FFIFunction, isCallback: true): string;
export function viewSource(symbols: Record<string, FFIFunction>, isCallback?: false): string[];
export function viewSource(symbols: Record<string, FFIFunction> | FFIFunction, isCallback?: boolean): string | string[];
export function viewSource(symbols: Record<string, FFIFunction> | FFIFunction, isCallback = false): string | string[] {
  try {
    return sources(symbols, isCallback);
  } catch (e) {
    throw startStackAt(e, viewSource);
  }
}

function sources(symbols: Record<string, FFIFunction> | FFIFunction, isCallback: boolean): string | string[] {
  if (symbols === null || typeof symbols !== "object") {
    // Bun's wording ("Expected an object"), which its users and tests match on.
    throw invalidArgType(
      `viewSource(): Expected an object as argument 1 (${isCallback ? "a callback declaration" : "the declarations"}). Received ${describeReceived(symbols)}`,
    );
  }
  if (isCallback) return invokerSource(resolveSignature(declarationObject(symbols, "callback"), "viewSource()", true));
  const single = "args" in symbols || "returns" in symbols;
  const entries: Array<[string, unknown]> = single ? [["fn", symbols]] : Object.entries(symbols);
  return entries.map(([name, decl]) => {
    const sig = resolveSignature(declarationObject(decl, name), `viewSource(): "${name}"`);
    return (sig.nonblocking ? nonblockingWrapperSource : sig.variadic ? variadicWrapperSource : wrapperSource)(name, sig);
  });
}

function declarationObject(decl: unknown, name: string): unknown {
  if (decl === null || typeof decl !== "object") {
    throw invalidArgType(`viewSource(): Expected an object for "${name}", like { args: [...], returns: "i32" }. Received ${describeReceived(decl)}`);
  }
  return decl;
}
