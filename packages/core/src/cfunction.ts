import { koffi, prototype } from "./koffi-engine.js";
import { FFIError, describeReceived, invalidArgType, invalidPointer, startStackAt } from "./errors.js";
import { resolveSignature } from "./signature.js";
import { koffiTypesForCall } from "./koffi-types.js";
import { compileCall } from "./call-wrapper.js";
import { compileVariadicCall, VARIADIC_MARKER } from "./variadic.js";
import { compileNonblockingCall, standaloneOwner } from "./nonblocking.js";
import { createGuard, type Guard } from "./library-handle.js";
import { isUserAddress, USER_ADDRESS_LIMIT_BIGINT } from "./address-space.js";
import type { Pointer } from "./pointer-types.js";
import type { ConvertFn, ConvertFns, FFIFunction } from "./signature-types.js";

const MIN_VALID_ADDRESS_BIGINT = 4096n;

/** A declaration with the function's address, as `CFunction` and `linkSymbols` take it. */
export type FFIFunctionWithPtr = FFIFunction & { readonly ptr: Pointer | number | bigint };

/** What `new CFunction(...)` returns: the callable, with `close()`. */
export type CFunctionInstance<F extends FFIFunction> = ConvertFn<F> & { close(): void };

/** Bun's wording, which its users and tests match on. */
const PTR_REQUIRED = 'you must provide a "ptr" field with the memory address of the native function.';

function functionAddress(declaration: unknown, name: string, site: string): number | bigint {
  const ptr = (declaration as { ptr?: unknown } | null)?.ptr;
  if (ptr === undefined || ptr === null) {
    throw invalidArgType(`${site}: Symbol "${name}" is missing a "ptr" field. When using linkSymbols() or CFunction(), ${PTR_REQUIRED}`);
  }
  if (typeof ptr !== "number" && typeof ptr !== "bigint") {
    throw invalidArgType(`${site}: "ptr" of "${name}" must be a function pointer (number or bigint), ${PTR_REQUIRED} Received ${describeReceived(ptr)}`);
  }
  // Below 4096, in the kernel half, beyond 2^64, fractional, NaN, Infinity: calling it would crash the process.
  const valid = typeof ptr === "number" ? isUserAddress(ptr) : ptr >= MIN_VALID_ADDRESS_BIGINT && ptr < USER_ADDRESS_LIMIT_BIGINT;
  if (!valid) {
    throw invalidPointer(`${site}: "ptr" of "${name}" (${typeof ptr === "bigint" ? `${ptr}n` : ptr}) is not a valid function address on this machine`);
  }
  return ptr;
}

function bind(library: string, name: string, declaration: unknown, guard: Guard, site: string): (...args: unknown[]) => unknown {
  if (declaration === null || typeof declaration !== "object") {
    throw invalidArgType(`${site}: Expected an object as the declaration of "${name}", like { ptr, args: [...], returns: "i32" }. Received ${describeReceived(declaration)}`);
  }
  const address = functionAddress(declaration, name, site);
  const sig = resolveSignature(declaration, `${site}: symbol "${name}"`);
  const { ret, args } = koffiTypesForCall(sig);
  const raw = koffi.decode(address, prototype(ret, sig.variadic ? [...args, VARIADIC_MARKER] : args)) as (...args: unknown[]) => unknown;
  const blocking = (sig.variadic ? compileVariadicCall : compileCall)(library, name, sig, raw, guard);
  const compiled = sig.nonblocking
    ? { ...blocking, ...compileNonblockingCall(library, name, sig, raw, guard, standaloneOwner(() => new FFIError("ERR_FFI_FUNCTION_CLOSED", `"${name}" was closed before this nonblocking call started`))) }
    : blocking;
  Object.defineProperties(compiled.fn, {
    ptr: { value: typeof address === "bigint" ? Number(address) : address, enumerable: true },
    native: { value: compiled.native },
    source: { value: compiled.source },
  });
  return compiled.fn;
}

function closedGuard(message: () => string): Guard {
  return createGuard("ERR_FFI_FUNCTION_CLOSED", message);
}

interface CFunctionConstructor {
  /**
   * Wraps a raw C function pointer into a callable, as `bun:ffi`'s `CFunction`.
   *
   * @example
   * const getVersion = new CFunction({ ptr: versionPtr, args: [], returns: "cstring" });
   * getVersion(); getVersion.close();
   */
  new <const F extends FFIFunctionWithPtr>(declaration: F): CFunctionInstance<F>;
}

/** Wraps a raw C function pointer (number or bigint) into a callable with an idempotent `close()`. */
export const CFunction = function CFunction(this: unknown, declaration: FFIFunctionWithPtr) {
  if (new.target === undefined) throw invalidArgType("Class constructor CFunction cannot be invoked without 'new'");
  const guard = closedGuard(() => "Cannot call this CFunction: it was closed");
  let fn: (...args: unknown[]) => unknown;
  try {
    fn = bind("CFunction", "CFunction", declaration, guard, "new CFunction()");
  } catch (e) {
    throw startStackAt(e, CFunction);
  }
  Object.defineProperty(fn, "close", {
    value: function close(): void {
      guard.closed = true;
    },
  });
  return fn;
} as unknown as CFunctionConstructor;

/**
 * Wraps several raw function pointers at once, as `bun:ffi`'s `linkSymbols`.
 *
 * @example
 * const lib = linkSymbols({ getMajor: { ptr: majorPtr, args: [], returns: "i32" } });
 * lib.symbols.getMajor(); lib.close();
 */
export function linkSymbols<const Fns extends Record<string, FFIFunctionWithPtr>>(
  symbols: Fns,
): { readonly symbols: ConvertFns<Fns>; close(): void; [Symbol.dispose](): void } {
  try {
    return link(symbols);
  } catch (e) {
    throw startStackAt(e, linkSymbols);
  }
}

function link<const Fns extends Record<string, FFIFunctionWithPtr>>(
  symbols: Fns,
): { readonly symbols: ConvertFns<Fns>; close(): void; [Symbol.dispose](): void } {
  if (symbols === null || typeof symbols !== "object") {
    throw invalidArgType(`linkSymbols(): argument 1 must be an object. Received ${describeReceived(symbols)}`);
  }
  const names = Object.keys(symbols);
  if (names.length === 0) throw invalidArgType("Expected at least one symbol");
  const guards: Guard[] = [];
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const guard = closedGuard(() => `Cannot call "${name}": linkSymbols() was closed`);
    guards.push(guard);
    out[name] = bind("linkSymbols", name, symbols[name], guard, "linkSymbols()");
  }
  const close = (): void => {
    for (const g of guards) g.closed = true;
  };
  return Object.freeze({ symbols: Object.freeze(out) as ConvertFns<Fns>, close, [Symbol.dispose]: close });
}
