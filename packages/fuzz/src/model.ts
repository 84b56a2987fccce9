/**
 * The reference model of bun:ffi's conversions, written from the specification (`reference/bun-ffi.md`) and the
 * recorded behaviour of Bun 1.4.5 (`conformance/bun-1.4.5.json`), never by calling @ffi-kit/core. Properties
 * compare what core does against what this model says; a disagreement is a finding about core (or the model).
 *
 * @example
 * expected("u8", -1)        // { kind: "value", value: 255 }
 * expected("i64", "12")     // { kind: "error", name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }
 */
import { SMALL_INTEGERS, WIDE_INTEGERS, typeName, type TypeName } from "./type-names.js";

/** What C holds after an argument conversion. Addresses of JS memory are known only by the view they come from. */
export type CValue =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "bigint"; readonly value: bigint }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "address"; readonly value: bigint }
  | { readonly kind: "view"; readonly view: ArrayBufferView | ArrayBuffer };

/** The error the model expects: its class name and, when the specification gives one, its code. */
export interface ExpectedError {
  readonly kind: "error";
  /** `TypeError`, `RangeError`, or `FFIError` (ffi-kit's own class). */
  readonly name: "TypeError" | "RangeError" | "FFIError";
  readonly code?: string;
  /** The rule of the specification that decides it. */
  readonly rule: string;
}

/** What a conversion produces according to the model. */
export type Expectation =
  /** Exactly this value (compared with `Object.is`; bigints by value). */
  | { readonly kind: "value"; readonly value: unknown }
  /** A pointer to the bytes of this view (the model cannot know the address; properties check the bytes). */
  | { readonly kind: "view"; readonly view: ArrayBufferView | ArrayBuffer }
  | ExpectedError
  /** The specification leaves this input undefined: any result or error is acceptable, a crash is not. */
  | { readonly kind: "unspecified"; readonly rule: string };

const TWO_53 = 2 ** 53;
const TWO_63 = 2 ** 63;

function typeError(rule: string, code = "ERR_INVALID_ARG_TYPE"): ExpectedError {
  return { kind: "error", name: "TypeError", code, rule };
}

const isBufferSource = (v: unknown): v is ArrayBufferView | ArrayBuffer => ArrayBuffer.isView(v) || v instanceof ArrayBuffer;

/** Exact integer part of a finite number, as a bigint. */
const integerPart = (v: number): bigint => BigInt(Math.trunc(v));

/**
 * What C receives when `value` is passed as an argument of `type` (also: what C receives when a JS callback
 * returns `value` for a return type `type`, which follows the same rules).
 */
export function expectedArgument(type: unknown, value: unknown): CValue | ExpectedError | { kind: "unspecified"; rule: string } {
  const name = typeName(type);
  const small = SMALL_INTEGERS[name];
  if (small !== undefined) {
    const wrap = (b: bigint): CValue => ({
      kind: "number",
      value: Number(small.signed ? BigInt.asIntN(small.bits, b) : BigInt.asUintN(small.bits, b)),
    });
    switch (typeof value) {
      case "number":
        // ToInt32-style: NaN and ±Infinity are 0, fractions truncate, the rest wraps (1e300 → 0).
        return wrap(Number.isFinite(value) ? integerPart(value) : 0n);
      case "bigint":
        return wrap(value);
      case "boolean":
        return wrap(value ? 1n : 0n);
      case "undefined":
        return wrap(0n);
      default:
        if (value === null) return wrap(0n);
        return typeError(`${name}: only numbers, bigints, booleans, null and undefined convert ("Strings throw")`);
    }
  }
  const wide = WIDE_INTEGERS[name];
  if (wide !== undefined) {
    const wrap = (b: bigint): CValue => ({ kind: "bigint", value: wide.signed ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b) });
    if (typeof value === "bigint") return wrap(value);
    if (typeof value === "number") return wrap(Number.isFinite(value) ? integerPart(value) : 0n);
    return typeError(`${name}: numbers and bigints wrap modulo 2^64; booleans, null, undefined and strings throw`);
  }
  switch (name) {
    case "f32":
    case "f64": {
      const round = name === "f32" ? Math.fround : (v: number) => v;
      switch (typeof value) {
        case "number":
          return { kind: "number", value: round(value) };
        case "bigint":
          return { kind: "number", value: round(Number(value)) };
        case "boolean":
          return { kind: "number", value: value ? 1 : 0 };
        case "undefined":
          return { kind: "number", value: NaN };
        default:
          if (value === null) return { kind: "number", value: 0 };
          return typeError(`${name}: strings throw; undefined is NaN, null is 0`);
      }
    }
    case "bool":
      return { kind: "boolean", value: Boolean(value) };
    case "ptr":
    case "cstring":
      return pointerArgument(name, value);
    case "function":
      if (typeof value === "number" || typeof value === "bigint") return pointerArgument(name, value);
      if (value === null || value === undefined) return { kind: "unspecified", rule: "function: null is not listed" };
      return typeError("function: a JSCallback, its .ptr, or a number/bigint address");
    case "buffer":
      if (ArrayBuffer.isView(value)) return { kind: "view", view: value };
      if (value instanceof ArrayBuffer) return { kind: "unspecified", rule: "buffer: an ArrayBuffer is not listed" };
      return typeError("buffer: a TypedArray or DataView");
    case "void":
      return { kind: "unspecified", rule: "void is not an argument type" };
    default:
      return { kind: "unspecified", rule: `${name} cannot be declared on Node` };
  }
}

function pointerArgument(name: TypeName, value: unknown): CValue | ExpectedError | { kind: "unspecified"; rule: string } {
  switch (typeof value) {
    case "number":
      if (!Number.isInteger(value) || value < 0) {
        return { kind: "unspecified", rule: `${name}: negative, fractional and non-finite addresses are not specified` };
      }
      // A double cast to a 64-bit address: Bun 1.4.5 gives 2^63 for 1e300 (x86-64 cvttsd2si).
      return { kind: "address", value: value >= TWO_63 ? 1n << 63n : BigInt(value) };
    case "bigint":
      return { kind: "address", value: BigInt.asUintN(64, value) };
    case "undefined":
      return { kind: "address", value: 0n };
    case "string":
      return typeError(`${name}: "To convert a string to a pointer, encode it as a buffer"`);
    default:
      if (value === null) return { kind: "address", value: 0n };
      if (isBufferSource(value)) return { kind: "view", view: value };
      return typeError(`${name}: a number, bigint, null/undefined, TypedArray, DataView or ArrayBuffer`);
  }
}

/** What JavaScript receives when C gives back `c` as a value of `type` (a return value, or a callback argument). */
export function expectedFromC(type: unknown, c: CValue): Expectation {
  const name = typeName(type);
  if (c.kind === "view") return { kind: "view", view: c.view };
  if (name in SMALL_INTEGERS || name === "f32" || name === "f64" || name === "bool") return { kind: "value", value: c.value };
  const wide = WIDE_INTEGERS[name];
  if (wide !== undefined) {
    const b = c.value as bigint;
    if (!wide.fast) return { kind: "value", value: b };
    return { kind: "value", value: b >= -(2n ** 53n) + 1n && b <= 2n ** 53n - 1n ? Number(b) : b };
  }
  if (name === "ptr" || name === "function") {
    const b = BigInt.asUintN(64, c.value as bigint);
    return { kind: "value", value: b === 0n ? null : b < BigInt(TWO_53) ? Number(b) : b };
  }
  return { kind: "unspecified", rule: `${name} results are not modelled as plain values` };
}

/**
 * What `id(value)` returns for a C identity function `T id(T x)` declared `{ args: [type], returns: type }`:
 * the argument conversion followed by the result conversion.
 *
 * @example
 * expected("f32", 0.1)      // { kind: "value", value: 0.10000000149011612 }
 * expected("ptr", 2 ** 53)  // { kind: "value", value: 9007199254740992n }
 */
export function expected(type: unknown, value: unknown): Expectation {
  const c = expectedArgument(type, value);
  if (c.kind === "error" || c.kind === "unspecified") return c;
  return expectedFromC(type, c);
}

/** What a `read.*` call must do, given the memory it reads (for valid addresses) as DataView does. */
export type ReadKind = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64" | "u64" | "i64" | "ptr" | "intptr";

/** Bytes read by each `read.*` function. */
export const READ_SIZES: Readonly<Record<ReadKind, number>> = Object.freeze({
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8, u64: 8, i64: 8, ptr: 8, intptr: 8,
});

/**
 * The value `read[kind](p, offset)` returns when `bytes` are the memory at `p`: little-endian, unaligned, as the
 * matching DataView getter (`ptr` and `intptr` as numbers, rounded above 2^53 like `Number(bigint)`).
 */
export function expectedRead(kind: ReadKind, bytes: Uint8Array, offset: number): Expectation {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (kind) {
    case "u8": return { kind: "value", value: view.getUint8(offset) };
    case "i8": return { kind: "value", value: view.getInt8(offset) };
    case "u16": return { kind: "value", value: view.getUint16(offset, true) };
    case "i16": return { kind: "value", value: view.getInt16(offset, true) };
    case "u32": return { kind: "value", value: view.getUint32(offset, true) };
    case "i32": return { kind: "value", value: view.getInt32(offset, true) };
    case "f32": return { kind: "value", value: view.getFloat32(offset, true) };
    case "f64": return { kind: "value", value: view.getFloat64(offset, true) };
    case "u64": return { kind: "value", value: view.getBigUint64(offset, true) };
    case "i64": return { kind: "value", value: view.getBigInt64(offset, true) };
    case "ptr": return { kind: "value", value: Number(view.getBigUint64(offset, true)) };
    case "intptr": return { kind: "value", value: Number(view.getBigInt64(offset, true)) };
  }
}

/** Lowest address that may be read: the first page (below 4096) is never mapped. */
export const FIRST_VALID_ADDRESS = 4096;

/**
 * Whether a pointer given to `read.*`, `toArrayBuffer`, `toBuffer` or `new CString` is refused, and how:
 * a non-pointer is a `TypeError` ("Expected a pointer"); an address below 4096 an `FFIError`
 * `ERR_FFI_INVALID_POINTER` (Bun segfaults there; the specification's "Safety beyond Bun" requires an error).
 * Returns `null` when the address is acceptable.
 */
export function expectedPointerRejection(pointer: unknown, byteOffset: number = 0): ExpectedError | { kind: "unspecified"; rule: string } | null {
  if (typeof pointer !== "number" && typeof pointer !== "bigint") {
    return typeError('read.*/toArrayBuffer/CString: "A non-pointer throws Expected a pointer"');
  }
  if (typeof pointer === "bigint") return { kind: "unspecified", rule: "bigint pointers to read.* are not specified" };
  if (!Number.isInteger(pointer) || pointer >= TWO_53) return { kind: "unspecified", rule: "fractional or unsafe addresses are not specified" };
  if (pointer + byteOffset < FIRST_VALID_ADDRESS) {
    return { kind: "error", name: "FFIError", code: "ERR_FFI_INVALID_POINTER", rule: "any pointer below 4096 must throw" };
  }
  return null;
}

/**
 * What `ptr(view, byteOffset)` must do for a view of `byteLength` bytes: the view's address plus the offset, or a
 * `TypeError` (`ERR_INVALID_ARG_TYPE`) for an empty view or an offset out of bounds. An offset equal to the
 * length (one past the end) is in bounds, as it is in C.
 */
export function expectedPtr(view: unknown, byteOffset?: unknown): { kind: "offset"; offset: number } | ExpectedError | { kind: "unspecified"; rule: string } {
  if (!isBufferSource(view)) return typeError("ptr(): not a view");
  if (view.byteLength === 0) return typeError("ptr(): ArrayBufferView must have a length > 0");
  if (byteOffset === undefined) return { kind: "offset", offset: 0 };
  if (typeof byteOffset !== "number" || !Number.isInteger(byteOffset)) return { kind: "unspecified", rule: "ptr(): non-integer byteOffset" };
  if (byteOffset < 0 || byteOffset > view.byteLength) return typeError("ptr(): byteOffset out of bounds");
  return { kind: "offset", offset: byteOffset };
}

/**
 * The bytes `toArrayBuffer(p, byteOffset, byteLength)` covers when `memory` is what lies at `p`: `byteLength`
 * bytes from `byteOffset`, or up to the first NUL when the length is omitted. Lengths ≤ 0 are refused.
 */
export function expectedToArrayBuffer(
  memory: Uint8Array,
  byteOffset: number,
  byteLength: number | undefined,
): { kind: "bytes"; bytes: Uint8Array } | { kind: "error-or-empty"; rule: string } {
  if (byteLength === undefined) {
    const end = memory.indexOf(0, byteOffset);
    const stop = end < 0 ? memory.length : end;
    return { kind: "bytes", bytes: memory.slice(byteOffset, stop) };
  }
  if (byteLength <= 0) return { kind: "error-or-empty", rule: "toArrayBuffer: length <= 0 is an error" };
  return { kind: "bytes", bytes: memory.slice(byteOffset, byteOffset + byteLength) };
}

const utf8 = new TextDecoder("utf-8");

/**
 * The text of `new CString(p, byteOffset, byteLength)` when `memory` lies at `p`: UTF-8 decoded (invalid
 * sequences become U+FFFD), `byteLength` bytes or up to the first NUL.
 */
export function expectedCString(memory: Uint8Array, byteOffset: number, byteLength?: number): string {
  const end = byteLength !== undefined ? byteOffset + byteLength : memory.indexOf(0, byteOffset) < 0 ? memory.length : memory.indexOf(0, byteOffset);
  return utf8.decode(memory.subarray(byteOffset, end));
}
