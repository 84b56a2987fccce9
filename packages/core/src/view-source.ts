import { resolveSignature } from "./signature.js";
import { wrapperSource } from "./call-wrapper.js";
import { invokerSource } from "./callback.js";
import { describeReceived, invalidArgType, startStackAt } from "./errors.js";
import type { FFIFunction } from "./signature-types.js";

/**
 * The generated JavaScript glue for each declaration (Bun shows its C glue; we have none, so this is the wrapper
 * that converts arguments and results). With `isCallback`, the glue that runs when C calls a JSCallback.
 *
 * @example
 * console.log(viewSource({ add: { args: ["i32", "i32"], returns: "i32" } })[0]);
 */
export function viewSource(symbols: Record<string, FFIFunction>, isCallback?: false): string[];
/** The glue of one declaration (`{ args, returns }`); with `isCallback`, of a JSCallback with that signature. */
export function viewSource(declaration: FFIFunction, isCallback?: boolean): string[];
/** With `isCallback`, the glue that runs when C calls a JSCallback of each declaration's signature. */
export function viewSource(symbols: Record<string, FFIFunction>, isCallback: true): string[];
export function viewSource(symbols: Record<string, FFIFunction> | FFIFunction, isCallback = false): string[] {
  try {
    return sources(symbols, isCallback);
  } catch (e) {
    throw startStackAt(e, viewSource);
  }
}

function sources(symbols: Record<string, FFIFunction> | FFIFunction, isCallback: boolean): string[] {
  if (symbols === null || typeof symbols !== "object") {
    throw invalidArgType(`viewSource(): argument 1 must be an object of declarations. Received ${describeReceived(symbols)}`);
  }
  const single = "args" in symbols || "returns" in symbols;
  const entries: Array<[string, unknown]> = single ? [["fn", symbols]] : Object.entries(symbols);
  return entries.map(([name, decl]) => {
    const sig = resolveSignature(decl, `viewSource(): "${name}"`, isCallback);
    return isCallback ? invokerSource(sig) : wrapperSource(name, sig);
  });
}
