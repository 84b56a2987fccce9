/**
 * Opening a native library for bound functions: core's library handle (path checks, one clear error when it does
 * not load, symbol declaration, a guard every wrapper checks so a call after `close()` throws instead of crashing).
 */
import { openLibraryHandle, type Guard, type NativeType } from "@ffi-kit/core/internal";

/** Checked by every wrapper before it converts anything. */
export type LibraryGuard = Guard;

/** An open library: declare its functions, check the guard, close it. */
export interface OpenedLibrary {
  readonly path: string;
  readonly G: LibraryGuard;
  /** Declares a C function; a missing symbol throws `ERR_FFI_SYMBOL_NOT_FOUND`. */
  declare(symbol: string, ret: NativeType, args: readonly NativeType[]): (...args: unknown[]) => unknown;
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
  const lib = openLibraryHandle(path, site);
  return { path: lib.path, G: lib.guard, declare: lib.declare, close: lib.close };
}
