import { statSync } from "node:fs";
import { koffi, type KoffiLibrary } from "./koffi-engine.js";
import { FFIError, describeReceived, invalidArgType, withCode } from "./errors.js";
import { alternativePaths, libraryPathArgument } from "./library-path.js";
import { compileCall, koffiTypesForCall, resolveSignature, type Guard } from "./declaration.js";
import { callbackActivity } from "./callback-activity.js";
import { nativeThreadsMayCall } from "./exit-guard.js";
import type { ConvertFns, FFIFunction, Library } from "./types.js";

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
export function openLibrary(path: string): KoffiLibrary {
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
export function unloadWhenSafe(lib: KoffiLibrary): void {
  // Native threads may be running library code (and calling back) until the process is gone: never unmap.
  if (nativeThreadsMayCall()) return;
  // Unloading while a JS callback runs would return into unmapped code: wait until native frames are gone.
  if (callbackActivity.depth > 0) setImmediate(() => unloadWhenSafe(lib));
  else lib.unload();
}

/**
 * Opens a shared library and declares its functions, as `bun:ffi`'s `dlopen`.
 *
 * @example
 * const lib = dlopen(`libsqlite3.${suffix}`, { sqlite3_libversion: { args: [], returns: "cstring" } });
 * console.log(lib.symbols.sqlite3_libversion());
 */
export function dlopen<const Fns extends Record<string, FFIFunction>>(path: string | URL, symbols: Fns): Library<Fns> {
  const file = libraryPathArgument(path);
  if (symbols === null || typeof symbols !== "object") {
    throw invalidArgType(`dlopen(): argument 2 (symbols) must be an object. Received ${describeReceived(symbols)}`);
  }
  const names = Object.keys(symbols);
  if (names.length === 0) throw invalidArgType("Expected at least one symbol");
  // Validate every declaration before touching the library.
  const signatures = names.map((name) => resolveSignature(symbols[name], `dlopen(): symbol "${name}"`));

  const lib = openLibrary(file);
  const guards: Guard[] = [];
  const out: Record<string, unknown> = {};
  try {
    names.forEach((name, i) => {
      const sig = signatures[i]!;
      const { ret, args } = koffiTypesForCall(sig);
      let raw: (...args: unknown[]) => unknown;
      try {
        raw = lib.func(name, ret, args) as (...args: unknown[]) => unknown;
      } catch (e) {
        if (/Cannot find function/.test(String((e as Error)?.message))) {
          throw invalidArgType(`Symbol "${name}" not found in "${file}"`);
        }
        throw e;
      }
      const guard: Guard = {
        closed: false,
        fail(): never {
          throw new FFIError("ERR_FFI_LIBRARY_CLOSED", `Cannot call "${name}": the library "${file}" was closed`);
        },
      };
      guards.push(guard);
      const compiled = compileCall(name, sig, raw, guard);
      Object.defineProperties(compiled.fn, {
        ptr: { value: Number(lib.symbol(name) as bigint), enumerable: true },
        native: { value: compiled.native },
        source: { value: compiled.source },
      });
      out[name] = compiled.fn;
    });
  } catch (e) {
    lib.unload();
    throw e;
  }
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const g of guards) g.closed = true;
    unloadWhenSafe(lib);
  };
  return Object.freeze({ symbols: Object.freeze(out) as ConvertFns<Fns>, close, [Symbol.dispose]: close });
}
