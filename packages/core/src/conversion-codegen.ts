/**
 * The generated side of conversion: for each FFI type, the inline expression a wrapper runs for the common case,
 * as a {@link Fragment} that carries every binding it names (its slow converter, the captured built-ins, CString).
 */
import { FFIType } from "./ffi-type.js";
import type { Fragment } from "./codegen.js";
import { generatedGlobals } from "./globals.js";
import { bufferConverter, floatConverter, int64Converter, intConverter, pointerConverter, type Site } from "./converters.js";
import { koffiArgType } from "./koffi-types.js";
import { CString } from "./cstring.js";

const { $trunc, $viewLength, $BigInt, $asUintN } = generatedGlobals;

/** The plan for one argument (or callback return value): the koffi type it is declared as, and its conversion. */
export interface ArgumentPlan extends Fragment {
  /** koffi type name the argument is declared with. */
  readonly koffiType: string;
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

/**
 * Plans the conversion of the JavaScript value in variable `input` into an argument of `type` (also used for
 * callback return values). `slow` is the identifier the fragment binds its slow converter to; `site` names the
 * argument in error messages. Planned once per argument, at declaration time.
 */
export function planArgument(type: number, site: Site, input: string, slow: string): ArgumentPlan {
  const koffiType = koffiArgType[type]!;
  const v = input;
  const int = intFast[type];
  if (int) {
    const [bits, signed] = intBits[type]!;
    return {
      koffiType,
      expression: `(typeof ${v} === "number" ? ${int(v)} : ${slow}(${v}))`,
      bindings: { [slow]: intConverter(type, bits, signed, site) },
    };
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
        expression: `(typeof ${v} === "bigint" ? ${v} : typeof ${v} === "number" && ${v} <= 9007199254740991 && ${v} >= -9007199254740991 && ${v} === $trunc(${v}) ? ${v} : ${slow}(${v}))`,
        bindings: { [slow]: int64Converter(type, signed, site), $trunc },
      };
    }
    case FFIType.f64:
    case FFIType.f32:
      return { koffiType, expression: `(typeof ${v} === "number" ? ${v} : ${slow}(${v}))`, bindings: { [slow]: floatConverter(type, site) } };
    case FFIType.bool:
      return { koffiType, expression: `!!${v}`, bindings: {} };
    case FFIType.function:
      // Only numbers skip the slow path: a view is not a function pointer (the slow path refuses it).
      return {
        koffiType,
        expression: `(typeof ${v} === "number" && ${v} >= 0 && ${v} < 9007199254740992 && ${v} === $trunc(${v}) ? ${v} + 0 : ${slow}(${v}))`,
        bindings: { [slow]: pointerConverter(type, site, false), $trunc },
      };
    case FFIType.ptr:
    case FFIType.cstring:
      return {
        koffiType,
        // Non-empty TypedArrays go straight to koffi; empty or detached views (and DataViews) are checked first.
        // $viewLength reads the built-in getter (-1 for anything else): a forged `length` never counts.
        expression: `(typeof ${v} === "number" ? (${v} >= 0 && ${v} < 9007199254740992 && ${v} === $trunc(${v}) ? ${v} + 0 : ${slow}(${v})) : $viewLength(${v}) > 0 ? ${v} : ${slow}(${v}))`,
        bindings: { [slow]: pointerConverter(type, site, type === FFIType.cstring), $trunc, $viewLength },
      };
    case FFIType.buffer:
      return { koffiType, expression: `($viewLength(${v}) > 0 ? ${v} : ${slow}(${v}))`, bindings: { [slow]: bufferConverter(site), $viewLength } };
    default:
      throw new Error(`planArgument: no plan for type ${type}`);
  }
}

/** Whether converting an argument of `type` can run user code (getters of views, CStrings, callbacks). */
export function conversionMayRunUserCode(type: number): boolean {
  return type === FFIType.ptr || type === FFIType.cstring || type === FFIType.function || type === FFIType.buffer;
}

/** The expression turning koffi's result in variable `r` of `type` into what bun:ffi returns. */
export function planReturn(type: number, r: string): Fragment {
  switch (type) {
    case FFIType.i64:
    case FFIType.u64:
      return { expression: `(typeof ${r} === "bigint" ? ${r} : $BigInt(${r}))`, bindings: { $BigInt } };
    case FFIType.i64_fast:
    case FFIType.u64_fast:
      return { expression: `(${r} === 9007199254740992 || ${r} === -9007199254740992 ? $BigInt(${r}) : ${r})`, bindings: { $BigInt } };
    case FFIType.ptr:
    case FFIType.function:
      return { expression: `(${r} === 0 ? null : ${r} === 9007199254740992 ? 9007199254740992n : ${r})`, bindings: {} };
    case FFIType.cstring:
      return { expression: `(${r} === 0 ? null : new CString(${r}))`, bindings: { CString } };
    case FFIType.void:
      return { expression: "undefined", bindings: {} };
    default:
      return { expression: r, bindings: {} };
  }
}

/**
 * The expression turning koffi's value in variable `a` of a callback argument into what bun:ffi passes to the JS
 * function. Like {@link planReturn}, except that koffi hands unsigned 64-bit and pointer callback arguments over
 * as signed values (2^64-1 arrives as -1): those are reinterpreted.
 */
export function planCallbackArgument(type: number, a: string): Fragment {
  const plain = planReturn(type, a);
  const reinterpreted = `$asUintN(64, $BigInt(${a}))`;
  const bindings = { ...plain.bindings, $asUintN, $BigInt };
  switch (type) {
    case FFIType.u64:
      return { expression: `(${a} < 0 ? ${reinterpreted} : typeof ${a} === "bigint" ? ${a} : $BigInt(${a}))`, bindings };
    case FFIType.u64_fast:
    case FFIType.ptr:
    case FFIType.function:
      // Addresses from 2^63 up arrive negative (koffi reads uintptr_t callback arguments as signed).
      return { expression: `(${a} < 0 ? ${reinterpreted} : ${plain.expression})`, bindings };
    case FFIType.cstring:
      return { expression: `(${a} < 0 ? new CString(${reinterpreted}) : ${plain.expression})`, bindings };
    default:
      return plain;
  }
}
