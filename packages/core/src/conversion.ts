/**
 * How each FFI type crosses the boundary: the koffi type it is declared as, the inline fast path used in
 * generated wrappers, and the slow path that implements bun:ffi's rules for every other JavaScript value.
 *
 * The rules (checked against Bun 1.4.5 by test/conformance.test.ts):
 * - 8/16/32-bit integers and `char`: ToInt32-style wrap; booleans, null and undefined are 1/0/0/0; bigints wrap.
 * - 64-bit integers: numbers and bigints wrap modulo 2^64; anything else throws.
 * - floats: numbers as is (f32 rounds in C); bigints through Number(); booleans 1/0, null 0, undefined NaN.
 * - bool: JavaScript truthiness.
 * - pointers: numbers, bigints, null/undefined, TypedArray/DataView/ArrayBuffer, CString, JSCallback;
 *   strings throw (except for `cstring` arguments, which take a JS string as a temporary UTF-8 C string).
 */
import { describeReceived, invalidArgType } from "./errors.js";
import { FFIType, typeNames } from "./ffi-type.js";
import { checkEmptyView } from "./extension.js";
import { byteLengthOf, bytesOf, isArrayBuffer, isSharedArrayBuffer, isView, typedArrayLength } from "./view-geometry.js";

const { asIntN, asUintN } = BigInt;
const { trunc } = Math;
const NumberCtor = Number;
const BigIntCtor = BigInt;

/** 2^53: the first integer a double cannot tell from its neighbour; Bun returns it as a bigint. */
export const TWO_53 = 9007199254740992;
const TWO_63 = 9223372036854775808;
const INT64_MIN_AS_U64 = 0x8000000000000000n;

/** Kinds of objects that stand for a native address (JSCallback, CString, ThreadsafeCallback...). */
const carriers: Array<{ is: (v: object) => boolean; addressOf: (v: object) => number | bigint | null | undefined }> = [];

/** Lets a class of objects (JSCallback, CString) be passed where a pointer is expected. Internal. */
export function registerAddressCarrier(
  is: (v: object) => boolean,
  addressOf: (v: object) => number | bigint | null | undefined,
): void {
  carriers.push({ is, addressOf });
}

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

function intConverter(type: number, bits: number, signed: boolean, site: Site): SlowConverter {
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

function int64Converter(type: number, signed: boolean, site: Site): SlowConverter {
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

function floatConverter(type: number, site: Site): SlowConverter {
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
        for (const c of carriers) if (c.is(v)) return c.addressOf(v) ?? null;
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

function bufferConverter(site: Site): SlowConverter {
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

/**
 * Built-ins the generated code calls, captured when this module loads so that user code replacing `Math.trunc` or
 * `BigInt` cannot change how values cross the boundary. Every generated function receives them as parameters.
 */
export const generatedCodeBuiltins: Readonly<Record<string, unknown>> = Object.freeze({
  $trunc: Math.trunc,
  $isView: ArrayBuffer.isView,
  // A TypedArray's element count from the built-in getter (-1 for anything else): a forged `length` never counts.
  $viewLength: typedArrayLength,
  $BigInt: BigInt,
  $asUintN: BigInt.asUintN,
});

/** The plan for one argument (or callback return value): koffi type, inline fast path, slow converter. */
export interface ArgPlan {
  /** koffi type name the argument is declared with. */
  readonly koffiType: string;
  /** JS source of an expression converting the variable `v`; calls `slow` (named by the caller) otherwise. */
  readonly fast: (v: string, slow: string) => string;
  readonly slow: SlowConverter | null;
}

const intFast: Record<number, (v: string) => string> = {
  [FFIType.char]: (v) => `(${v} << 24) >> 24`,
  [FFIType.i8]: (v) => `(${v} << 24) >> 24`,
  [FFIType.u8]: (v) => `${v} & 255`,
  [FFIType.i16]: (v) => `(${v} << 16) >> 16`,
  [FFIType.u16]: (v) => `${v} & 65535`,
  [FFIType.i32]: (v) => `${v} | 0`,
  [FFIType.u32]: (v) => `${v} >>> 0`,
};
const intBits: Record<number, [number, boolean]> = {
  [FFIType.char]: [8, true],
  [FFIType.i8]: [8, true],
  [FFIType.u8]: [8, false],
  [FFIType.i16]: [16, true],
  [FFIType.u16]: [16, false],
  [FFIType.i32]: [32, true],
  [FFIType.u32]: [32, false],
};

/** koffi's name for each type when it is an argument (index = type number). */
export const koffiArgType: readonly string[] = Object.freeze([
  "int8_t", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "double",
  "float", "bool", "void *", "void", "void *", "int64_t", "uint64_t", "void *", "void *", "void *", "void *",
]);
/** koffi's name for each type when it is returned from C to JS (pointers as numbers: faster than bigint). */
export const koffiReturnType: readonly string[] = Object.freeze([
  "int8_t", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "double",
  "float", "bool", "uintptr_t", "void", "uintptr_t", "int64_t", "uint64_t", "uintptr_t", "void *", "void *", "void *",
]);

/** Plans the conversion of a JavaScript value into an argument of `type` (also used for callback returns). */
export function planArgument(type: number, site: Site): ArgPlan {
  const koffiType = koffiArgType[type]!;
  const int = intFast[type];
  if (int) {
    const [bits, signed] = intBits[type]!;
    return { koffiType, fast: (v, s) => `(typeof ${v} === "number" ? ${int(v)} : ${s}(${v}))`, slow: intConverter(type, bits, signed, site) };
  }
  switch (type) {
    case FFIType.i64:
    case FFIType.i64_fast:
    case FFIType.u64:
    case FFIType.u64_fast: {
      const signed = type === FFIType.i64 || type === FFIType.i64_fast;
      // koffi wraps safe integers and bigints (of any size: N-API truncates to 64 bits) exactly as Bun does;
      // the conformance test holds it to that. Other numbers take the slow path.
      return {
        koffiType,
        fast: (v, s) =>
          `(typeof ${v} === "bigint" ? ${v} : typeof ${v} === "number" && ${v} <= 9007199254740991 && ${v} >= -9007199254740991 && ${v} === $trunc(${v}) ? ${v} : ${s}(${v}))`,
        slow: int64Converter(type, signed, site),
      };
    }
    case FFIType.f64:
    case FFIType.f32:
      return { koffiType, fast: (v, s) => `(typeof ${v} === "number" ? ${v} : ${s}(${v}))`, slow: floatConverter(type, site) };
    case FFIType.bool:
      return { koffiType, fast: (v) => `!!${v}`, slow: null };
    case FFIType.function:
      // Only numbers skip the slow path: a view is not a function pointer (the slow path refuses it).
      return {
        koffiType,
        fast: (v, s) => `(typeof ${v} === "number" && ${v} >= 0 && ${v} < 9007199254740992 && ${v} === $trunc(${v}) ? ${v} + 0 : ${s}(${v}))`,
        slow: pointerConverter(type, site, false),
      };
    case FFIType.ptr:
    case FFIType.cstring:
      return {
        koffiType,
        fast: (v, s) =>
          // Non-empty TypedArrays go straight to koffi; empty or detached views (and DataViews) are checked first.
          `(typeof ${v} === "number" ? (${v} >= 0 && ${v} < 9007199254740992 && ${v} === $trunc(${v}) ? ${v} + 0 : ${s}(${v})) : $viewLength(${v}) > 0 ? ${v} : ${s}(${v}))`,
        slow: pointerConverter(type, site, type === FFIType.cstring),
      };
    case FFIType.buffer:
      return { koffiType, fast: (v, s) => `($viewLength(${v}) > 0 ? ${v} : ${s}(${v}))`, slow: bufferConverter(site) };
    default:
      throw new Error(`planArgument: no plan for type ${type}`);
  }
}

/** JS source of an expression turning koffi's result `r` of `type` into what bun:ffi returns. */
export function returnExpression(type: number, r: string, cstring: string): string {
  switch (type) {
    case FFIType.i64:
    case FFIType.u64:
      return `(typeof ${r} === "bigint" ? ${r} : $BigInt(${r}))`;
    case FFIType.i64_fast:
    case FFIType.u64_fast:
      return `(${r} === 9007199254740992 || ${r} === -9007199254740992 ? $BigInt(${r}) : ${r})`;
    case FFIType.ptr:
    case FFIType.function:
      return `(${r} === 0 ? null : ${r} === 9007199254740992 ? 9007199254740992n : ${r})`;
    case FFIType.cstring:
      return `(${r} === 0 ? null : new ${cstring}(${r}))`;
    case FFIType.void:
      return "undefined";
    default:
      return r;
  }
}

/**
 * JS source of an expression turning koffi's value `a` of a callback argument into what bun:ffi passes to the JS
 * function. Like {@link returnExpression}, except that koffi hands unsigned 64-bit callback arguments over as
 * signed values (2^64-1 arrives as -1): those are reinterpreted.
 */
export function callbackArgumentExpression(type: number, a: string, cstring: string): string {
  // koffi hands unsigned 64-bit and pointer callback arguments over as signed values: reinterpret negatives.
  switch (type) {
    case FFIType.u64:
      return `(${a} < 0 ? $asUintN(64, $BigInt(${a})) : typeof ${a} === "bigint" ? ${a} : $BigInt(${a}))`;
    case FFIType.u64_fast:
      return `(${a} < 0 ? $asUintN(64, $BigInt(${a})) : ${returnExpression(type, a, cstring)})`;
    case FFIType.ptr:
    case FFIType.function:
      // Addresses from 2^63 up arrive negative (koffi reads uintptr_t callback arguments as signed).
      return `(${a} < 0 ? $asUintN(64, $BigInt(${a})) : ${returnExpression(type, a, cstring)})`;
    case FFIType.cstring:
      return `(${a} < 0 ? new ${cstring}($asUintN(64, $BigInt(${a}))) : ${returnExpression(type, a, cstring)})`;
    default:
      return returnExpression(type, a, cstring);
  }
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
