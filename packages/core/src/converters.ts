/**
 * The slow paths of conversion: bun:ffi's rules for every JavaScript value the inline fast path of a generated
 * wrapper does not handle (checked against Bun 1.4.5 by test/conformance.test.ts):
 * - 8/16/32-bit integers and `char`: ToInt32-style wrap; booleans, null and undefined are 1/0/0/0; bigints wrap.
 * - 64-bit integers: numbers and bigints wrap modulo 2^64; anything else throws.
 * - floats: numbers as is (f32 rounds in C); bigints through Number(); booleans 1/0, null 0, undefined NaN.
 * - bool: JavaScript truthiness.
 * - pointers: numbers, bigints, null/undefined, TypedArray/DataView/ArrayBuffer, CString, JSCallback;
 *   strings throw (except for `cstring` arguments, which take a JS string as a temporary UTF-8 C string).
 */
import { describeReceived, invalidArgType } from "./errors.js";
import { FFIType, typeNames } from "./ffi-type.js";
import { addressCarrierFor, checkEmptyView } from "./extension-registry.js";
import { SafeBigInt, SafeNumber, safeAsIntN, safeAsUintN, safeTrunc } from "./globals.js";
import { byteLengthOf, bytesOf, isArrayBuffer, isSharedArrayBuffer, isView } from "./view-geometry.js";

const asIntN = safeAsIntN;
const asUintN = safeAsUintN;
const trunc = safeTrunc;
const NumberCtor = SafeNumber;
const BigIntCtor = SafeBigInt;

/** 2^53: the first integer a double cannot tell from its neighbour; Bun returns it as a bigint. */
export const TWO_53 = 9007199254740992;
const TWO_63 = 9223372036854775808;
const INT64_MIN_AS_U64 = 0x8000000000000000n;

/** Describes where a value was going, for messages: `add(): argument 1`. */
export type Site = string;

function cannotConvert(value: unknown, type: number, site: Site, expected: string): TypeError {
  return invalidArgType(
    `${site} cannot be converted to '${typeNames[type]}': expected ${expected}. Received ${describeReceived(value)}`,
  );
}

/** Converts a number given as a pointer the way a C cast from double does on x86-64 (cvttsd2si). */
function numberToAddress(v: number): number | bigint {
  if (v !== v || v >= TWO_63 || v < -TWO_63) return INT64_MIN_AS_U64;
  const t = trunc(v);
  if (t >= 0) return t < TWO_53 ? t + 0 : BigIntCtor(t);
  return asUintN(64, BigIntCtor(t));
}

/** A slow-path converter: every value the fast path does not handle. Throws on what the type refuses. */
export type SlowConverter = (value: unknown) => unknown;

export function intConverter(type: number, bits: number, signed: boolean, site: Site): SlowConverter {
  const shift = 32 - bits;
  return (v) => {
    switch (typeof v) {
      case "number":
        if (bits === 32) return signed ? v | 0 : v >>> 0;
        return signed ? ((v << shift) >> shift) : (v & ((1 << bits) - 1));
      case "bigint":
        return NumberCtor(signed ? asIntN(bits, v) : asUintN(bits, v));
      case "boolean":
        return v ? 1 : 0;
      case "undefined":
        return 0;
      default:
        if (v === null) return 0;
        throw cannotConvert(v, type, site, "a number, bigint, boolean, null or undefined");
    }
  };
}

export function int64Converter(type: number, signed: boolean, site: Site): SlowConverter {
  return (v) => {
    if (typeof v === "bigint") return signed ? asIntN(64, v) : asUintN(64, v);
    if (typeof v === "number") {
      if (v !== v || v === Infinity || v === -Infinity) return 0;
      const t = BigIntCtor(trunc(v));
      return signed ? asIntN(64, t) : asUintN(64, t);
    }
    throw cannotConvert(v, type, site, "a number or bigint");
  };
}

export function floatConverter(type: number, site: Site): SlowConverter {
  return (v) => {
    switch (typeof v) {
      case "number":
        return v;
      case "bigint":
        return NumberCtor(v);
      case "boolean":
        return v ? 1 : 0;
      case "undefined":
        return NaN;
      default:
        if (v === null) return 0;
        throw cannotConvert(v, type, site, "a number, bigint, boolean, null or undefined");
    }
  };
}

/** True for a view with no bytes, detached ones included, read through the built-in getters (never user code). */
function emptyOrDetached(v: ArrayBufferView | ArrayBuffer): boolean {
  return byteLengthOf(v) <= 0;
}

/** Converts any accepted pointer value to what koffi takes for `void *`. */
export function pointerConverter(type: number, site: Site, acceptString: boolean): SlowConverter {
  return (v) => {
    switch (typeof v) {
      case "number":
        return v >= 0 && v < TWO_53 && trunc(v) === v ? v + 0 : numberToAddress(v);
      case "bigint":
        return asUintN(64, v);
      case "undefined":
        return null;
      case "string":
        if (acceptString) return v;
        throw invalidArgType(`${site}: To convert a string to a pointer, encode it as a buffer. Received ${describeReceived(v)}`);
      case "object":
      case "function":
        if (v === null) return null;
        if (isView(v) || isArrayBuffer(v)) {
          if (type === FFIType.function) break;
          if (emptyOrDetached(v)) checkEmptyView(v, site);
          return v;
        }
        if (isSharedArrayBuffer(v)) {
          if (type === FFIType.function) break;
          return bytesOf(v); // koffi takes views of shared memory, not the buffer itself
        }
        {
          const carrier = addressCarrierFor(v);
          if (carrier !== undefined) return carrier.addressOf(v) ?? null;
        }
        break;
    }
    if (type === FFIType.buffer) throw cannotConvert(v, type, site, "a TypedArray or DataView (or an ArrayBuffer)");
    if (type === FFIType.function) throw cannotConvert(v, type, site, "a JSCallback, a pointer (number or bigint) or null");
    throw cannotConvert(
      v,
      type,
      site,
      `a TypedArray, DataView, ArrayBuffer, pointer (number or bigint)${acceptString ? ", string" : ""} or null`,
    );
  };
}

export function bufferConverter(site: Site): SlowConverter {
  return (v) => {
    if (typeof v === "object" && v !== null) {
      if (isView(v) || isArrayBuffer(v)) {
        if (emptyOrDetached(v)) checkEmptyView(v, site);
        return v;
      }
      if (isSharedArrayBuffer(v)) return bytesOf(v);
    }
    throw cannotConvert(v, FFIType.buffer, site, "a TypedArray or DataView (or an ArrayBuffer)");
  };
}

/** The value C receives from a closed or failing callback: the zero of the return type. */
export function zeroValue(type: number): unknown {
  switch (type) {
    case FFIType.i64:
    case FFIType.u64:
    case FFIType.i64_fast:
    case FFIType.u64_fast:
      return 0n;
    case FFIType.bool:
      return false;
    case FFIType.ptr:
    case FFIType.cstring:
    case FFIType.function:
    case FFIType.buffer:
      return null;
    case FFIType.void:
      return undefined;
    default:
      return 0;
  }
}
