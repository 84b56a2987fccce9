// Conversion tables per type and attribute, checked against independent oracles through real C echo functions:
// typed-array stores for WebIDL's modulo wrap, Uint8ClampedArray for [Clamp] to 0..255, reference models for the rest.
import { describe, it, expect, afterAll } from "vitest";
import fc from "fast-check";
import { bind, fn, t } from "@ffi-kit/bindgen";
import { LIB, anyValue, outcome, runs } from "./support.js";

const lib = bind(LIB, {
  i8: fn({ symbol: "echo_i8", args: { v: t.i8 }, ret: t.i8 }),
  u8: fn({ symbol: "echo_u8", args: { v: t.u8 }, ret: t.u8 }),
  i16: fn({ symbol: "echo_i16", args: { v: t.i16 }, ret: t.i16 }),
  u16: fn({ symbol: "echo_u16", args: { v: t.u16 }, ret: t.u16 }),
  i32: fn({ symbol: "echo_i32", args: { v: t.i32 }, ret: t.i32 }),
  u32: fn({ symbol: "echo_u32", args: { v: t.u32 }, ret: t.u32 }),
  i64: fn({ symbol: "echo_i64", args: { v: t.i64 }, ret: t.i64 }),
  u64: fn({ symbol: "echo_u64", args: { v: t.u64 }, ret: t.u64 }),
  clampI8: fn({ symbol: "echo_i8", args: { v: t.i8.clamp() }, ret: t.i8 }),
  clampU8: fn({ symbol: "echo_u8", args: { v: t.u8.clamp() }, ret: t.u8 }),
  clampI16: fn({ symbol: "echo_i16", args: { v: t.i16.clamp() }, ret: t.i16 }),
  clampU16: fn({ symbol: "echo_u16", args: { v: t.u16.clamp() }, ret: t.u16 }),
  clampI32: fn({ symbol: "echo_i32", args: { v: t.i32.clamp() }, ret: t.i32 }),
  clampU32: fn({ symbol: "echo_u32", args: { v: t.u32.clamp() }, ret: t.u32 }),
  clampRange: fn({ symbol: "echo_i32", args: { v: t.i32.clamp(-10, 10) }, ret: t.i32 }),
  clampI64: fn({ symbol: "echo_i64", args: { v: t.i64.clamp() }, ret: t.i64 }),
  enfI8: fn({ symbol: "echo_i8", args: { v: t.i8.enforceRange() }, ret: t.i8 }),
  enfU8: fn({ symbol: "echo_u8", args: { v: t.u8.enforceRange() }, ret: t.u8 }),
  enfI16: fn({ symbol: "echo_i16", args: { v: t.i16.enforceRange() }, ret: t.i16 }),
  enfU16: fn({ symbol: "echo_u16", args: { v: t.u16.enforceRange() }, ret: t.u16 }),
  enfI32: fn({ symbol: "echo_i32", args: { v: t.i32.enforceRange() }, ret: t.i32 }),
  enfU32: fn({ symbol: "echo_u32", args: { v: t.u32.enforceRange() }, ret: t.u32 }),
  enfRange: fn({ symbol: "echo_i32", args: { v: t.i32.enforceRange(0, 1000) }, ret: t.i32 }),
  enfU64: fn({ symbol: "echo_u64", args: { v: t.u64.enforceRange() }, ret: t.u64 }),
  f32: fn({ symbol: "echo_f32", args: { v: t.f32 }, ret: t.f32 }),
  f64: fn({ symbol: "echo_f64", args: { v: t.f64 }, ret: t.f64 }),
  bool: fn({ symbol: "echo_bool", args: { v: t.bool }, ret: t.bool }),
  dom: fn({ symbol: "hex_bytes", args: { s: t.DOMString }, ret: t.DOMString }),
  usv: fn({ symbol: "hex_bytes", args: { s: t.USVString }, ret: t.DOMString }),
  utf8: fn({ symbol: "hex_bytes", args: { s: t.UTF8String }, ret: t.DOMString }),
  byte: fn({ symbol: "hex_bytes", args: { s: t.ByteString }, ret: t.DOMString }),
  echoStr: fn({ symbol: "echo_str", args: { s: t.DOMString }, ret: t.DOMString }),
  echoUsv: fn({ symbol: "echo_str", args: { s: t.DOMString }, ret: t.USVString }),
  badUtf8Usv: fn({ symbol: "bad_utf8", ret: t.USVString }),
  latin1: fn({ symbol: "latin1_bytes", ret: t.ByteString }),
  maybeNull: fn({ symbol: "maybe_null", args: { give: t.bool }, ret: t.DOMString }),
});
const s = lib.symbols as unknown as Record<string, (...a: unknown[]) => unknown>;
afterAll(() => lib.close());

/** Expects the call to behave like the oracle: same value, or a TypeError where the oracle throws one. */
function sameAs(actual: () => unknown, oracle: () => unknown): void {
  const want = outcome(oracle);
  const got = outcome(actual);
  if (want.ok) {
    if (!got.ok) throw new Error(`unexpected throw: ${String(got.error)}`);
    expect(Object.is(got.value, want.value) || got.value === want.value, `got ${String(got.value)}, want ${String(want.value)}`).toBe(true);
  } else {
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.error).toBeInstanceOf(TypeError);
  }
}

const store = (Ctor: new (n: number) => { [i: number]: number | bigint }, v: unknown) => () => {
  const a = new Ctor(1);
  a[0] = v as number;
  return a[0];
};
/** WebIDL ToNumber as typed-array stores do it: bigints and symbols throw. */
const toNumber = (v: unknown): number => {
  const a = new Float64Array(1);
  a[0] = v as number;
  return a[0]!;
};

describe("default integer conversion wraps modulo 2^bits (typed-array stores as oracle)", () => {
  const table = [
    ["i8", Int8Array],
    ["u8", Uint8Array],
    ["i16", Int16Array],
    ["u16", Uint16Array],
    ["i32", Int32Array],
    ["u32", Uint32Array],
  ] as const;
  for (const [name, Ctor] of table) {
    it(`t.${name}`, () => {
      fc.assert(fc.property(anyValue, (v) => sameAs(() => s[name]!(v), store(Ctor, v))), runs);
    });
  }
  it("t.i64 / t.u64: numbers by IntegerPart modulo 2^64, bigints by BigInt64Array/BigUint64Array stores", () => {
    const ref = (v: unknown, signed: boolean) => () => {
      if (typeof v === "bigint") return (signed ? store(BigInt64Array as never, v) : store(BigUint64Array as never, v))();
      const x = toNumber(v);
      if (!Number.isFinite(x)) return 0n;
      return signed ? BigInt.asIntN(64, BigInt(Math.trunc(x))) : BigInt.asUintN(64, BigInt(Math.trunc(x)));
    };
    fc.assert(
      fc.property(anyValue, (v) => {
        sameAs(() => s.i64!(v), ref(v, true));
        sameAs(() => s.u64!(v), ref(v, false));
      }),
      runs,
    );
    expect(s.i64!(2n ** 63n)).toBe(-(2n ** 63n));
    expect(s.u64!(-1)).toBe(2n ** 64n - 1n);
    expect(s.i64!(-(2 ** 53) - 2)).toBe(-(2n ** 53n) - 2n);
  });
});

/** Round half to even, written independently of the implementation (Math.round rounds half up). */
function refClamp(v: unknown, lo: number, hi: number): number {
  const x = toNumber(v);
  if (Number.isNaN(x)) return 0;
  const c = Math.min(Math.max(x, lo), hi);
  const r = Math.round(c);
  return (r - c === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

describe("[Clamp] clamps and rounds half to even", () => {
  it("t.u8.clamp() matches Uint8ClampedArray", () => {
    fc.assert(fc.property(anyValue, (v) => sameAs(() => s.clampU8!(v), store(Uint8ClampedArray, v))), runs);
    expect([0.5, 1.5, 2.5, 254.5, 255.5, -0.5, NaN, Infinity].map((v) => s.clampU8!(v))).toEqual([0, 2, 2, 254, 255, 0, 0, 255]);
  });
  it("t.i8.clamp() matches Uint8ClampedArray shifted by 128 (where the shift is exact)", () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        const x = outcome(() => toNumber(v));
        if (x.ok && x.value === (x.value as number) + 128 - 128) sameAs(() => s.clampI8!(v), () => store(Uint8ClampedArray, (x.value as number) + 128)() - 128);
        else if (!x.ok) expect(() => s.clampI8!(v)).toThrow(TypeError);
      }),
      runs,
    );
  });
  for (const [name, lo, hi] of [
    ["clampI16", -32768, 32767],
    ["clampU16", 0, 65535],
    ["clampI32", -2147483648, 2147483647],
    ["clampU32", 0, 4294967295],
    ["clampRange", -10, 10],
  ] as const) {
    it(`${name} matches the reference model on [${lo}, ${hi}]`, () => {
      fc.assert(fc.property(anyValue, (v) => sameAs(() => s[name]!(v), () => refClamp(v, lo, hi))), runs);
    });
  }
  it("64-bit clamp: numbers to the safe integers (WebIDL), bigints exactly", () => {
    expect(s.clampI64!(1e300)).toBe(2n ** 53n - 1n);
    expect(s.clampI64!(-Infinity)).toBe(-(2n ** 53n) + 1n);
    expect(s.clampI64!(2.5)).toBe(2n);
    expect(s.clampI64!(2n ** 60n)).toBe(2n ** 53n - 1n);
    expect(s.clampI64!(NaN)).toBe(0n);
  });
  it("-0 reaches C as +0", () => {
    expect(Object.is(s.clampI32!(-0), 0)).toBe(true);
    expect(Object.is(s.clampI32!(-0.4), 0)).toBe(true);
  });
});

describe("[EnforceRange] throws TypeError on non-finite or out-of-range values", () => {
  const ref = (v: unknown, lo: number, hi: number) => () => {
    const x = toNumber(v);
    if (!Number.isFinite(x)) throw new TypeError("non-finite");
    const i = Math.trunc(x) + 0;
    if (i < lo || i > hi) throw new TypeError("range");
    return i;
  };
  for (const [name, lo, hi] of [
    ["enfI8", -128, 127],
    ["enfU8", 0, 255],
    ["enfI16", -32768, 32767],
    ["enfU16", 0, 65535],
    ["enfI32", -2147483648, 2147483647],
    ["enfU32", 0, 4294967295],
    ["enfRange", 0, 1000],
  ] as const) {
    it(`${name} on [${lo}, ${hi}]`, () => {
      fc.assert(fc.property(anyValue, (v) => sameAs(() => s[name]!(v), ref(v, lo, hi))), runs);
    });
  }
  it("errors name the argument and say what was received", () => {
    expect(() => s.enfRange!(1001)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: "enfRange(): argument 1 (v) is out of range: it must be an integer >= 0 && <= 1000 (enforceRange). Received type number (1001)" }),
    );
    expect(() => s.enfRange!(NaN)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("must be a finite number") }));
    expect(() => s.enfRange!(5n)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }));
  });
  it("64-bit enforceRange: safe integers for numbers, the bounds for bigints", () => {
    expect(s.enfU64!(2 ** 53 - 1)).toBe(2n ** 53n - 1n);
    expect(() => s.enfU64!(2 ** 53)).toThrow(TypeError);
    expect(() => s.enfU64!(-1n)).toThrow(TypeError);
    expect(s.enfU64!(12n)).toBe(12n);
  });
});

describe("floats and booleans", () => {
  it("t.f32 rounds like Float32Array; t.f64 converts like Float64Array (NaN and infinities pass)", () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        sameAs(() => s.f32!(v), store(Float32Array, v));
        sameAs(() => s.f64!(v), store(Float64Array, v));
      }),
      runs,
    );
  });
  it("t.bool is ToBoolean", () => {
    fc.assert(fc.property(anyValue, (v) => { expect(s.bool!(v)).toBe(Boolean(v)); }), runs);
  });
});

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe("strings reach C as NUL-terminated bytes", () => {
  const text = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.constantFrom("a\uD800b", "\uDC00", "café", "Ā", "\u00ff"));
  it("DOMString and UTF8String: ToString, then UTF-8 (lone surrogates as U+FFFD, as TextEncoder does)", () => {
    fc.assert(
      fc.property(fc.oneof(text, anyValue), (v) => {
        if (typeof v === "symbol") {
          expect(() => s.dom!(v)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
          return;
        }
        const str = String(v);
        if (str.includes("\0")) {
          expect(() => s.dom!(v)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE" }));
          return;
        }
        const want = hex(new TextEncoder().encode(str));
        expect(s.dom!(v)).toBe(want);
        expect(s.utf8!(v)).toBe(want);
        expect(s.usv!(v)).toBe(want);
      }),
      runs,
    );
  });
  it("USVString replaces lone surrogates before C sees the string", () => {
    expect(s.usv!("a\uD800b")).toBe("61efbfbd62");
    expect(s.echoUsv!("x\uDC00")).toBe("x\uFFFD");
    expect(s.badUtf8Usv!()).toMatch(/^a[^\uD800-\uDFFF]*b$/);
  });
  it("ByteString: code units <= 0xFF as Latin-1 bytes; anything above throws a TypeError", () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)) })), (str) => {
        if (str.includes("\0")) return;
        if (/[^\x00-\xff]/.test(str)) expect(() => s.byte!(str)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE" }));
        else expect(s.byte!(str)).toBe(Buffer.from(str, "latin1").toString("hex"));
      }),
      runs,
    );
    expect(s.latin1!()).toBe("café");
  });
  it("returned C strings become JS strings; NULL becomes null", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (str) => { expect(s.echoStr!(str)).toBe(str); }), runs);
    expect(s.maybeNull!(true)).toBe("here");
    expect(s.maybeNull!(false)).toBeNull();
  });
  it("NUL characters and symbols are refused with the argument named", () => {
    expect(() => s.dom!("a\0b")).toThrow("dom(): argument 1 (s) must not contain NUL characters");
    expect(() => s.byte!(Symbol("x"))).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE", message: "byte(): argument 1 (s) must be convertible to a string. Received type symbol (Symbol(x))" }));
  });
});

describe("explicit table (the README's rules, row by row)", () => {
  const E = "TypeError";
  const rows: Array<[string, unknown, unknown]> = [
    ["i8", 128, -128], ["i8", -129, 127], ["i8", 1.9, 1], ["i8", -1.9, -1], ["i8", "300", 44], ["i8", true, 1], ["i8", null, 0], ["i8", undefined, 0], ["i8", NaN, 0], ["i8", Infinity, 0], ["i8", 5n, E],
    ["u8", -1, 255], ["u8", 256.7, 0], ["u16", 65536 + 7, 7], ["u16", -1, 65535], ["i32", 2 ** 31, -(2 ** 31)], ["u32", -1, 4294967295], ["u32", 2 ** 32 + 3.9, 3],
    ["clampU8", 254.5, 254], ["clampU8", 253.5, 254], ["clampU8", -Infinity, 0], ["clampU8", "12.5", 12], ["clampI8", -128.5, -128], ["clampI8", 126.5, 126], ["clampI8", -127.5, -128],
    ["clampU16", 0.5, 0], ["clampU16", 1.5, 2], ["clampI32", 2 ** 40, 2147483647], ["clampU32", -3, 0], ["clampRange", 10.5, 10], ["clampRange", -9.5, -10], ["clampRange", 3.5, 4],
    ["enfI8", 127.9, 127], ["enfI8", 128, E], ["enfI8", -128.9, -128], ["enfU8", -0.5, 0], ["enfU8", -1, E], ["enfU32", 4294967295.5, 4294967295], ["enfU32", Infinity, E], ["enfRange", "7", 7], ["enfRange", null, 0], ["enfRange", undefined, E],
    ["i64", 2 ** 53 + 2, 2n ** 53n + 2n], ["i64", -1.5, -1n], ["u64", 2n ** 64n + 5n, 5n], ["i64", "12", 12n], ["i64", Symbol.iterator, E],
    ["f32", 0.1, Math.fround(0.1)], ["f32", "1e40", Infinity], ["f64", "  3.5  ", 3.5], ["f64", undefined, NaN], ["f64", 1n, E],
    ["bool", "", false], ["bool", "0", true], ["bool", 0n, false], ["bool", {}, true],
  ];
  it.each(rows)("t.%s(%s) -> %s", (name, input, want) => {
    if (want === E) expect(() => s[name]!(input)).toThrow(TypeError);
    else expect(s[name]!(input)).toStrictEqual(want);
  });
});
