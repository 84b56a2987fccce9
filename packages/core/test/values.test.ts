/** Values through real C: identity and add for every type, constant returns, wide calls. */
import { describe, expect, it } from "vitest";
import { dlopen, type FFITypeName } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

const lib = dlopen(fixture("ffi"), {
  identity_int8_t: { args: ["i8"], returns: "i8" },
  identity_uint8_t: { args: ["u8"], returns: "u8" },
  identity_int16_t: { args: ["i16"], returns: "i16" },
  identity_uint16_t: { args: ["u16"], returns: "u16" },
  identity_int32_t: { args: ["i32"], returns: "i32" },
  identity_uint32_t: { args: ["u32"], returns: "u32" },
  identity_int64_t: { args: ["i64"], returns: "i64" },
  identity_uint64_t: { args: ["u64"], returns: "u64" },
  identity_float: { args: ["f32"], returns: "f32" },
  identity_double: { args: ["f64"], returns: "f64" },
  identity_char: { args: ["char"], returns: "char" },
  identity_bool: { args: ["bool"], returns: "bool" },
  identity_ptr: { args: ["ptr"], returns: "ptr" },
  identity_size_t: { args: ["usize"], returns: "usize" },
  add_int8_t: { args: ["i8", "i8"], returns: "i8" },
  add_uint8_t: { args: ["u8", "u8"], returns: "u8" },
  add_int16_t: { args: ["i16", "i16"], returns: "i16" },
  add_uint16_t: { args: ["u16", "u16"], returns: "u16" },
  add_int32_t: { args: ["i32", "i32"], returns: "i32" },
  add_uint32_t: { args: ["u32", "u32"], returns: "u32" },
  add_int64_t: { args: ["i64", "i64"], returns: "i64" },
  add_uint64_t: { args: ["u64", "u64"], returns: "u64" },
  add_float: { args: ["f32", "f32"], returns: "f32" },
  add_double: { args: ["f64", "f64"], returns: "f64" },
  add_bool: { args: ["bool", "bool"], returns: "bool" },
  returns_true: { returns: "bool" },
  returns_false: { returns: "bool" },
  returns_42_char: { returns: "char" },
  returns_42_float: { returns: "f32" },
  returns_42_double: { returns: "f64" },
  returns_42_uint8_t: { returns: "u8" },
  returns_42_uint16_t: { returns: "u16" },
  returns_42_uint32_t: { returns: "u32" },
  returns_42_uint64_t: { returns: "u64" },
  returns_neg_42_int8_t: { returns: "i8" },
  returns_neg_42_int16_t: { returns: "i16" },
  returns_neg_42_int32_t: { returns: "i32" },
  returns_neg_42_int64_t: { returns: "i64" },
  returns_u64_max: { returns: "u64_fast" },
  returns_i64_min: { returns: "i64_fast" },
  noop: {},
  sum_mixed: { args: ["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "f64", "bool", "i32", "f64"], returns: "f64" },
  sum_13_i64: { args: Array(13).fill("i64") as FFITypeName[], returns: "i64" },
  sum_10_f32: { args: Array(10).fill("f32") as FFITypeName[], returns: "f64" },
});
const s = lib.symbols;

/** About 32k evenly spaced values over [min, max], both ends included (as Bun's own suite does per width). */
function spaced(min: number, max: number, count = 32768): number[] {
  const step = Math.max(1, Math.floor((max - min) / (count - 1)));
  const out: number[] = [];
  for (let v = min; v <= max; v += step) out.push(v);
  if (out[out.length - 1] !== max) out.push(max);
  return out;
}

describe("identity round-trips", () => {
  const widths: Array<[string, (x: number) => number, number, number]> = [
    ["i8", s.identity_int8_t, -128, 127],
    ["u8", s.identity_uint8_t, 0, 255],
    ["i16", s.identity_int16_t, -32768, 32767],
    ["u16", s.identity_uint16_t, 0, 65535],
    ["i32", s.identity_int32_t, -(2 ** 31), 2 ** 31 - 1],
    ["u32", s.identity_uint32_t, 0, 2 ** 32 - 1],
    ["char", s.identity_char, -128, 127],
  ];
  for (const [name, fn, min, max] of widths) {
    it(`${name}: every evenly spaced value in [${min}, ${max}] comes back unchanged`, () => {
      const values = spaced(min, max);
      expect(values.length).toBeGreaterThan(200);
      const wrong = values.filter((v) => fn(v) !== v);
      expect(wrong).toEqual([]);
    });
  }

  it("i64/u64: extremes and spaced bigints round-trip exactly; results are always bigint", () => {
    const i64 = [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n];
    for (let k = 0n; k < 4096n; k++) i64.push(-(2n ** 63n) + k * (2n ** 52n) + k);
    for (const v of i64) expect(s.identity_int64_t(v)).toBe(v);
    for (const v of i64) expect(s.identity_uint64_t(v)).toBe(BigInt.asUintN(64, v));
    expect(typeof s.identity_int64_t(1)).toBe("bigint");
    expect(s.identity_size_t(2 ** 40)).toBe(2n ** 40n);
  });

  it("f32 rounds through float32; f64 keeps -0, NaN, subnormals and extremes", () => {
    for (const v of [0.1, 1 / 3, 3.4028234663852886e38, 1e-45, -0, 16777217]) {
      expect(Object.is(s.identity_float(v), Math.fround(v))).toBe(true);
    }
    for (const v of [0.1, -0, Number.MIN_VALUE, Number.MAX_VALUE, -Infinity, Infinity, 2 ** 53 + 2]) {
      expect(Object.is(s.identity_double(v), v)).toBe(true);
    }
    expect(s.identity_double(NaN)).toBeNaN();
  });

  it("bool follows JS truthiness", () => {
    for (const v of [true, 1, "x", {}, -1, 10n]) expect(s.identity_bool(v as boolean)).toBe(true);
    for (const v of [false, 0, "", null, undefined, 0n, NaN]) expect(s.identity_bool(v as boolean)).toBe(false);
  });

  it("ptr: NULL is null, numbers come back as numbers, 2^53 and above as bigint", () => {
    expect(s.identity_ptr(null)).toBeNull();
    expect(s.identity_ptr(0)).toBeNull();
    expect(s.identity_ptr(123456)).toBe(123456);
    expect(s.identity_ptr(2n ** 53n)).toBe(2n ** 53n);
    expect(s.identity_ptr(2n ** 63n + 5n)).toBe(2n ** 63n + 5n);
    expect(s.identity_ptr(-1n)).toBe(2n ** 64n - 1n);
  });
});

describe("add_<type> wraps like C", () => {
  it("integer widths wrap; u64 wraps modulo 2^64", () => {
    expect(s.add_int8_t(127, 1)).toBe(-128);
    expect(s.add_uint8_t(255, 1)).toBe(0);
    expect(s.add_int16_t(32767, 1)).toBe(-32768);
    expect(s.add_uint16_t(65535, 2)).toBe(1);
    expect(s.add_int32_t(2 ** 31 - 1, 1)).toBe(-(2 ** 31));
    expect(s.add_uint32_t(2 ** 32 - 1, 2)).toBe(1);
    expect(s.add_int64_t(2n ** 63n - 1n, 1n)).toBe(-(2n ** 63n));
    expect(s.add_uint64_t(2n ** 64n - 1n, 2n)).toBe(1n);
    expect(s.add_uint64_t(-1, -1)).toBe(2n ** 64n - 2n);
  });
  it("floats and bool", () => {
    expect(s.add_float(0.1, 0.2)).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)));
    expect(s.add_double(0.1, 0.2)).toBe(0.1 + 0.2);
    expect(s.add_bool(false, true)).toBe(true);
  });
});

describe("constant returns", () => {
  it("each type's constant", () => {
    expect(s.returns_true()).toBe(true);
    expect(s.returns_false()).toBe(false);
    expect(s.returns_42_char()).toBe(42);
    expect(s.returns_42_float()).toBe(Math.fround(42.42));
    expect(s.returns_42_double()).toBe(42.42);
    expect([s.returns_42_uint8_t(), s.returns_42_uint16_t(), s.returns_42_uint32_t()]).toEqual([42, 42, 42]);
    expect(s.returns_42_uint64_t()).toBe(42n);
    expect([s.returns_neg_42_int8_t(), s.returns_neg_42_int16_t(), s.returns_neg_42_int32_t()]).toEqual([-42, -42, -42]);
    expect(s.returns_neg_42_int64_t()).toBe(-42n);
    expect(s.returns_u64_max()).toBe(2n ** 64n - 1n);
    expect(s.returns_i64_min()).toBe(-(2n ** 63n));
    expect(s.noop()).toBeUndefined();
  });
});

describe("wide calls (stack spill, sign and zero extension)", () => {
  it("13 mixed arguments, position-weighted", () => {
    const args = [-8, 200, -16000, 60000, -2000000000, 4000000000, -(2n ** 40n), 2n ** 41n, 1.5, -2.25, true, -7, 0.125] as const;
    const expected =
      -8 * 1 + 200 * 2 + -16000 * 3 + 60000 * 4 + -2000000000 * 5 + 4000000000 * 6 + -(2 ** 40) * 7 + 2 ** 41 * 8 +
      1.5 * 9 + -2.25 * 10 + 11 + -7 * 12 + 0.125 * 13;
    expect(s.sum_mixed(...args)).toBe(expected);
    // Narrow values given out of range are wrapped before the call, as C would see them after a cast.
    expect(s.sum_mixed(255, 256, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0)).toBe(-1);
  });
  it("13 int64 and 10 float arguments", () => {
    const xs = Array.from({ length: 13 }, (_, i) => BigInt(i - 6) * 1000000007n);
    const expected = xs.reduce((acc, x, i) => acc + BigInt(i + 1) * x, 0n);
    expect(s.sum_13_i64(...(xs as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint]))).toBe(expected);
    const fs = Array.from({ length: 10 }, (_, i) => (i - 4.5) / 4);
    expect(s.sum_10_f32(...(fs as [number, number, number, number, number, number, number, number, number, number]))).toBe(
      fs.reduce((acc, f, i) => acc + (i + 1) * Math.fround(f), 0),
    );
  });
});

describe("argument validation", () => {
  it("strings, symbols and objects never reach C as numbers", () => {
    for (const bad of ["12", Symbol("x"), {}, []]) {
      expect(() => s.identity_int32_t(bad as never)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: expect.stringContaining("identity_int32_t(): argument 1") }));
      expect(() => s.identity_double(bad as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
      expect(() => s.identity_int64_t(bad as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    }
    expect(() => s.sum_mixed(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, true, "1" as never, 0)).toThrow(/argument 12/);
  });
  it("pointer arguments reject strings (koffi would silently make a C string) and booleans", () => {
    expect(() => s.identity_ptr("abc" as never)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: expect.stringContaining("encode it as a buffer") }));
    expect(() => s.identity_ptr(true as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => s.identity_ptr({} as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });
});

describe("robust to tampered built-ins", () => {
  it("replacing Math.trunc, BigInt and ArrayBuffer.isView after load changes nothing", () => {
    const saved = { trunc: Math.trunc, isView: ArrayBuffer.isView, BigInt: globalThis.BigInt };
    try {
      Math.trunc = () => 0;
      ArrayBuffer.isView = (() => false) as unknown as typeof ArrayBuffer.isView;
      (globalThis as { BigInt: unknown }).BigInt = () => 0n;
      expect(s.identity_int64_t(2 ** 40)).toBe(2n ** 40n);
      expect(s.identity_ptr(123456)).toBe(123456);
      expect(s.identity_uint64_t(5)).toBe(5n);
    } finally {
      Math.trunc = saved.trunc;
      ArrayBuffer.isView = saved.isView;
      (globalThis as { BigInt: unknown }).BigInt = saved.BigInt;
    }
  });
});
