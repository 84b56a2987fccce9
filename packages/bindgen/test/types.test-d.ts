// Type-level tests (vitest typecheck): what the schema language lets through and what bind() returns.
import { describe, it, expectTypeOf } from "vitest";
import { bind, fn, t, type FunctionSchema } from "@ffi-kit/bindgen";

const Point = t.dictionary({ x: t.i32.required, y: t.i32.default(0) });
const Formatter = t.stringEnum("highlight-javascript", "escape-powershell");
enum Mode {
  Off,
  Fast = 5,
}

type RetOf<S> = S extends FunctionSchema<infer R> ? R : "not a schema";
const retOf = <S>(_s: S): RetOf<S> => null!;

describe("schema types", () => {
  it("fn() carries the JavaScript return type", () => {
    expectTypeOf(retOf(fn({ args: { a: t.i32, b: t.i32.default(1) }, ret: t.i32 }))).toEqualTypeOf<number>();
    expectTypeOf(retOf(fn({ ret: t.u64 }))).toEqualTypeOf<bigint>();
    expectTypeOf(retOf(fn({ ret: t.DOMString }))).toEqualTypeOf<string | null>();
    expectTypeOf(retOf(fn({ ret: Formatter }))).toEqualTypeOf<"highlight-javascript" | "escape-powershell">();
    expectTypeOf(retOf(fn({ ret: t.nativeEnum(Mode) }))).toEqualTypeOf<Mode>();
    expectTypeOf(retOf(fn({ ret: Point }))).toEqualTypeOf<{ x: number; y: number }>();
    expectTypeOf(retOf(fn({ ret: Point.byPointer() }))).toEqualTypeOf<{ x: number; y: number } | null>();
    expectTypeOf(retOf(fn({ args: {} }))).toEqualTypeOf<undefined>();
  });
  it("dictionary input shapes: .required members are required, the rest optional", () => {
    type In = (typeof Point)["__in"];
    expectTypeOf<{ x: number }>().toMatchTypeOf<In>();
    expectTypeOf<{ x: number; y: number }>().toMatchTypeOf<In>();
    expectTypeOf<{ y: number }>().not.toMatchTypeOf<In>();
    expectTypeOf<{ x: string }>().not.toMatchTypeOf<In>();
  });
  it("attributes exist only where the seed puts them, and finals take no more", () => {
    // @ts-expect-error validateInt32 is for t.i32
    t.u8.validateInt32();
    // @ts-expect-error validateUint32 is for t.u32
    t.i32.validateUint32();
    // @ts-expect-error validateNumber is for t.f64
    t.f32.validateNumber();
    // @ts-expect-error clamp is for integers
    t.f64.clamp();
    // @ts-expect-error nothing after .optional
    t.i32.optional.default(1);
    // @ts-expect-error nothing after .default()
    t.i32.default(1).clamp();
    // @ts-expect-error a default has the argument's type
    t.i32.default("1");
    // @ts-expect-error not a value of the enum
    Formatter.default("nope");
    t.i32.clamp(0, 10).enforceRange;
    t.u16.clamp(0, 10).optional;
    t.i32.enforceRange(0, 1000).default(5);
  });
  it("bind() returns functions with exact return types", () => {
    const lib = bind("libm.so", { add: fn({ args: { a: t.i32 }, ret: t.i32 }), name: fn({ ret: t.DOMString }), nothing: fn({}) });
    expectTypeOf(lib.symbols.add).returns.toEqualTypeOf<number>();
    expectTypeOf(lib.symbols.name).returns.toEqualTypeOf<string | null>();
    expectTypeOf(lib.symbols.nothing).returns.toEqualTypeOf<undefined>();
    expectTypeOf(lib.close).toEqualTypeOf<() => void>();
  });
  it("bind() functions take the schema's arguments: required first, then optional; globalObject takes none", () => {
    const lib = bind("libm.so", {
      add: fn({ args: { global: t.globalObject, a: t.i32, b: t.i32.default(1) }, ret: t.i32 }),
      hex: fn({ args: { s: t.DOMString.optional }, ret: t.DOMString }),
      big: fn({ args: { v: t.i64 }, ret: t.i64 }),
      pt: fn({ args: { p: Point }, ret: t.i32 }),
      mixed: fn({ args: { n: t.i32, s: t.DOMString }, ret: t.i32 }),
      none: fn({}),
    });
    expectTypeOf(lib.symbols.add).parameters.toEqualTypeOf<[number, (number | undefined)?]>();
    expectTypeOf(lib.symbols.hex).parameters.toEqualTypeOf<[(string | null | undefined)?]>();
    expectTypeOf(lib.symbols.big).parameters.toEqualTypeOf<[number | bigint]>();
    expectTypeOf(lib.symbols.none).parameters.toEqualTypeOf<[]>();
    lib.symbols.add(1);
    lib.symbols.add(1, 2);
    lib.symbols.pt({ x: 1 });
    lib.symbols.mixed(1, "s");
    // @ts-expect-error a string is not a number
    lib.symbols.add("1");
    // @ts-expect-error a required argument is missing
    lib.symbols.add();
    // @ts-expect-error too many arguments
    lib.symbols.add(1, 2, 3);
    // @ts-expect-error x is required in Point
    lib.symbols.pt({ y: 1 });
    // @ts-expect-error a boolean is neither argument type
    lib.symbols.mixed(true, "s");
    // @ts-expect-error bigints are for 64-bit integers
    lib.symbols.add(1n);
  });
});
