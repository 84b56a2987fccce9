/**
 * An open native library as every ffi-kit package uses it: opening (with the fallbacks a user would expect),
 * declaring symbols, the guard that stops calls after `close()`, and unloading only when no JS callback runs above
 * native frames. `dlopen` and @ffi-kit/bindgen's `bind()` both open libraries through {@link openLibraryHandle}.
 */
import { statSync } from "node:fs";
import { koffi, type KoffiLibrary, type KoffiType } from "./koffi-engine.js";
import { FFIError, invalidArgType, invalidArgValue, startStackAt, withCode } from "./errors.js";
import { alternativePaths, libraryPathArgument } from "./library-path.js";
import { callbackActivity } from "./callback-activity.js";
import { nativeThreadsMayCall } from "./exit-guard.js";

/** Something whose calls must stop: a closed library or function. Checked by every generated wrapper. */
export interface Guard {
  closed: boolean;
  fail(): never;
}

/** A guard whose `fail()` throws `FFIError` `code` with `message()`. */
export function createGuard(code: "ERR_FFI_LIBRARY_CLOSED" | "ERR_FFI_FUNCTION_CLOSED", message: () => string): Guard {
  const guard: Guard = {
    closed: false,
    fail(): never {
      // The stack starts at the wrapper the user called (its frame names ffi-kit://<library>/<symbol>.js).
      throw startStackAt(new FFIError(code, message()), guard.fail);
    },
  };
  return guard;
}

/**
 * Refuses a path that names something other than a regular file (or a symlink to one): the system loader would
 * block forever in `open()` on a FIFO, and read without end from `/dev/zero`. Bare names (no `/`) are searched by
 * the loader in its own directories and are left to it. A file swapped for a FIFO between this check and the
 * loader's `open()` is not caught: do not load libraries from directories that others can write.
 */
function refuseNonRegularFile(candidate: string, requested: string): void {
  if (!candidate.includes("/")) return;
  let stats;
  try {
    stats = statSync(candidate); // follows symlinks
  } catch {
    return; // missing: the loader says so in its own words
  }
  if (stats.isFile()) return;
  const kind = stats.isDirectory()
    ? "a directory"
    : stats.isFIFO()
      ? "a FIFO"
      : stats.isSocket()
        ? "a socket"
        : stats.isCharacterDevice() || stats.isBlockDevice()
          ? "a device"
          : "not a regular file";
  throw withCode(
    new Error(`Failed to open library "${requested}": ${candidate} is ${kind}, not a shared library file (only regular files, or symlinks to them, are opened)`),
    "ERR_DLOPEN_FAILED",
  );
}

/** Opens a library with koffi, trying the alternatives a user would expect; throws `ERR_DLOPEN_FAILED` naming the path. */
function openLibrary(path: string): KoffiLibrary {
  let first: unknown;
  for (const candidate of [path, ...alternativePaths(path)]) {
    refuseNonRegularFile(candidate, path);
    try {
      return koffi.load(candidate);
    } catch (e) {
      first ??= e;
    }
  }
  const reason = String((first as Error)?.message ?? first).replace(/^Failed to load shared library:\s*/, "");
  throw withCode(new Error(`Failed to open library "${path}": ${reason}`, { cause: first }), "ERR_DLOPEN_FAILED");
}

/** Unloads a library, or defers that until no JS callback is running above native frames. */
function unloadWhenSafe(lib: KoffiLibrary): void {
  // Native threads may be running library code (and calling back) until the process is gone: never unmap.
  if (nativeThreadsMayCall()) return;
  // Unloading while a JS callback runs would return into unmapped code: wait until native frames are gone.
  if (callbackActivity.depth > 0) setImmediate(() => unloadWhenSafe(lib));
  else lib.unload();
}

/** A C type as koffi declares it: a name (`"int32_t"`) or a type made by core (struct, union, pointer). */
export type NativeType = string | KoffiType;

/** An open library: declare its functions, check its guard, close it. */
export interface LibraryHandle {
  /** The path as opened (after URL and relative-path handling). */
  readonly path: string;
  /** Closed by `close()`; every wrapper over this library checks it. */
  readonly guard: Guard;
  /**
   * Declares a C function. A name with a NUL byte throws `ERR_INVALID_ARG_VALUE`; a missing symbol the one
   * missing-symbol error (see {@link symbolNotFound}).
   */
  declare(symbol: string, ret: NativeType, args: readonly NativeType[]): (...args: unknown[]) => unknown;
  /** The address of a symbol (declared or not), as a number. */
  address(symbol: string): number;
  /**
   * Stops every wrapper (they throw `ERR_FFI_LIBRARY_CLOSED`) and unloads when safe: once no JS callback runs above
   * native frames and every retained call (a nonblocking call waiting or running) has released it. Idempotent.
   */
  close(): void;
  /** Keeps the library loaded across `close()` until the matching {@link release} (a nonblocking call in flight). */
  retain(): void;
  release(): void;
}

/**
 * The error for a symbol the library does not export. `dlopen()` keeps bun:ffi's form (a `TypeError`
 * `ERR_INVALID_ARG_TYPE`, `Symbol "x" not found in "lib"`); other sites get `FFIError` `ERR_FFI_SYMBOL_NOT_FOUND`.
 */
export function symbolNotFound(symbol: string, path: string, site: string, cause?: unknown): Error {
  if (site === "dlopen()") return invalidArgType(`Symbol "${symbol}" not found in "${path}"`);
  return new FFIError("ERR_FFI_SYMBOL_NOT_FOUND", `${site}: symbol "${symbol}" not found in "${path}"`, { cause });
}

/** Refuses a symbol name koffi would cut short at a NUL byte (it would bind a different symbol). */
export function checkSymbolName(symbol: string, site: string): void {
  if (symbol.includes("\0")) {
    throw invalidArgValue(`${site}: the symbol name ${JSON.stringify(symbol)} contains a NUL byte; C names cannot`);
  }
}

/**
 * Opens the shared library at `path` (a string, `file:` URL or bare name) for declaring functions.
 *
 * @example
 * const lib = openLibraryHandle("./libmath.so", "bind()");
 * const add = lib.declare("add", "int32_t", ["int32_t", "int32_t"]);
 */
export function openLibraryHandle(path: string | URL, site: string, closedMessage?: (file: string) => string): LibraryHandle {
  const file = libraryPathArgument(path, site);
  const lib = openLibrary(file);
  const guard = createGuard("ERR_FFI_LIBRARY_CLOSED", () =>
    closedMessage ? closedMessage(file) : `Cannot call into "${file}": the library was closed`,
  );
  const find = <T>(symbol: string, get: () => T): T => {
    checkSymbolName(symbol, site);
    if (guard.closed) guard.fail();
    try {
      return get();
    } catch (e) {
      if (/Cannot find (function|symbol)/.test(String((e as Error)?.message))) throw symbolNotFound(symbol, file, site, e);
      throw e;
    }
  };
  let retained = 0;
  return {
    path: file,
    guard,
    retain() {
      retained++;
    },
    release() {
      if (--retained === 0 && guard.closed) unloadWhenSafe(lib);
    },
    declare: (symbol, ret, args) => find(symbol, () => lib.func(symbol, ret, [...args]) as (...args: unknown[]) => unknown),
    address: (symbol) => find(symbol, () => Number(lib.symbol(symbol) as bigint)),
    close() {
      if (guard.closed) return;
      guard.closed = true;
      if (retained === 0) unloadWhenSafe(lib);
    },
  };
}
