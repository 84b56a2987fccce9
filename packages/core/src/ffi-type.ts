import { invalidArgValue } from "./errors.js";

/**
 * The FFI types, by name, with the numbers of `bun:ffi` (users pass either).
 *
 * @example
 * dlopen(path, { add: { args: [FFIType.i32, "i32"], returns: FFIType.i32 } })
 */
export const FFIType = Object.freeze({
  /** C: `char` (signed 8-bit). JS: `number`. Example: `{ args: ["char"] }` takes `65` for `'A'`. */
  char: 0,
  /** C: `int8_t`. JS: `number` (wraps to -128..127). Example: `f(-1)`. */
  int8_t: 1,
  /** C: `int8_t`. JS: `number` (wraps to -128..127). Example: `f(-1)`. */
  i8: 1,
  /** C: `uint8_t`. JS: `number` (wraps to 0..255). Example: `f(255)`. */
  uint8_t: 2,
  /** C: `uint8_t`. JS: `number` (wraps to 0..255). Example: `f(255)`. */
  u8: 2,
  /** C: `int16_t`. JS: `number` (wraps to -32768..32767). Example: `f(-300)`. */
  int16_t: 3,
  /** C: `int16_t`. JS: `number` (wraps to -32768..32767). Example: `f(-300)`. */
  i16: 3,
  /** C: `uint16_t`. JS: `number` (wraps to 0..65535). Example: `f(65535)`. */
  uint16_t: 4,
  /** C: `uint16_t`. JS: `number` (wraps to 0..65535). Example: `f(65535)`. */
  u16: 4,
  /** C: `int32_t` / `int`. JS: `number` (wraps like `x | 0`). Example: `add(2, 3) === 5`. */
  int32_t: 5,
  /** C: `int32_t` / `int`. JS: `number` (wraps like `x | 0`). Example: `add(2, 3) === 5`. */
  i32: 5,
  /** C: `int32_t` / `int`. JS: `number` (wraps like `x | 0`). Example: `add(2, 3) === 5`. */
  int: 5,
  /** C: `int32_t` / `int`. JS: `number` (wraps like `x | 0`). Example: `add(2, 3) === 5`. */
  c_int: 5,
  /** C: `uint32_t` / `unsigned int`. JS: `number` (wraps like `x >>> 0`). Example: `f(2 ** 32 - 1)`. */
  uint32_t: 6,
  /** C: `uint32_t` / `unsigned int`. JS: `number` (wraps like `x >>> 0`). Example: `f(2 ** 32 - 1)`. */
  u32: 6,
  /** C: `uint32_t` / `unsigned int`. JS: `number` (wraps like `x >>> 0`). Example: `f(2 ** 32 - 1)`. */
  c_uint: 6,
  /** C: `int64_t` / `ssize_t`. JS: takes `number | bigint`, returns `bigint`. Example: `f(-1n) === -1n`. */
  int64_t: 7,
  /** C: `int64_t` / `ssize_t`. JS: takes `number | bigint`, returns `bigint`. Example: `f(-1n) === -1n`. */
  i64: 7,
  /** C: `int64_t` / `ssize_t`. JS: takes `number | bigint`, returns `bigint`. Example: `f(-1n) === -1n`. */
  isize: 7,
  /** C: `uint64_t` / `size_t`. JS: takes `number | bigint`, returns `bigint`. Example: `f(2n ** 64n - 1n)`. */
  uint64_t: 8,
  /** C: `uint64_t` / `size_t`. JS: takes `number | bigint`, returns `bigint`. Example: `f(2n ** 64n - 1n)`. */
  u64: 8,
  /** C: `uint64_t` / `size_t`. JS: takes `number | bigint`, returns `bigint`. Example: `f(2n ** 64n - 1n)`. */
  usize: 8,
  /** C: `uint64_t` / `size_t`. JS: takes `number | bigint`, returns `bigint`. Example: `f(2n ** 64n - 1n)`. */
  size_t: 8,
  /** C: `double`. JS: `number`. Example: `f(0.5)`. */
  double: 9,
  /** C: `double`. JS: `number`. Example: `f(0.5)`. */
  f64: 9,
  /** C: `float`. JS: `number` (rounded to single precision in C). Example: `f(1.5)`. */
  float: 10,
  /** C: `float`. JS: `number` (rounded to single precision in C). Example: `f(1.5)`. */
  f32: 10,
  /** C: `bool`. JS: `boolean` (arguments: JavaScript truthiness). Example: `f(true) === true`. */
  bool: 11,
  /** C: `void *` (any data pointer). JS: takes a TypedArray, DataView, ArrayBuffer, pointer number/bigint, CString or null; returns a `number` (`bigint` from 2^53), `null` for NULL. Example: `memset(ptr(bytes), 0, bytes.length)`. */
  ptr: 12,
  /** C: `void *` (any data pointer). JS: takes a TypedArray, DataView, ArrayBuffer, pointer number/bigint, CString or null; returns a `number` (`bigint` from 2^53), `null` for NULL. Example: `memset(ptr(bytes), 0, bytes.length)`. */
  pointer: 12,
  /** C: `void *` (any data pointer). JS: takes a TypedArray, DataView, ArrayBuffer, pointer number/bigint, CString or null; returns a `number` (`bigint` from 2^53), `null` for NULL. Example: `memset(ptr(bytes), 0, bytes.length)`. */
  "void*": 12,
  /** C: `void *` (any data pointer). JS: takes a TypedArray, DataView, ArrayBuffer, pointer number/bigint, CString or null; returns a `number` (`bigint` from 2^53), `null` for NULL. Example: `memset(ptr(bytes), 0, bytes.length)`. */
  "char*": 12,
  /** C: `void` (return type only). JS: `undefined`. Example: `{ args: [], returns: "void" }`. */
  void: 13,
  /** C: `const char *` (NUL-terminated). JS: returns a `CString` (`null` for NULL); takes what `ptr` takes, plus a JS string as a temporary UTF-8 copy. Example: `getenv("HOME")?.toString()`. */
  cstring: 14,
  /** C: `int64_t`. JS: `number` while it is a safe integer, `bigint` beyond. Example: `f() === 42`. */
  i64_fast: 15,
  /** C: `uint64_t`. JS: `number` while it is a safe integer, `bigint` beyond. Example: `f() === 42`. */
  u64_fast: 16,
  /** C: a C function pointer. JS: takes a `JSCallback`, a `ThreadsafeCallback`, a pointer or null; returns a pointer number or null. Example: `qsort(data, n, 4, compare)`. */
  function: 17,
  /** C: a C function pointer. JS: takes a `JSCallback`, a `ThreadsafeCallback`, a pointer or null; returns a pointer number or null. Example: `qsort(data, n, 4, compare)`. */
  fn: 17,
  /** C: a C function pointer. JS: takes a `JSCallback`, a `ThreadsafeCallback`, a pointer or null; returns a pointer number or null. Example: `qsort(data, n, 4, compare)`. */
  callback: 17,
  /** C: `napi_env` (not supported on Node: koffi cannot pass N-API handles). JS: -. Example: declaring it throws `ERR_FFI_UNSUPPORTED_TYPE`. */
  napi_env: 18,
  /** C: `napi_value` (not supported on Node). JS: -. Example: declaring it throws `ERR_FFI_UNSUPPORTED_TYPE`. */
  napi_value: 19,
  /** C: a pointer to a view's bytes (argument only). JS: takes a TypedArray, DataView or ArrayBuffer; nothing else. Example: `write(fd, buffer, n)`. */
  buffer: 20,
} as const);

/** Every accepted type name (`"i32"`, `"int32_t"`, `"ptr"`...). */
export type FFITypeName = keyof typeof FFIType;
/** A type number (`FFIType.i32` is `5`). */
export type FFITypeNumber = (typeof FFIType)[FFITypeName];
/** Either spelling of an FFI type. */
export type FFITypeOrString = FFITypeNumber | FFITypeName;
// eslint-disable-next-line @typescript-eslint/no-redeclare
export type FFIType = FFITypeNumber;

/** The canonical short name of each type number, as used in messages (`'i32'`). */
export const typeNames: readonly string[] = Object.freeze([
  "char",
  "i8",
  "u8",
  "i16",
  "u16",
  "i32",
  "u32",
  "i64",
  "u64",
  "f64",
  "f32",
  "bool",
  "ptr",
  "void",
  "cstring",
  "i64_fast",
  "u64_fast",
  "function",
  "napi_env",
  "napi_value",
  "buffer",
]);

const byName = new Map<string, number>(Object.entries(FFIType));

/**
 * Resolves a type given as a number or a name to its number.
 * Throws `TypeError` `ERR_INVALID_ARG_VALUE` "Unknown type <name>" otherwise.
 */
export function resolveType(type: unknown, where?: string): number {
  if (typeof type === "number") {
    if (Number.isInteger(type) && type >= 0 && type < typeNames.length) return type;
  } else if (typeof type === "string") {
    const n = byName.get(type);
    if (n !== undefined) return n;
  } else if (type === undefined) {
    return FFIType.void;
  }
  throw invalidArgValue(`Unknown type ${String(type)}${where ? ` (${where})` : ""}`);
}
