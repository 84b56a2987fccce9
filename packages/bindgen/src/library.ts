/**
 * Opening a native library for bound functions: path checks, one clear error when it does not load, symbol
 * declaration through koffi, and a guard every wrapper checks so a call after `close()` throws instead of crashing.
 */
import { FFIError } from "@ffi-kit/core";
import { libraryPathArgument, openLibrary as openWithCore, unloadWhenSafe, type KoffiLibrary, type KoffiType } from "@ffi-kit/core/internal";

/** Checked by every wrapper before it converts anything. */
export interface LibraryGuard {
  closed: boolean;
  fail(): never;
}

/** An open library: declare its functions, check the guard, close it. */
export interface OpenedLibrary {
  readonly path: string;
  readonly G: LibraryGuard;
  /** Declares a C function (`lib.func`); a missing symbol throws `ERR_FFI_SYMBOL_NOT_FOUND`. */
  declare(symbol: string, ret: string | KoffiType, args: ReadonlyArray<string | KoffiType>): (...args: unknown[]) => unknown;
  /** Closes the library; later calls throw `ERR_FFI_LIBRARY_CLOSED`. Idempotent. */
  close(): void;
}

/**
 * Opens the shared library at `path` for bound functions.
 *
 * @example
 * const { declare, close } = openLibrary("./libmath.so");
 */
export function openLibrary(path: string | URL, site = "bind()"): OpenedLibrary {
  // Path checks, the loader-cache fallbacks for bare names and ERR_DLOPEN_FAILED are core's, as for dlopen().
  const file = libraryPathArgument(path, site);
  const lib: KoffiLibrary = openWithCore(file);
  let closed = false;
  const G: LibraryGuard = {
    closed: false,
    fail(): never {
      throw new FFIError("ERR_FFI_LIBRARY_CLOSED", `Cannot call into "${file}": the library was closed`);
    },
  };
  return {
    path: file,
    G,
    declare(symbol, ret, args) {
      if (closed) G.fail();
      try {
        return lib.func(symbol, ret, [...args]) as (...args: unknown[]) => unknown;
      } catch (e) {
        if (/Cannot find function/.test(String((e as Error)?.message))) {
          throw new FFIError("ERR_FFI_SYMBOL_NOT_FOUND", `${site}: symbol "${symbol}" not found in "${file}"`, { cause: e });
        }
        throw e;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      G.closed = true;
      unloadWhenSafe(lib);
    },
  };
}
