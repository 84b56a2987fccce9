/**
 * @ffi-kit/core: the whole `bun:ffi` API on Node.js, over koffi. Code written for `bun:ffi` runs unchanged
 * except for the import.
 *
 * @example
 * import { dlopen, FFIType, suffix } from "@ffi-kit/core";
 * const lib = dlopen(`libsqlite3.${suffix}`, { sqlite3_libversion: { args: [], returns: FFIType.cstring } });
 * console.log(lib.symbols.sqlite3_libversion());
 */
export { dlopen } from "./dlopen.js";
export { cc, type CCOptions } from "./cc.js";
export { configureNonblocking, nonblockingStats, type NonblockingConfig } from "./nonblocking.js";
export { FFIType, resolveType, type FFITypeName, type FFITypeNumber, type FFITypeOrString } from "./ffi-type.js";
export { CFunction, linkSymbols, type CFunctionInstance, type FFIFunctionWithPtr } from "./cfunction.js";
export { JSCallback, callbackStats } from "./callback.js";
export { CString } from "./cstring.js";
export { ptr, MIN_VALID_ADDRESS } from "./pointer.js";
export { read, type Reader } from "./read.js";
export { toArrayBuffer, toBuffer } from "./array-buffer.js";
export { viewSource } from "./view-source.js";
export { suffix } from "./library-path.js";
export { FFIError, type FFIErrorCode } from "./errors.js";
export type { Pointer, NativeHandle, TypedArray } from "./pointer-types.js";
export type {
  FFIFunction,
  ConvertFn,
  ConvertFns,
  ArgsOf,
  ResultOf,
  VariadicArgs,
  Library,
  JSCallbackOptions,
  JSCallbackFunction,
  ArgType,
  ReturnsType,
  FFITypeToArgsType,
  FFITypeToReturnsType,
} from "./signature-types.js";
