// Every error path: schema mistakes (at declaration or bind time, never per call), library and symbol errors,
// calls after close, missing arguments, and hostile inputs that must throw a coded error rather than reach C badly.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { FFIError } from "@ffi-kit/core";
import { bind, fn, t, type FunctionSchema } from "@ffi-kit/bindgen";
import { LIB, anyValue, runs } from "./support.js";

const schemaError = expect.objectContaining({ name: "FFIError", code: "ERR_FFI_INVALID_SCHEMA" });
const loose = t as unknown as Record<string, any>; // to reach runtime checks the types already forbid

describe("schema errors are FFIError ERR_FFI_INVALID_SCHEMA, thrown when declared", () => {
  it("attributes: .optional/.default()/.required come last, and only one of them", () => {
    expect(() => (t.i32.optional as any).default(1)).toThrow(schemaError);
    expect(() => (t.i32.default(1) as any).optional).toThrow(schemaError);
    expect(() => (t.i32.required as any).clamp()).toThrow(expect.objectContaining({ message: expect.stringContaining(".clamp() cannot follow") }));
  });
  it("integer attributes: one conversion, integer bounds inside the type's range, min <= max", () => {
    expect(() => t.i32.clamp().enforceRange()).toThrow(schemaError);
    expect(() => t.i32.clamp(5, 1)).toThrow(schemaError);
    expect(() => t.i8.clamp(0, 1000)).toThrow(expect.objectContaining({ message: expect.stringContaining("[-128, 127]") }));
    expect(() => t.i32.enforceRange(1.5)).toThrow(schemaError);
    expect(() => (loose.u8 as any).validateInt32()).toThrow(expect.objectContaining({ message: ".validateInt32() applies to t.i32, not t.u8" }));
    expect(() => (loose.i32 as any).validateUint32()).toThrow(schemaError);
    expect(() => (loose.f32 as any).validateNumber()).toThrow(schemaError);
    expect(() => t.f64.validateNumber(NaN)).toThrow(schemaError);
    expect(() => t.f64.validateNumber(5, 1)).toThrow(schemaError);
    expect(() => t.f64.validateNumber().validateInteger()).toThrow(schemaError);
  });
  it("enums, dictionaries and unions", () => {
    expect(() => (loose.stringEnum as any)()).toThrow(schemaError);
    expect(() => t.stringEnum("a", "a")).toThrow(schemaError);
    expect(() => (loose.stringEnum as any)("a", 1)).toThrow(schemaError);
    expect(() => t.nativeEnum({ A: "a" })).toThrow(expect.objectContaining({ message: expect.stringContaining("use t.stringEnum") }));
    expect(() => t.nativeEnum({ A: 2 ** 40 })).toThrow(schemaError);
    expect(() => t.nativeEnum({})).toThrow(schemaError);
    expect(() => t.dictionary({})).toThrow(schemaError);
    expect(() => t.dictionary({ a: t.i32.optional })).toThrow(expect.objectContaining({ message: expect.stringContaining(".optional is for function arguments") }));
    expect(() => t.dictionary({ a: 5 as any })).toThrow(schemaError);
    expect(() => t.dictionary({ a: t.dictionary({ b: t.i32 }).byPointer() })).toThrow(schemaError);
    expect(() => t.dictionary({ g: t.globalObject })).toThrow(schemaError);
    expect(() => t.dictionary({ b: t.i32 }).byPointer().byPointer()).toThrow(schemaError);
    expect(() => t.oneOf(t.i32, t.f64)).toThrow(expect.objectContaining({ message: expect.stringContaining("distinguishable") }));
    expect(() => t.oneOf(t.DOMString, t.stringEnum("x"))).toThrow(schemaError);
    expect(() => (loose.oneOf as any)(t.i32)).toThrow(schemaError);
    expect(() => (loose.oneOf as any)(t.i32, t.DOMString.optional)).toThrow(schemaError);
  });
  it("functions", () => {
    expect(() => fn({ args: { a: t.i32.optional, b: t.i32 } })).toThrow(expect.objectContaining({ message: expect.stringContaining('required argument "b" cannot follow optional argument "a"') }));
    expect(() => fn({ args: { a: t.i32.required } })).toThrow(schemaError);
    expect(() => fn({ args: { a: t.void } })).toThrow(schemaError);
    expect(() => fn({ args: { a: 1 as any } })).toThrow(schemaError);
    expect(() => fn({ ret: t.i32.optional as any })).toThrow(schemaError);
    expect(() => fn({ ret: t.oneOf(t.i32, t.DOMString) as any })).toThrow(schemaError);
    expect(() => fn({ variants: [] })).toThrow(schemaError);
    expect(() => fn({ variants: [{}], args: {} } as any)).toThrow(schemaError);
    expect(() => fn({ symbol: "" })).toThrow(schemaError);
    expect(() => fn(null as any)).toThrow(schemaError);
  });
  it("a returned dictionary cannot hold a oneOf (C does not say which member is set)", () => {
    const D = t.dictionary({ v: t.oneOf(t.i32, t.DOMString) });
    expect(() => bind(LIB, { point_null: fn({ ret: D.byPointer() }) })).toThrow(schemaError);
    expect(() => bind(LIB, { point_null: fn({ ret: t.dictionary({ s: t.ByteString }).byPointer() }) })).toThrow(schemaError);
  });
  it("defaults are converted and checked once, at bind time", () => {
    expect(() => bind(LIB, { echo_i32: fn({ args: { v: t.i32.enforceRange(0, 10).default(50) }, ret: t.i32 }) })).toThrow(
      expect.objectContaining({ code: "ERR_FFI_INVALID_SCHEMA", message: expect.stringContaining("invalid .default() value") }),
    );
  });
});

describe("bind() errors", () => {
  it("bad schema objects", () => {
    expect(() => bind(LIB, null as any)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => bind(LIB, {})).toThrow(schemaError);
    expect(() => bind(LIB, { x: 5 as unknown as FunctionSchema })).toThrow(schemaError);
  });
  it("bad library paths, with the path in the message", () => {
    const f = { add: fn({ args: { a: t.i32, b: t.i32 }, ret: t.i32 }) };
    expect(() => bind("", f)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => bind(5 as any, f)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => bind("a\0b", f)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => bind(new URL("http://example.com/lib.so"), f)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => bind("/nonexistent/libnothing.so", f)).toThrow(expect.objectContaining({ code: "ERR_DLOPEN_FAILED", message: expect.stringContaining("/nonexistent/libnothing.so") }));
    expect(() => bind(LIB, { nope: fn({}) })).toThrow(expect.objectContaining({ name: "FFIError", code: "ERR_FFI_SYMBOL_NOT_FOUND" }));
  });
  it("file: URLs and strings both open the library", () => {
    const lib = bind(new URL(`file://${LIB}`), { add: fn({ args: { a: t.i32, b: t.i32 }, ret: t.i32 }) });
    expect(lib.symbols.add(1, 2)).toBe(3);
    lib.close();
  });
});

describe("calls", () => {
  it("missing arguments throw ERR_MISSING_ARGS naming the first missing one", () => {
    const lib = bind(LIB, { sum3: fn({ args: { a: t.i32, b: t.i32, c: t.i32.default(0) }, ret: t.i32 }) });
    const sum3 = lib.symbols.sum3 as (...a: unknown[]) => unknown; // called with counts the types forbid
    expect(() => sum3(1)).toThrow(
      expect.objectContaining({ name: "TypeError", code: "ERR_MISSING_ARGS", message: "sum3(): argument 2 (b) is missing: expected at least 2 arguments, received 1" }),
    );
    expect(lib.symbols.sum3(1, 2)).toBe(120);
    expect(lib.symbols.sum3(1, 2, undefined)).toBe(120); // undefined takes the default
    expect(sum3(1, 2, 3, 4)).toBe(123); // extra arguments are ignored (WebIDL)
    lib.close();
  });
  it("after close() every call throws FFIError ERR_FFI_LIBRARY_CLOSED; close is idempotent; `using` closes", () => {
    const lib = bind(LIB, { add: fn({ args: { a: t.i32, b: t.i32 }, ret: t.i32 }) });
    const add = lib.symbols.add;
    lib.close();
    lib.close();
    expect(() => add(1, 2)).toThrow(FFIError);
    expect(() => add(1, 2)).toThrow(expect.objectContaining({ code: "ERR_FFI_LIBRARY_CLOSED" }));
    let kept: (...a: unknown[]) => unknown;
    {
      using scoped = bind(LIB, { add: fn({ args: { a: t.i32, b: t.i32 }, ret: t.i32 }) });
      kept = scoped.symbols.add as (...a: unknown[]) => unknown;
      expect(kept(2, 2)).toBe(4);
    }
    expect(() => kept(2, 2)).toThrow(expect.objectContaining({ code: "ERR_FFI_LIBRARY_CLOSED" }));
  });
  it("conversion is planned once: the compiled source has the conversions inline", () => {
    const lib = bind(LIB, { add: fn({ args: { a: t.i32, b: t.u8.clamp() }, ret: t.i32 }) });
    expect(lib.source).toContain('typeof a0 === "number" ? a0 | 0 : R.intWrap(a0, 32, true, "add(): argument 1 (a)")');
    expect(lib.source).toContain("R.intClamp(a1, 0, 255, false");
    expect(lib.symbols.add.name).toBe("add");
    lib.close();
  });
});

describe("hostile input never reaches C unconverted", () => {
  const Point = t.dictionary({ x: t.i32.required, y: t.i32 });
  const lib = bind(LIB, {
    pointSum: fn({ symbol: "point_sum_ptr", args: { p: Point.byPointer() }, ret: t.i32 }),
    pointAdd: fn({ symbol: "point_add", args: { a: Point, b: Point }, ret: Point }),
    hex: fn({ symbol: "hex_bytes", args: { s: t.UTF8String.optional }, ret: t.DOMString }),
    bytes: fn({ symbol: "hex_bytes", args: { s: t.ByteString }, ret: t.DOMString }),
    value: fn({ symbol: "value_describe", args: { v: t.oneOf(t.i32, t.DOMString, t.bool) }, ret: t.DOMString }),
    sum3: fn({ args: { a: t.i8.enforceRange(), b: t.u16.clamp(), c: t.i32.validateInt32() }, ret: t.i32 }),
    mode: fn({ symbol: "echo_enum", args: { m: t.stringEnum("a", "b") }, ret: t.i32 }),
  });
  const boom = new Error("user code threw");
  const hostile = fc.oneof(
    anyValue,
    fc.constantFrom(
      { valueOf: () => { throw boom; } },
      { toString: () => { throw boom; } },
      { get x() { throw boom; } },
      Object.create(null),
      new Proxy({}, { get: () => Symbol("p") }),
      { x: Symbol("s") },
      { x: 1n },
      { x: "12", y: {} },
      new Uint8Array(4),
      () => 1,
    ),
  );
  it("every call returns or throws a coded error (or the user's own exception)", () => {
    const fns = Object.values(lib.symbols) as Array<(...a: unknown[]) => unknown>;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: fns.length - 1 }), fc.array(hostile, { maxLength: 4 }), (i, args) => {
        try {
          fns[i]!(...args);
        } catch (e) {
          if (e === boom) return;
          expect(e).toBeInstanceOf(Error);
          expect(typeof (e as { code?: unknown }).code === "string" || e instanceof TypeError).toBe(true);
        }
      }),
      { ...runs, numRuns: 2000 },
    );
  });
});
