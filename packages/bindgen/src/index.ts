/**
 * @ffi-kit/bindgen: declare a native function once with `t` / `fn`, get a JavaScript function that converts and
 * validates its arguments exactly (WebIDL conversions, Node's validators) before C sees them, and exact
 * TypeScript declarations from the `ffi-kit-bindgen` code generator.
 *
 * @example
 * import { bind, fn, t } from "@ffi-kit/bindgen";
 * const lib = bind("./libmath.so", { add: fn({ args: { a: t.i32, b: t.i32.default(1) }, ret: t.i32 }) });
 * lib.symbols.add(2); // 3
 */
export { t, FinalType, Type, IntType, FloatType, DictionaryType, isType, type IntIn, type IntOut, type EnumObject, type PresenceKind, type DictionaryIn, type DictionaryOut } from "./t.js";
export { fn, FunctionSchema, isFunctionSchema, type ParamsOf, type SignatureInput, type SignatureSpec, type ArgSpec, type ArgsShape } from "./fn.js";
export { bind, type BoundLibrary, type BoundFunctions } from "./bind.js";
export type { TypeSpec, IntSpec, FloatSpec, StringSpec, DictionarySpec, FieldSpec, OneOfSpec, StringEnumSpec, NativeEnumSpec, Presence, IntName, StringName } from "./spec.js";
