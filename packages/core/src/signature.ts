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
  /** The declaration's `args` end with `"..."`: (type, value) pairs follow the fixed arguments (see variadic.ts). */
  readonly variadic?: true;
  /** `nonblocking: true`: the symbol returns a Promise; the call runs on the thread pool (see nonblocking.ts). */
  readonly nonblocking?: true;
  /** `ordered: true` (with `nonblocking`): the symbol's calls run one at a time, in submission order. */
  readonly ordered?: true;
}

/** koffi's limit on the parameters of one function. */
export const MAX_PARAMETERS = 64;

/** Reads and validates `{ args, returns }` once, at declaration time. */
export function resolveSignature(declaration: unknown, site: string, isCallback = false): Signature {
  if (declaration === null || typeof declaration !== "object") {
    throw invalidArgType(`${site}: the declaration must be an object like { args: [...], returns: "i32" }. Received ${describeReceived(declaration)}`);
  }
  const { args = [], returns, nonblocking, ordered } = declaration as { args?: unknown; returns?: unknown; nonblocking?: unknown; ordered?: unknown };
  for (const [name, value] of [["nonblocking", nonblocking], ["ordered", ordered]] as const) {
    if (value !== undefined && typeof value !== "boolean") {
      throw invalidArgType(`${site}: ${name} must be a boolean. Received ${describeReceived(value)}`);
    }
  }
  if (ordered === true && nonblocking !== true) {
    throw new FFIError("ERR_FFI_INVALID_SIGNATURE", `${site}: ordered: true applies to nonblocking calls; add nonblocking: true`);
  }
  if (nonblocking === true && isCallback) throw unsupported(site, -1, "in a callback: nonblocking applies to calls into C");
  if (!safeIsArray(args)) {
    throw invalidArgType(`${site}: args must be an array of types. Received ${describeReceived(args)}`);
  }
  // Read the array once, by index (a Proxy or getters see each index read exactly once).
  let length = args.length;
  if (length > MAX_PARAMETERS + 1) throw tooManyArguments(site, length);
  let variadic = false;
  const items: unknown[] = [];
  for (let i = 0; i < length; i++) items.push(i in args ? args[i] : hole);
  if (length > 0 && items[length - 1] === "...") {
    if (isCallback) throw unsupported(site, -1, "in a callback: a JSCallback cannot be variadic");
    variadic = true;
    length--;
  }
  if (length > MAX_PARAMETERS) throw tooManyArguments(site, length);
  const argTypes: number[] = [];
  for (let i = 0; i < length; i++) {
    const item = items[i];
    if (item === hole) {
      throw new FFIError("ERR_FFI_INVALID_SIGNATURE", `${site}: args has a hole at index ${i}: every argument needs a type`);
    }
    if (item === "...") {
      throw new FFIError("ERR_FFI_INVALID_SIGNATURE", `${site}: "..." must be the last of args (it stands for the variadic arguments), found at index ${i}`);
    }
    const n = resolveType(item, `${site}, argument ${i + 1}`);
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
  if (variadic && nonblocking === true) {
    throw new FFIError("ERR_FFI_INVALID_SIGNATURE", `${site}: a variadic declaration ("...") cannot be nonblocking: koffi calls variadic functions on the JS thread only (wrap the function in a C function with fixed arguments to call it nonblocking)`);
  }
  const sig: { -readonly [K in keyof Signature]: Signature[K] } = { args: Object.freeze(argTypes), returns: ret };
  if (variadic) sig.variadic = true;
  if (nonblocking === true) sig.nonblocking = true;
  if (ordered === true) sig.ordered = true;
  return Object.freeze(sig);
}

function tooManyArguments(site: string, length: number): FFIError {
  return new FFIError("ERR_FFI_TOO_MANY_ARGUMENTS", `${site}: ${length} arguments declared; a native function takes at most ${MAX_PARAMETERS}`);
}

/** Marks a hole of `args` (read once, before the types are resolved). */
const hole = Symbol("hole");

function unsupported(site: string, type: number, why: string): FFIError {
  return new FFIError("ERR_FFI_UNSUPPORTED_TYPE", type < 0 ? `${site}: ${why.replace(/^in a callback: /, "")}` : `${site}: type '${typeNames[type]}' is not supported ${why}`);
}
