import { invalidArgValue } from "./errors.js";

/**
 * The FFI types, by name, with the numbers of `bun:ffi` (users pass either).
 *
 * @example
 * dlopen(path, { add: { args: [FFIType.i32, "i32"], returns: FFIType.i32 } })
 */
export const FFIType = Object.freeze({
  char: 0,
  int8_t: 1,
  i8: 1,
  uint8_t: 2,
  u8: 2,
  int16_t: 3,
  i16: 3,
  uint16_t: 4,
  u16: 4,
  int32_t: 5,
  i32: 5,
  int: 5,
  c_int: 5,
  uint32_t: 6,
  u32: 6,
  c_uint: 6,
  int64_t: 7,
  i64: 7,
  isize: 7,
  uint64_t: 8,
  u64: 8,
  usize: 8,
  size_t: 8,
  double: 9,
  f64: 9,
  float: 10,
  f32: 10,
  bool: 11,
  ptr: 12,
  pointer: 12,
  "void*": 12,
  "char*": 12,
  void: 13,
  cstring: 14,
  i64_fast: 15,
  u64_fast: 16,
  function: 17,
  fn: 17,
  callback: 17,
  napi_env: 18,
  napi_value: 19,
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
