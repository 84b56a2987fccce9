/**
 * Reading a declaration (`{ args, returns }`) once, at declaration time, into a {@link Signature} of type numbers.
 */
import { FFIType, resolveType, typeNames } from "./ffi-type.js";
import { FFIError, describeReceived, invalidArgType } from "./errors.js";
import { safeIsArray } from "./globals.js";

/** A function signature with every type resolved to its number. */
export interface Signature {
  readonly args: readonly number[];
  readonly returns: number;
}

/** koffi's limit on the parameters of one function. */
export const MAX_PARAMETERS = 64;

/** Reads and validates `{ args, returns }` once, at declaration time. */
export function resolveSignature(declaration: unknown, site: string, isCallback = false): Signature {
  if (declaration === null || typeof declaration !== "object") {
    throw invalidArgType(`${site}: the declaration must be an object like { args: [...], returns: "i32" }. Received ${describeReceived(declaration)}`);
  }
  const { args = [], returns } = declaration as { args?: unknown; returns?: unknown };
  if (!safeIsArray(args)) {
    throw invalidArgType(`${site}: args must be an array of types. Received ${describeReceived(args)}`);
  }
  // Read the array once, by index (a Proxy or getters see each index read exactly once).
  const length = args.length;
  if (length > MAX_PARAMETERS) {
    throw new FFIError("ERR_FFI_TOO_MANY_ARGUMENTS", `${site}: ${length} arguments declared; a native function takes at most ${MAX_PARAMETERS}`);
  }
  const argTypes: number[] = [];
  for (let i = 0; i < length; i++) {
    if (!(i in args)) {
      throw new FFIError("ERR_FFI_INVALID_SIGNATURE", `${site}: args has a hole at index ${i}: every argument needs a type`);
    }
    const n = resolveType(args[i], `${site}, argument ${i + 1}`);
    if (n === FFIType.void) throw invalidArgType(`${site}: argument ${i + 1} cannot be of type 'void'`);
    if (n === FFIType.buffer && isCallback) throw unsupported(site, n, "as a callback argument");
    if (n === FFIType.napi_env || n === FFIType.napi_value) throw unsupported(site, n, "on Node (koffi cannot pass N-API handles)");
    argTypes.push(n);
  }
  let ret: number;
  try {
    ret = resolveType(returns, `${site}, return type`);
  } catch (e) {
    // Bun's wording for this case, which its users and tests match on.
    if (e instanceof TypeError) e.message = e.message.replace(/^Unknown type/, "Unknown return type");
    throw e;
  }
  // Bun's wordings ("Cannot return ... to JavaScript") lead these messages.
  if (ret === FFIType.napi_env || ret === FFIType.napi_value) {
    throw unsupported(site, ret, `on Node (koffi cannot pass N-API handles): Cannot return ${typeNames[ret]} to JavaScript`);
  }
  if (ret === FFIType.buffer) {
    throw unsupported(site, ret, "as a return type: Cannot return a buffer to JavaScript (since byteLength and byteOffset are unknown); declare 'ptr' and use toBuffer");
  }
  return Object.freeze({ args: Object.freeze(argTypes), returns: ret });
}

function unsupported(site: string, type: number, why: string): FFIError {
  return new FFIError("ERR_FFI_UNSUPPORTED_TYPE", `${site}: type '${typeNames[type]}' is not supported ${why}`);
}
