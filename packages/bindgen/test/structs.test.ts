// Dictionaries to C structs (by value, by pointer, nested) and back, tagged unions, enums and variants, all through
// real C functions in test/fixtures/bindgen.c.
import { describe, it, expect, afterAll } from "vitest";
import fc from "fast-check";
import { FFIError } from "@ffi-kit/core";
import { bind, fn, t } from "@ffi-kit/bindgen";
import { LIB, runs } from "./support.js";

enum Mode {
  Off,
  Fast = 5,
  Safe,
}
const ModeT = t.nativeEnum(Mode);
const Point = t.dictionary({ x: t.i32.required, y: t.i32.default(0) });
const Rect = t.dictionary({ origin: Point, size: Point.required });
const Config = t.dictionary({
  level: t.u8.clamp().required,
  ratio: t.f64,
  name: t.UTF8String.default("anon"),
  mode: ModeT,
  verbose: t.bool,
  big: t.i64,
  port: t.u16.enforceRange(1, 65535).default(80),
});
const Formatter = t.stringEnum("highlight-javascript", "escape-powershell");

const lib = bind(LIB, {
  pointAdd: fn({ symbol: "point_add", args: { a: Point, b: Point }, ret: Point }),
  pointSum: fn({ symbol: "point_sum_ptr", args: { p: Point.byPointer().optional }, ret: t.i32 }),
  pointAt: fn({ symbol: "point_at", args: { x: t.i32, y: t.i32 }, ret: Point.byPointer() }),
  pointNull: fn({ symbol: "point_null", ret: Point.byPointer() }),
  rectArea: fn({ symbol: "rect_area", args: { r: Rect }, ret: t.i64 }),
  rectMake: fn({ symbol: "rect_make", args: { w: t.i32, h: t.i32 }, ret: Rect }),
  describe: fn({ symbol: "config_describe", args: { c: Config }, ret: t.DOMString }),
  describePtr: fn({ symbol: "config_describe_ptr", args: { c: Config.byPointer() }, ret: t.DOMString }),
  describeOpt: fn({ symbol: "config_describe_ptr", args: { c: Config.byPointer().optional }, ret: t.DOMString }),
  make: fn({ symbol: "config_make", args: { mode: ModeT }, ret: Config }),
  echoMode: fn({ symbol: "echo_enum", args: { m: ModeT }, ret: ModeT }),
  rawMode: fn({ symbol: "echo_enum", args: { m: t.i32 }, ret: ModeT }),
  echoFormatter: fn({ symbol: "echo_enum", args: { f: Formatter }, ret: Formatter }),
  rawFormatter: fn({ symbol: "echo_enum", args: { f: t.i32 }, ret: Formatter }),
  value: fn({ symbol: "value_describe", args: { v: t.oneOf(t.i32, t.DOMString, t.bool) }, ret: t.DOMString }),
  valueOpt: fn({ symbol: "value_describe", args: { v: t.oneOf(t.i32, t.DOMString).optional }, ret: t.DOMString }),
  act: fn({
    variants: [
      { symbol: "action1", args: { a: t.i32 }, ret: t.i32 },
      { symbol: "action2", args: { a: t.DOMString }, ret: t.DOMString },
      { symbol: "action3", args: { p: Point }, ret: t.i32 },
    ],
  }),
  widths: fn({
    variants: [
      { symbol: "sum3", args: { a: t.i32, b: t.i32, c: t.i32 }, ret: t.i32 },
      { symbol: "action1", args: { a: t.i32 }, ret: t.i32 },
      { symbol: "action2", args: { a: t.DOMString, b: t.i32.optional }, ret: t.DOMString },
    ],
  }),
});
// Loosely typed: these tests pass values the types forbid, to check what happens at run time.
const s = lib.symbols as unknown as { [K in keyof typeof lib.symbols]: (...a: unknown[]) => any };
afterAll(() => lib.close());

describe("dictionaries become C structs, members in declaration order", () => {
  it("by value, with .required, .default() and absent members (zero)", () => {
    expect(s.pointAdd({ x: 1, y: 2 }, { x: 3 })).toEqual({ x: 4, y: 2 });
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.integer(), fc.integer(), (a, b, c, d) => {
        expect(s.pointAdd({ x: a, y: b }, { x: c, y: d })).toEqual({ x: (a + c) | 0, y: (b + d) | 0 });
      }),
      runs,
    );
  });
  it("by pointer, and NULL for an absent .optional pointer", () => {
    expect(s.pointSum({ x: 3, y: 4 })).toBe(7);
    expect(s.pointSum()).toBe(-1);
    expect(s.pointSum(null)).toBe(-1);
  });
  it("returned struct pointers become plain objects; NULL becomes null", () => {
    const p = s.pointAt(3, -4);
    expect(p).toEqual({ x: 3, y: -4 });
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(s.pointNull()).toBeNull();
  });
  it("nested structs by value, both ways", () => {
    expect(s.rectArea({ size: { x: 3, y: 4 } })).toBe(12n);
    expect(s.rectArea({ origin: { x: 9 }, size: { x: 100000, y: 100000 } })).toBe(10_000_000_000n);
    expect(s.rectMake(5, 6)).toEqual({ origin: { x: 1, y: 2 }, size: { x: 5, y: 6 } });
  });
  it("every member type and attribute reaches C converted (by value and by pointer)", () => {
    const c = { level: 300.7, ratio: 0.25, name: "café", mode: Mode.Fast, verbose: 1, big: 2n ** 62n, port: 443 };
    const want = `level=255 ratio=0.25 name=café mode=5 verbose=1 big=${2n ** 62n} port=443`;
    expect(s.describe(c)).toBe(want);
    expect(s.describePtr(c)).toBe(want);
    expect(s.describe({ level: 1 })).toBe("level=1 ratio=0 name=anon mode=0 verbose=0 big=0 port=80");
    expect(s.describe({ level: 2, mode: "Safe" })).toContain("mode=6");
    expect(s.describeOpt()).toBe("(null config)");
  });
  it("returned structs become plain objects with converted members (enums, 64-bit, strings)", () => {
    expect(s.make(Mode.Safe)).toEqual({ level: 7, ratio: 0.5, name: "made", mode: Mode.Safe, verbose: true, big: -9007199254740993n, port: 8080 });
  });
  it("members are read once each, in lexicographic order (WebIDL), each converted before the next is read", () => {
    const reads: string[] = [];
    const obj = new Proxy({ level: 1, port: 2 } as Record<string, unknown>, {
      get(target, key) {
        reads.push(String(key));
        return target[key as string];
      },
    });
    s.describe(obj);
    expect(reads).toEqual(["big", "level", "mode", "name", "port", "ratio", "verbose"]);
  });
  it("a member getter after a member that fails to convert never runs (Get, convert, then the next member)", () => {
    const events: string[] = [];
    const obj = {
      get big() {
        events.push("get big");
        return { valueOf: () => (events.push("valueOf big"), 1) };
      },
      get level() {
        events.push("get level");
        return { valueOf: () => (events.push("valueOf level"), 2) };
      },
      get mode() {
        events.push("get mode");
        return 3; // not a member of the enum: throws
      },
      get name() {
        events.push("get name");
        return "n";
      },
    };
    expect(() => s.describe(obj)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(events).toEqual(["get big", "valueOf big", "get level", "valueOf level", "get mode"]);
  });
  it("errors name the argument and member", () => {
    expect(() => s.describe({})).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_MISSING_OPTION", message: 'describe(): argument 1 (c), member "level" is required' }));
    expect(() => s.describe(undefined)).toThrow(expect.objectContaining({ code: "ERR_MISSING_OPTION" }));
    expect(() => s.describe(5)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: "describe(): argument 1 (c) must be an object (a dictionary). Received type number (5)" }));
    expect(() => s.describe({ level: 1, port: 0 })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining('describe(): argument 1 (c), member "port" is out of range') }));
    expect(() => s.describe({ level: 1, mode: 3 })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("member \"mode\" must be a member of the enum: Off (0), Fast (5), Safe (6)") }));
    expect(() => s.describe({ level: 1, name: "a\0b" })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => s.rectArea({ size: { y: 1 } })).toThrow('rectArea(): argument 1 (r), member "size", member "x" is required');
  });
});

describe("nested dictionaries", () => {
  const Inner = t.dictionary({ c: t.i32.required });
  const Mid = t.dictionary({ inner: Inner, e: t.DOMString.default("dflt") });
  const Outer = t.dictionary({ a: t.i32.required, mid: Mid });
  const nested = bind(LIB, {
    describe: fn({ symbol: "outer_describe", args: { o: Outer }, ret: t.DOMString }),
    make: fn({ symbol: "outer_make", args: { a: t.i32, c: t.i32 }, ret: Outer }),
  });
  afterAll(() => nested.close());
  it("each level is converted with its own dictionary's converter", () => {
    expect(nested.symbols.describe({ a: 1, mid: { inner: { c: 2 } } })).toBe("a=1 c=2 e=dflt");
    expect(nested.symbols.describe({ a: 3, mid: { inner: { c: 4 }, e: "x" } })).toBe("a=3 c=4 e=x");
    expect(() => (nested.symbols.describe as (o: unknown) => unknown)({ a: 1, mid: { inner: {} } })).toThrow(
      expect.objectContaining({ code: "ERR_MISSING_OPTION", message: 'describe(): argument 1 (o), member "mid", member "inner", member "c" is required' }),
    );
  });
  it("a returned nested struct becomes nested plain objects", () => {
    expect(nested.symbols.make(5, 6)).toEqual({ a: 5, mid: { inner: { c: 6 }, e: "made" } });
  });
});

describe("small integer structs (packed into 64-bit words where the ABI allows)", () => {
  const Small = t.dictionary({ a: t.u8, b: t.bool, c: t.i16, d: t.u32 });
  const Wide = t.dictionary({ a: t.u8, c: t.i16, b: t.bool, big: t.i64 });
  const small = bind(LIB, {
    echo: fn({ symbol: "small_echo", args: { s: Small }, ret: Small }),
    wide: fn({ symbol: "wide_echo", args: { w: Wide }, ret: Wide }),
    sum: fn({ symbol: "wide_sum", args: { k: t.i32, w: Wide, s: Small, j: t.i32 }, ret: t.i64 }),
  });
  afterAll(() => small.close());
  const u8 = (x: number) => x & 255;
  const i16 = (x: number) => (x << 16) >> 16;
  it("every member arrives and returns converted, as WebIDL says (property test)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.boolean(), fc.integer(), fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.integer(), (a, b, c, d, big, k) => {
        expect(small.symbols.echo({ a, b, c, d })).toEqual({ a: u8(a), b, c: i16(c), d: d >>> 0 });
        expect(small.symbols.wide({ a, b, c, big })).toEqual({ a: u8(a), b, c: i16(c), big });
        const want = BigInt.asIntN(64, BigInt(k | 0) + BigInt(u8(a)) + BigInt(i16(c)) + BigInt(b ? 1 : 0) + big + BigInt(u8(a)) + BigInt(b ? 1 : 0) + BigInt(i16(c)) + BigInt(d >>> 0) + 7n);
        expect(small.symbols.sum(k, { a, b, c, big }, { a, b, c, d }, 7)).toBe(want);
      }),
      runs,
    );
  });
  it("absent members and absent nested structs are zero", () => {
    expect(small.symbols.echo({})).toEqual({ a: 0, b: false, c: 0, d: 0 });
    expect(small.symbols.echo(undefined)).toEqual({ a: 0, b: false, c: 0, d: 0 });
    expect(s.rectArea({ size: { x: 3, y: 4 } })).toBe(12n);
  });
});

describe("enums", () => {
  it("stringEnum: C gets the index; returns map back; other strings throw", () => {
    expect(s.echoFormatter("escape-powershell")).toBe("escape-powershell");
    expect(s.echoFormatter("highlight-javascript")).toBe("highlight-javascript");
    expect(() => s.echoFormatter("nope")).toThrow(
      expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE", message: "echoFormatter(): argument 1 (f) must be one of: 'highlight-javascript', 'escape-powershell'. Received type string ('nope')" }),
    );
    expect(() => s.rawFormatter(7)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_RETURN" }));
    expect(() => s.rawFormatter(7)).toThrow(FFIError);
  });
  it("nativeEnum: member values or names; C returns are checked", () => {
    expect(s.echoMode(Mode.Fast)).toBe(5);
    expect(s.echoMode("Safe")).toBe(6);
    expect(() => s.echoMode(3)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => s.echoMode("0")).toThrow(TypeError);
    expect(s.rawMode(0)).toBe(Mode.Off);
    expect(() => s.rawMode(4)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_RETURN" }));
  });
});

describe("oneOf: a tagged union struct { int32_t tag; union value }", () => {
  it("chooses the member by the kind of value (WebIDL union order), converting otherwise", () => {
    expect(s.value(5)).toBe("int 5");
    expect(s.value("hi")).toBe("string hi");
    expect(s.value(true)).toBe("bool 1");
    expect(s.value(5n)).toBe("string 5"); // a string member takes a bigint (WebIDL: ToString before ToNumber)
    expect(s.value({})).toBe("string [object Object]");
    expect(s.value(null)).toBe("string null");
    expect(() => s.value(Symbol("q"))).toThrow(TypeError);
    expect(s.valueOpt()).toBe("tag -1");
  });
  it("a bigint with only numeric and boolean members is converted to a number, which throws (WebIDL)", () => {
    const u = bind(LIB, { scale: fn({ args: { v: t.oneOf(t.f64, t.bool), k: t.f64 }, ret: t.f64 }) });
    try {
      expect(() => u.symbols.scale(5n, 1)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }));
    } finally {
      u.close();
    }
  });
});

describe("variants", () => {
  it("the first variant, in declaration order, whose count fits and whose arguments have the right kind wins", () => {
    expect(s.act(21)).toBe(42);
    expect(s.act("yo")).toBe("yo");
    expect(s.act({ x: 1, y: 2 })).toBe(102);
    expect(s.widths(1, 2, 3)).toBe(123);
    expect(s.widths(4)).toBe(8);
    expect(s.widths("z", 1)).toBe("z");
    expect(s.widths(1, 2)).toBe(2); // (a, b, c) needs 3: the 1-argument variant takes it, the extra is ignored
  });
  it("no coercion between variants: a value no variant takes throws, naming every variant", () => {
    expect(() => s.act(true)).toThrow(
      expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: "act(): no variant accepts (type boolean (true)). Expected one of: (a: i32); (a: DOMString); (p: dictionary)" }),
    );
    expect(() => s.act()).toThrow(expect.objectContaining({ code: "ERR_MISSING_ARGS" }));
    expect(() => s.act(null)).toThrow(expect.objectContaining({ code: "ERR_MISSING_OPTION" }));
  });
  it("default symbols are the name plus the variant number (the seed's action1, action2)", () => {
    const seedLib = bind(LIB, { action: fn({ variants: [{ args: { a: t.i32 }, ret: t.i32 }, { args: { a: t.DOMString }, ret: t.DOMString }] }) });
    expect(seedLib.symbols.action(4)).toBe(8);
    expect(seedLib.symbols.action("four")).toBe("four");
    seedLib.close();
    expect(() => bind(LIB, { other: fn({ variants: [{ args: { a: t.i32 }, ret: t.i32 }] }) })).toThrow(
      expect.objectContaining({ code: "ERR_FFI_SYMBOL_NOT_FOUND", message: expect.stringContaining('symbol "other1" not found') }),
    );
  });
});
