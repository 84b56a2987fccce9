/**
 * Opening a native library for bound functions: path checks, one clear error when it does not load, symbol
 * declaration through koffi, and a guard every wrapper checks so a call after `close()` throws instead of crashing.
 */
import { fileURLToPath } from "node:url";
import { FFIError } from "@ffi-kit/core";
import { callbackActivity, describeReceived, invalidArgType, invalidArgValue, koffi, withCode, type KoffiLibrary, type KoffiType } from "@ffi-kit/core/internal";

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

function pathArgument(path: unknown, site: string): string {
  let p: string;
  if (path instanceof URL) {
    if (path.protocol !== "file:") throw invalidArgValue(`${site}: only file: URLs can be opened. Received ${path.href}`);
    p = fileURLToPath(path);
  } else if (typeof path === "string") {
    p = path.startsWith("file:") ? fileURLToPath(path) : path;
  } else {
    throw invalidArgType(`${site}: argument 1 (library) must be a path string or a file: URL. Received ${describeReceived(path)}`);
  }
  // koffi opens the main program for an empty path: never what a user meant.
  if (p.trim() === "") throw invalidArgValue(`${site}: argument 1 (library) must not be empty`);
  if (p.includes("\0")) throw invalidArgValue(`${site}: argument 1 (library) must not contain NUL bytes`);
  return p;
}

function unloadWhenSafe(lib: KoffiLibrary): void {
  // Unloading while a JS callback runs would return into unmapped code: wait until native frames are gone.
  if (callbackActivity.depth > 0) setImmediate(() => unloadWhenSafe(lib));
  else lib.unload();
}

/**
 * Opens the shared library at `path` for bound functions.
 *
 * @example
 * const { declare, close } = openLibrary("./libmath.so");
 */
export function openLibrary(path: string | URL, site = "bind()"): OpenedLibrary {
  const file = pathArgument(path, site);
  let lib: KoffiLibrary;
  try {
    lib = koffi.load(file);
  } catch (e) {
    const reason = String((e as Error)?.message ?? e).replace(/^Failed to load shared library:\s*/, "");
    throw withCode(new Error(`${site}: failed to open library "${file}": ${reason}`, { cause: e }), "ERR_DLOPEN_FAILED");
  }
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
