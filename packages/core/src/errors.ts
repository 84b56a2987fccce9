/**
 * Errors thrown by ffi-kit.
 *
 * Argument validation reuses Node's codes and classes (`TypeError` with `ERR_INVALID_ARG_TYPE`,
 * `RangeError` with `ERR_OUT_OF_RANGE`...); failures that are ours alone are {@link FFIError}s whose
 * `code` starts with `ERR_FFI_`.
 */

/**
 * The codes of {@link FFIError}, of every ffi-kit package (the root README has a table of what each means and what
 * to do about it). Node-style errors ffi-kit throws keep Node's codes: `ERR_INVALID_ARG_TYPE`,
 * `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`, `ERR_MISSING_ARGS`, `ERR_MISSING_OPTION`, `ERR_DLOPEN_FAILED`.
 */
export type FFIErrorCode =
  // @ffi-kit/core
  | "ERR_FFI_INVALID_POINTER"
  | "ERR_FFI_LIBRARY_CLOSED"
  | "ERR_FFI_FUNCTION_CLOSED"
  | "ERR_FFI_CALLBACK_CLOSED"
  | "ERR_FFI_UNSUPPORTED_TYPE"
  | "ERR_FFI_EXTENSION_REQUIRED"
  | "ERR_FFI_CALLBACK_LIMIT"
  | "ERR_FFI_TOO_MANY_ARGUMENTS"
  | "ERR_FFI_INVALID_SIGNATURE"
  | "ERR_FFI_SYMBOL_NOT_FOUND"
  | "ERR_FFI_ADDON_MISSING"
  | "ERR_FFI_VARIADIC_ARGUMENTS"
  | "ERR_FFI_CC_COMPILE"
  | "ERR_FFI_CC_UNAVAILABLE"
  // @ffi-kit/memory
  | "ERR_FFI_USE_AFTER_FREE"
  | "ERR_FFI_EXTERNAL_BUFFERS_FORBIDDEN"
  | "ERR_FFI_MEMORY_LEAK"
  | "ERR_FFI_ALREADY_OWNED"
  // @ffi-kit/callbacks
  | "ERR_FFI_UNSUPPORTED_PLATFORM"
  | "ERR_FFI_CALLBACK_CREATE"
  // @ffi-kit/bindgen
  | "ERR_FFI_INVALID_SCHEMA"
  | "ERR_FFI_INVALID_RETURN"
  // @ffi-kit/fuzz
  | "ERR_FFI_FUZZ_TARGET"
  | "ERR_FFI_FUZZ_LIBRARY_MISSING"
  | "ERR_FFI_FUZZ_NO_COVERAGE"
  | "ERR_FFI_GC_UNAVAILABLE"
  // @ffi-kit/bench
  | "ERR_FFI_BENCH_NOT_BUILT";

/**
 * The errors ffi-kit made (FFIErrors and the Node-style errors of {@link withCode}): only these have their stack
 * moved by {@link startStackAt}. An error thrown by user code that a conversion ran keeps its own stack.
 */
const ownErrors = new WeakSet<object>();

/** Codes whose errors are `TypeError`s (bun:ffi throws TypeError for an invalid pointer). */
const typeErrorCodes: ReadonlySet<string> = new Set(["ERR_FFI_INVALID_POINTER"]);

/**
 * An error of ffi-kit's own, with a stable `code` to match on. `ERR_FFI_INVALID_POINTER` errors are also
 * `TypeError`s, as in bun:ffi: `e instanceof FFIError` and `e instanceof TypeError` both hold for them.
 *
 * @example
 * try { read.u8(16) } catch (e) { if (e instanceof FFIError && e.code === "ERR_FFI_INVALID_POINTER") ... }
 */
export class FFIError extends Error {
  readonly code: FFIErrorCode;
  constructor(code: FFIErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    ownErrors.add(this);
    // A TypeError-based twin for the codes that Bun throws as TypeError (the constructor returns it instead).
    if (new.target === FFIError && typeErrorCodes.has(code)) {
      const twin = new FFITypeError(message, options);
      Object.defineProperty(twin, "code", { value: code, enumerable: true });
      // Keep the stack pointing at the caller, not at this constructor.
      if (typeof this.stack === "string") Object.defineProperty(twin, "stack", { value: this.stack, writable: true, configurable: true });
      ownErrors.add(twin);
      return twin as unknown as FFIError;
    }
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || (this === FFIError && value instanceof FFITypeError);
  }
  override get name(): string {
    return "FFIError";
  }
  override toString(): string {
    return `FFIError [${this.code}]: ${this.message}`;
  }
}

/** The `TypeError` form of {@link FFIError}; `instanceof FFIError` is true for it. Not exported: make it with `new FFIError(code, ...)`. */
class FFITypeError extends TypeError {
  declare readonly code: FFIErrorCode;
  override get name(): string {
    return "FFIError";
  }
  override toString(): string {
    return `FFIError [${this.code}]: ${this.message}`;
  }
}

/** `FFIError` (a `TypeError`) with code `ERR_FFI_INVALID_POINTER`. */
export function invalidPointer(message: string): FFIError {
  return new FFIError("ERR_FFI_INVALID_POINTER", message);
}

const captureStackTrace = (Error as { captureStackTrace?: (target: object, constructorOpt?: Function) => void }).captureStackTrace;

/**
 * Makes the stack of an error ffi-kit made start at the user's call of `entry`, the public function that threw
 * it, instead of deep inside ffi-kit (any other value is returned untouched). Returns the error, for `throw startStackAt(e, dlopen)`.
 */
export function startStackAt<E>(error: E, entry: Function): E {
  if (captureStackTrace !== undefined && typeof error === "object" && error !== null && ownErrors.has(error)) {
    captureStackTrace(error, entry);
  }
  return error;
}

/** Attaches a Node-style `code` to a built-in error (`TypeError`, `RangeError`, `Error`). */
export function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  Object.defineProperty(error, "code", { value: code, enumerable: true, writable: true, configurable: true });
  ownErrors.add(error);
  return error as E & { code: string };
}

/** Describes a received value the way Node's own errors do: `type string ('12')`, `an instance of Foo`. */
export function describeReceived(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "function":
      return `function ${(value as { name?: string }).name || "<anonymous>"}`;
    case "object": {
      const ctor = (value as object).constructor as { name?: string } | undefined;
      if (ctor && typeof ctor.name === "string" && ctor.name !== "") return `an instance of ${ctor.name}`;
      return "an object";
    }
    case "string": {
      const shown = value.length > 28 ? `${value.slice(0, 25)}...` : value;
      return `type string (${JSON.stringify(shown).replace(/^"|"$/g, "'")})`;
    }
    case "bigint":
      return `type bigint (${value}n)`;
    case "symbol":
      return `type symbol (${String(value)})`;
    default:
      return `type ${typeof value} (${Object.is(value, -0) ? "-0" : String(value)})`;
  }
}

/** `TypeError` with code `ERR_INVALID_ARG_TYPE`. */
export function invalidArgType(message: string): TypeError & { code: string } {
  return withCode(new TypeError(message), "ERR_INVALID_ARG_TYPE");
}

/** `TypeError` with code `ERR_INVALID_ARG_VALUE`. */
export function invalidArgValue(message: string): TypeError & { code: string } {
  return withCode(new TypeError(message), "ERR_INVALID_ARG_VALUE");
}

/** `RangeError` with code `ERR_OUT_OF_RANGE`. */
export function outOfRange(message: string): RangeError & { code: string } {
  return withCode(new RangeError(message), "ERR_OUT_OF_RANGE");
}
