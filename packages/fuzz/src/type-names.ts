/**
 * The FFI types of bun:ffi as the fuzzer names them, with their numbers and the facts about each that the
 * arbitraries and the reference model need. Written from the specification (`reference/bun-ffi.md`), so this
 * package does not learn the rules from the code it checks.
 */

/** Canonical names of the 21 FFI types, indexed by their `FFIType` number. */
export const TYPE_NAMES = Object.freeze([
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
] as const);

/** A canonical FFI type name (`"i32"`, `"ptr"`...). */
export type TypeName = (typeof TYPE_NAMES)[number];

const ALIASES: Readonly<Record<string, TypeName>> = Object.freeze({
  int8_t: "i8",
  uint8_t: "u8",
  int16_t: "i16",
  uint16_t: "u16",
  int32_t: "i32",
  int: "i32",
  c_int: "i32",
  uint32_t: "u32",
  c_uint: "u32",
  int64_t: "i64",
  isize: "i64",
  uint64_t: "u64",
  usize: "u64",
  size_t: "u64",
  double: "f64",
  float: "f32",
  pointer: "ptr",
  "void*": "ptr",
  "char*": "ptr",
  fn: "function",
  callback: "function",
});

/**
 * Resolves a type given as a number (`FFIType.i32`) or any accepted name (`"int32_t"`) to its canonical name.
 * Throws `TypeError` (`ERR_INVALID_ARG_VALUE`) for anything else.
 *
 * @example
 * typeName("int32_t") // "i32"
 */
export function typeName(type: unknown): TypeName {
  if (typeof type === "number" && Number.isInteger(type) && type >= 0 && type < TYPE_NAMES.length) {
    return TYPE_NAMES[type]!;
  }
  if (typeof type === "string") {
    if ((TYPE_NAMES as readonly string[]).includes(type)) return type as TypeName;
    const alias = ALIASES[type];
    if (alias !== undefined) return alias;
  }
  const error = new TypeError(`Unknown type ${String(type)}`);
  Object.defineProperty(error, "code", { value: "ERR_INVALID_ARG_VALUE", enumerable: true });
  throw error;
}

/** Width and signedness of the integer types of 8, 16 and 32 bits (`char` is a signed byte). */
export const SMALL_INTEGERS: Readonly<Record<string, { readonly bits: 8 | 16 | 32; readonly signed: boolean }>> =
  Object.freeze({
    char: { bits: 8, signed: true },
    i8: { bits: 8, signed: true },
    u8: { bits: 8, signed: false },
    i16: { bits: 16, signed: true },
    u16: { bits: 16, signed: false },
    i32: { bits: 32, signed: true },
    u32: { bits: 32, signed: false },
  });

/** The 64-bit integer types: `i64`/`u64` return bigints, the `_fast` ones numbers when safe. */
export const WIDE_INTEGERS: Readonly<Record<string, { readonly signed: boolean; readonly fast: boolean }>> =
  Object.freeze({
    i64: { signed: true, fast: false },
    u64: { signed: false, fast: false },
    i64_fast: { signed: true, fast: true },
    u64_fast: { signed: false, fast: true },
  });

/** Types whose values can round-trip through a C identity function (`T id(T x)`). */
export const ROUND_TRIP_TYPES: readonly TypeName[] = Object.freeze([
  "char", "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "i64_fast", "u64_fast", "f32", "f64", "bool", "ptr",
] as const);
