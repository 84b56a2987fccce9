import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  arbitraries,
  arbitraryFor,
  argumentArbitrary,
  argumentsArbitrary,
  expected,
  expectedArgument,
  expectedFromC,
  expectedPointerRejection,
  expectedPtr,
  expectedRead,
  disagreement,
  show,
  TYPE_NAMES,
  typeName,
  F32_MAX,
  NAN_PAYLOADS,
  type Expectation,
} from "@ffi-kit/fuzz";
import { labelValue, loadConformance, recordedValue } from "./support/conformance.js";

const data = loadConformance();
const agree = (e: Expectation, actual: unknown) => disagreement(e, { ok: true, value: actual });

describe("reference model against Bun 1.4.5's recorded behaviour", () => {
  const TYPE_OF_TABLE: Record<string, string> = { usize: "u64" };
  for (const [table, rows] of Object.entries(data.arguments)) {
    it(`arguments: ${table} (${Object.keys(rows).length} inputs)`, () => {
      const type = TYPE_OF_TABLE[table] ?? table;
      let checked = 0;
      for (const [label, row] of Object.entries(rows)) {
        if (row.skip) continue;
        const e = expected(type, labelValue(label));
        if (row.err !== undefined) {
          expect(e, `${table} ${label}`).toMatchObject({ kind: "error", name: row.err });
        } else {
          expect(e.kind, `${table} ${label}`).toBe("value");
          expect(agree(e, recordedValue(row.ok)), `${table} ${label}`).toBeNull();
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(20);
    });
  }

  it("returns: 64-bit extremes and u64_fast above 2^53", () => {
    const c = (v: bigint) => ({ kind: "bigint" as const, value: v });
    expect(agree(expectedFromC("u64", c(2n ** 64n - 1n)), recordedValue(data.returns.u64max))).toBeNull();
    expect(agree(expectedFromC("i64", c(-(2n ** 63n))), recordedValue(data.returns.i64min))).toBeNull();
    expect(agree(expectedFromC("i64", c(42n)), recordedValue(data.returns.i64small))).toBeNull();
    expect(agree(expectedFromC("u64_fast", c(2n ** 53n + 1n)), recordedValue(data.returns.u64big))).toBeNull();
    expect(agree(expected("f32", 1 / 3), data.returns.f32third)).toBeNull();
  });

  it("callbacks: what JS sees and what comes back out", () => {
    let checked = 0;
    for (const [type, rows] of Object.entries(data.callbacks.seen)) {
      for (const [input, seen] of rows) {
        const c = expectedArgument(type, recordedValue(input));
        expect(c.kind).not.toBe("error");
        expect(agree(expectedFromC(type, c as never), recordedValue(seen)), `${type} ${show(input)}`).toBeNull();
        checked++;
      }
    }
    for (const [type, rows] of Object.entries(data.callbacks.returned)) {
      for (const [input, out] of rows) {
        expect(agree(expected(type, recordedValue(input)), recordedValue(out)), `${type} ${show(input)}`).toBeNull();
        checked++;
      }
    }
    for (const [type, rows] of Object.entries(data.callbacks.jsReturn)) {
      for (const [label, out] of rows) {
        const e = expected(type, labelValue(label === "2^32+5" ? "4294967301" : label));
        if (typeof out === "string" && out.startsWith("ERR")) expect(e, `${type} returning ${label}`).toMatchObject({ kind: "error", name: "TypeError" });
        else expect(agree(e, recordedValue(out)), `${type} returning ${label}`).toBeNull();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe("reference model rules", () => {
  it("read.* follows DataView, little-endian", () => {
    const bytes = Uint8Array.from([0x01, 0x80, 0xff, 0x7f, 0, 0, 0xf0, 0xbf, 9]);
    expect(expectedRead("i16", bytes, 1)).toEqual({ kind: "value", value: -128 });
    expect(expectedRead("f64", bytes, 0).kind).toBe("value");
    expect(expectedRead("u64", bytes, 1)).toEqual({ kind: "value", value: new DataView(bytes.buffer).getBigUint64(1, true) });
  });

  it("pointers below 4096 and non-pointers are refused", () => {
    expect(expectedPointerRejection(16)).toMatchObject({ name: "FFIError", code: "ERR_FFI_INVALID_POINTER" });
    expect(expectedPointerRejection(4090, 6)).toBeNull();
    expect(expectedPointerRejection("4096")).toMatchObject({ name: "TypeError" });
    expect(expectedPtr(new Uint8Array(0))).toMatchObject({ name: "TypeError" });
    expect(expectedPtr(new Uint8Array(4), 4)).toEqual({ kind: "offset", offset: 4 });
    expect(expectedPtr(new Uint8Array(4), 5)).toMatchObject({ name: "TypeError" });
  });

  it("disagreement() reports both sides exactly", () => {
    expect(disagreement({ kind: "value", value: 0 }, { ok: true, value: -0 })).toBe("expected 0, got -0");
    expect(disagreement({ kind: "value", value: 1n }, { ok: true, value: 1 })).toBe("expected 1n, got 1");
    expect(disagreement({ kind: "value", value: NaN }, { ok: true, value: NaN })).toBeNull();
    expect(disagreement({ kind: "error", name: "TypeError", rule: "r" }, { ok: false, error: new RangeError("x") })).toMatch(/expected TypeError/);
  });

  it("typeName resolves numbers and aliases, and refuses the rest", () => {
    expect(typeName(5)).toBe("i32");
    expect(typeName("size_t")).toBe("u64");
    expect(() => typeName("int128")).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
  });
});

describe("arbitraries", () => {
  const seed = Date.now() | 0;
  console.log(`arbitraries: seed ${seed}`);

  it("exist for every FFI type", () => {
    for (const name of TYPE_NAMES) expect(fc.sample(arbitraries[name](), { seed, numRuns: 5 })).toHaveLength(5);
  });

  it("inRange integer values are within the type's range", () => {
    fc.assert(
      fc.property(arbitraries.i8({ kinds: ["inRange"] }), arbitraries.u32({ kinds: ["inRange"] }), arbitraries.i64({ kinds: ["inRange"] }), (a, b, c) => {
        expect(a as number).toBeGreaterThanOrEqual(-128);
        expect(a as number).toBeLessThanOrEqual(127);
        expect(b as number).toBeGreaterThanOrEqual(0);
        expect(b as number).toBeLessThanOrEqual(2 ** 32 - 1);
        expect(BigInt(c as number | bigint) >= -(2n ** 63n)).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
  });

  it("inRange float32 values are exactly representable; outOfDomain ones include values float32 rounds", () => {
    fc.assert(fc.property(arbitraries.f32({ kinds: ["inRange"] }), (v) => Number.isNaN(v) || Object.is(Math.fround(v as number), v)), { seed, numRuns: 300 });
    const out = fc.sample(arbitraries.f32({ kinds: ["outOfDomain"] }), { seed, numRuns: 300 });
    expect(out.some((v) => typeof v === "number" && !Number.isNaN(v) && Math.fround(v) !== v)).toBe(true);
  });

  it("boundaries include ±0, 2^n ± 1, 2^53 ± 1, float32 extremes, subnormals and NaN payloads", () => {
    const f64 = new Set(fc.sample(arbitraries.f64({ kinds: ["boundary"] }), { seed, numRuns: 3000 }).map((v) => show(v)));
    for (const v of [-0, 2 ** 31 + 1, 2 ** 53 - 1, F32_MAX, Number.MIN_VALUE, 2 ** 32 - 1]) expect(f64.has(show(v)), show(v)).toBe(true);
    const i32 = new Set(fc.sample(arbitraries.i32({ kinds: ["boundary"] }), { seed, numRuns: 2000 }).map((v) => show(v)));
    for (const v of [-(2 ** 31), 2 ** 31 - 1, -0, 32769, -129]) expect(i32.has(show(v)), show(v)).toBe(true);
    const bits = (v: number) => { const d = new DataView(new ArrayBuffer(8)); d.setFloat64(0, v); return d.getBigUint64(0); };
    expect(new Set(NAN_PAYLOADS.map(bits)).size).toBeGreaterThan(1);
  });

  it("outOfDomain values include wrong JS types and out-of-range bigints", () => {
    const out = fc.sample(arbitraryFor("u8", { kinds: ["outOfDomain"] }), { seed, numRuns: 1000 });
    expect(out.some((v) => typeof v === "string")).toBe(true);
    expect(out.some((v) => typeof v === "bigint" && (v < 0n || v > 255n))).toBe(true);
    expect(out.filter((v) => expected("u8", v).kind === "error").length).toBeGreaterThan(10);
  });
});

describe("arguments generated for fuzzing a library", () => {
  it("links lengths to buffers (without the NUL of a cstring; as a bigint for 64-bit lengths)", () => {
    const seed = 99;
    for (const [buffer, length, index] of fc.sample(argumentsArbitrary(["cstring", "u64", "buffer"], { lengthOf: { 1: 0 } }), { seed, numRuns: 200 }) as [Uint8Array, bigint, Uint8Array][]) {
      expect(buffer[buffer.length - 1]).toBe(0);
      expect(length).toBe(BigInt(buffer.length - 1));
      expect(index).toBeInstanceOf(Uint8Array);
    }
    expect(() => argumentsArbitrary(["i32", "i32"], { lengthOf: { 1: 0 } })).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
    expect(() => argumentsArbitrary(["buffer", "f64"], { lengthOf: { 1: 0 } })).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
  });

  it("reaches buffer lengths up to the maximum and biases bytes towards 0x00, 0x7f, 0x80 and 0xff", () => {
    const samples = fc.sample(argumentArbitrary("buffer", { maxBufferLength: 32 }), { seed: 5, numRuns: 500 }) as Uint8Array[];
    expect(Math.max(...samples.map((b) => b.length))).toBe(32);
    const all = samples.flatMap((b) => [...b]);
    const special = all.filter((b) => b === 0 || b === 0x7f || b === 0x80 || b === 0xff).length;
    expect(special / all.length).toBeGreaterThan(0.15);
  });
});
