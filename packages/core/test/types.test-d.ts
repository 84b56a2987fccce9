/** Type-level tests: declarations type their symbols as precisely as bun-types does. Checked by tsc via vitest. */
import { describe, expectTypeOf, it } from "vitest";
import { CFunction, CString, FFIType, JSCallback, cc, dlopen, linkSymbols, ptr, read, toArrayBuffer, type CFunctionInstance, type FFIFunction, type Pointer } from "@ffi-kit/core";

declare const path: string;

describe("cc typing", () => {
  it("types its symbols as dlopen does", () => {
    const lib = cc({ source: new URL("file:///x.c"), symbols: { add: { args: ["i32", "i32"], returns: "i32" }, name: { returns: "cstring" } }, define: { A: "1" }, flags: "-O1", library: ["m"] });
    expectTypeOf(lib.symbols.add).parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf(lib.symbols.name).returns.toEqualTypeOf<CString | null>();
    expectTypeOf(lib.close).toBeCallableWith();
    // @ts-expect-error define values are strings
    cc({ source: "x.c", symbols: {}, define: { A: 1 } });
  });
});

describe("nonblocking declarations", () => {
  it("return Promises of the converted result", () => {
    const lib = dlopen(path, {
      slow: { args: ["i32"], returns: "i32", nonblocking: true },
      name: { returns: "cstring", nonblocking: true, ordered: true },
      done: { args: [], returns: "void", nonblocking: true },
      sync: { args: ["i32"], returns: "i32", nonblocking: false },
    });
    expectTypeOf(lib.symbols.slow).parameters.toEqualTypeOf<[number]>();
    expectTypeOf(lib.symbols.slow).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(lib.symbols.name).returns.toEqualTypeOf<Promise<CString | null>>();
    expectTypeOf(lib.symbols.done).returns.toEqualTypeOf<Promise<undefined>>();
    expectTypeOf(lib.symbols.sync).returns.toEqualTypeOf<number>();
    lib.close({ rejectPending: true });
    const f = new CFunction({ ptr: 4096, args: ["f64"], returns: "f64", nonblocking: true });
    expectTypeOf(f).returns.toEqualTypeOf<Promise<number>>();
  });
});

describe("generic declarations", () => {
  it("a CFunctionInstance of any FFIFunction still lets a union with a plain function type its parameters", () => {
    // @ffi-kit/memory's FreeFunction is such a union: a JS function of (address, byteLength), or a CFunction.
    type Free = ((address: number, byteLength: number) => unknown) | CFunctionInstance<FFIFunction & { ptr: number }>;
    const free: Free = (address, byteLength) => {
      expectTypeOf(address).toEqualTypeOf<number>();
      return byteLength;
    };
    expectTypeOf(free).not.toBeAny();
  });
});

describe("variadic declarations", () => {
  it("type the fixed arguments, then take (type, value) pairs", () => {
    const lib = dlopen(path, {
      snprintf: { args: ["ptr", "usize", "cstring", "..."], returns: "i32" },
      onlyPairs: { args: ["..."], returns: "f64" },
    });
    expectTypeOf(lib.symbols.snprintf).returns.toEqualTypeOf<number>();
    expectTypeOf(lib.symbols.onlyPairs).returns.toEqualTypeOf<number>();
    lib.symbols.snprintf(new Uint8Array(8), 8, "%d %s", "i32", 1, "cstring", "x", FFIType.f64, 1.5);
    lib.symbols.snprintf(null, 0, "plain");
    // @ts-expect-error the first fixed argument is a pointer, not a string
    lib.symbols.snprintf("buf", 8, "%d", "i32", 1);
    // @ts-expect-error a symbol is no type and no value
    lib.symbols.onlyPairs(Symbol());
  });
});

describe("dlopen typing", () => {
  it("maps string and numeric types to JS types", () => {
    const lib = dlopen(path, {
      add: { args: ["i32", "i32"], returns: "i32" },
      addf: { args: [FFIType.f64, FFIType.f64], returns: FFIType.f64 },
      big: { args: ["u64"], returns: "i64" },
      fast: { args: [], returns: "i64_fast" },
      name: { args: [], returns: "cstring" },
      flag: { args: ["bool"], returns: "bool" },
      p: { args: ["ptr"], returns: "ptr" },
      nothing: { args: [] },
      withCb: { args: ["function"], returns: "void" },
    });
    expectTypeOf(lib.symbols.add).parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf(lib.symbols.add).returns.toEqualTypeOf<number>();
    expectTypeOf(lib.symbols.addf).returns.toEqualTypeOf<number>();
    expectTypeOf(lib.symbols.big).parameters.toEqualTypeOf<[number | bigint]>();
    expectTypeOf(lib.symbols.big).returns.toEqualTypeOf<bigint>();
    expectTypeOf(lib.symbols.fast).returns.toEqualTypeOf<number | bigint>();
    expectTypeOf(lib.symbols.name).returns.toEqualTypeOf<CString | null>();
    expectTypeOf(lib.symbols.flag).returns.toEqualTypeOf<boolean>();
    expectTypeOf(lib.symbols.p).returns.toEqualTypeOf<Pointer | bigint | null>();
    expectTypeOf(lib.symbols.nothing).returns.toEqualTypeOf<undefined>();
    expectTypeOf(lib.symbols.add.ptr).toEqualTypeOf<Pointer>();
    expectTypeOf<JSCallback>().toMatchTypeOf<Parameters<typeof lib.symbols.withCb>[0]>();
    expectTypeOf<null>().toMatchTypeOf<Parameters<typeof lib.symbols.withCb>[0]>();
    expectTypeOf<{ readonly ptr: number | null }>().toMatchTypeOf<Parameters<typeof lib.symbols.withCb>[0]>();
    // @ts-expect-error a view is not a function pointer
    lib.symbols.withCb(new Uint8Array(1));
    // @ts-expect-error a string is not an i32
    lib.symbols.add("1", 2);
    // @ts-expect-error unknown symbol
    lib.symbols.missing();
    // @ts-expect-error unknown type name
    dlopen(path, { f: { args: ["i33"], returns: "i32" } });
  });

  it("CFunction, linkSymbols and helpers", () => {
    const f = new CFunction({ ptr: 1234 as Pointer, args: ["i32"], returns: "f32" });
    expectTypeOf(f).parameters.toEqualTypeOf<[number]>();
    expectTypeOf(f).returns.toEqualTypeOf<number>();
    expectTypeOf(f.close).toEqualTypeOf<() => void>();
    const linked = linkSymbols({ major: { ptr: 1, args: [], returns: "cstring" } });
    expectTypeOf(linked.symbols.major).returns.toEqualTypeOf<CString | null>();
    expectTypeOf(ptr(new Uint8Array(1))).toEqualTypeOf<Pointer>();
    expectTypeOf(read.u64(1)).toEqualTypeOf<bigint>();
    expectTypeOf(read.f32(1)).toEqualTypeOf<number>();
    expectTypeOf(toArrayBuffer(1, 0, 4)).toEqualTypeOf<ArrayBuffer>();
    const cb = new JSCallback((a: number) => a, { args: ["i32"], returns: "i32" });
    expectTypeOf(cb.ptr).toEqualTypeOf<Pointer | null>();
  });
});

describe("JSCallback typing", () => {
  it("types the callback's parameters from the declaration, and ptr is read-only", () => {
    const cb = new JSCallback((a, b, s) => {
      expectTypeOf(a).toEqualTypeOf<number>();
      expectTypeOf(b).toEqualTypeOf<bigint>();
      expectTypeOf(s).toEqualTypeOf<CString | null>();
      return a;
    }, { args: ["i32", "i64", "cstring"], returns: "i32" });
    // @ts-expect-error ptr is set by JSCallback only
    cb.ptr = null;
    // Annotations looser than the declaration are accepted, as bun:ffi's documentation writes them.
    new JSCallback((a: number, b: number) => a - b, { args: ["ptr", "ptr"], returns: "i32" });
  });
});
