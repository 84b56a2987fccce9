import { FFIError, describeReceived, invalidArgType, startStackAt } from "./errors.js";
import { resolveSignature } from "./signature.js";
import { koffiTypesForCall } from "./koffi-types.js";
import { compileCall } from "./call-wrapper.js";
import { fastTarget } from "./fast-engine.js";
import { compileVariadicCall, VARIADIC_MARKER } from "./variadic.js";
import { compileNonblockingCall, type NonblockingOwner } from "./nonblocking.js";
import { createGuard, checkSymbolName, openLibraryHandle, type Guard } from "./library-handle.js";
import { libraryPathArgument } from "./library-path.js";
import type { ConvertFns, FFIFunction, Library } from "./signature-types.js";

/**
 * Opens a shared library and declares its functions, as `bun:ffi`'s `dlopen`.
 *
 * @example
 * const lib = dlopen(`libsqlite3.${suffix}`, { sqlite3_libversion: { args: [], returns: "cstring" } });
 * console.log(lib.symbols.sqlite3_libversion());
 */
export function dlopen<const Fns extends Record<string, FFIFunction>>(path: string | URL, symbols: Fns): Library<Fns> {
  try {
    return open(path, symbols);
  } catch (e) {
    throw startStackAt(e, dlopen);
  }
}

function open<const Fns extends Record<string, FFIFunction>>(path: string | URL, symbols: Fns): Library<Fns> {
  const file = libraryPathArgument(path);
  if (symbols === null || typeof symbols !== "object") {
    throw invalidArgType(`dlopen(): argument 2 (symbols) must be an object. Received ${describeReceived(symbols)}`);
  }
  const names = Object.keys(symbols);
  if (names.length === 0) throw invalidArgType("Expected at least one symbol");
  // Validate every declaration (and name) before touching the library.
  const signatures = names.map((name) => {
    checkSymbolName(name, "dlopen()");
    return resolveSignature(symbols[name], `dlopen(): symbol "${name}"`);
  });

  const lib = openLibraryHandle(file, "dlopen()");
  const owner: NonblockingOwner = {
    retain: () => lib.retain(),
    release: () => lib.release(),
    rejectPending: false,
    closedError: () => new FFIError("ERR_FFI_LIBRARY_CLOSED", `The library "${file}" was closed before this nonblocking call started`),
  };
  const guards: Guard[] = [];
  const out: Record<string, unknown> = {};
  try {
    names.forEach((name, i) => {
      const sig = signatures[i]!;
      const { ret, args } = koffiTypesForCall(sig);
      const raw = lib.declare(name, ret, sig.variadic ? [...args, VARIADIC_MARKER] : args);
      const guard = createGuard("ERR_FFI_LIBRARY_CLOSED", () => `Cannot call "${name}": the library "${file}" was closed`);
      guards.push(guard);
      const address = lib.address(name);
      const blocking = sig.variadic ? compileVariadicCall(file, name, sig, raw, guard) : compileCall(file, name, sig, raw, guard, fastTarget(sig, address));
      const compiled = sig.nonblocking ? { ...blocking, ...compileNonblockingCall(file, name, sig, raw, guard, owner) } : blocking;
      Object.defineProperties(compiled.fn, {
        ptr: { value: address, enumerable: true },
        native: { value: compiled.native },
        source: { value: compiled.source },
      });
      out[name] = compiled.fn;
    });
  } catch (e) {
    lib.close();
    throw e;
  }
  const close = (options?: { rejectPending?: boolean }): void => {
    if (options?.rejectPending === true) owner.rejectPending = true;
    if (lib.guard.closed) return;
    for (const g of guards) g.closed = true;
    lib.close();
  };
  return Object.freeze({ symbols: Object.freeze(out) as ConvertFns<Fns>, close, [Symbol.dispose]: close });
}
