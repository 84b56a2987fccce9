import { describe, expect, it } from "vitest";
import { FFIType, dlopen, resolveType, suffix, viewSource } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

// The numbers and names of bun:ffi (from its documentation), written out independently of the implementation.
const expected: Record<number, string[]> = {
  0: ["char"],
  1: ["int8_t", "i8"],
  2: ["uint8_t", "u8"],
  3: ["int16_t", "i16"],
  4: ["uint16_t", "u16"],
  5: ["int32_t", "i32", "int", "c_int"],
  6: ["uint32_t", "u32", "c_uint"],
  7: ["int64_t", "i64", "isize"],
  8: ["uint64_t", "u64", "usize", "size_t"],
  9: ["double", "f64"],
  10: ["float", "f32"],
  11: ["bool"],
  12: ["ptr", "pointer", "void*", "char*"],
  13: ["void"],
  14: ["cstring"],
  15: ["i64_fast"],
  16: ["u64_fast"],
  17: ["function", "fn", "callback"],
  18: ["napi_env"],
  19: ["napi_value"],
  20: ["buffer"],
};

describe("FFIType", () => {
  it("has every name with its bun:ffi number, and nothing else", () => {
    const all = Object.entries(expected).flatMap(([n, names]) => names.map((name) => [name, Number(n)] as const));
    for (const [name, n] of all) expect(FFIType[name as keyof typeof FFIType], name).toBe(n);
    expect(Object.keys(FFIType).sort()).toEqual(all.map(([name]) => name).sort());
    expect(Object.isFrozen(FFIType)).toBe(true);
  });

  it("resolves names and numbers the same way", () => {
    for (const [n, names] of Object.entries(expected)) {
      for (const name of names) expect(resolveType(name)).toBe(Number(n));
      expect(resolveType(Number(n))).toBe(Number(n));
    }
  });

  it("rejects unknown types with TypeError ERR_INVALID_ARG_VALUE 'Unknown type <name>'", () => {
    for (const bad of ["int128", "I32", "", 21, -1, 1.5, {}, null]) {
      expect(() => resolveType(bad)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE", message: expect.stringMatching(/^Unknown type/) }));
    }
    expect(() => dlopen(fixture("ffi"), { noop: { args: ["i33" as never], returns: "void" } })).toThrow(/Unknown type i33/);
  });

  it("declares every alias against real C: an aliased declaration behaves as its canonical type", () => {
    const lib = dlopen(fixture("ffi"), {
      identity_int32_t: { args: ["c_int"], returns: "int" },
      identity_uint64_t: { args: ["size_t"], returns: "usize" },
      identity_ptr: { args: ["void*"], returns: "char*" },
      add_double: { args: [FFIType.double, "f64"], returns: 9 },
    });
    expect(lib.symbols.identity_int32_t(2 ** 31)).toBe(-(2 ** 31));
    expect(lib.symbols.identity_uint64_t(-1)).toBe(2n ** 64n - 1n);
    expect(lib.symbols.identity_ptr(4096)).toBe(4096);
    expect(lib.symbols.add_double(0.5, 0.25)).toBe(0.75);
    lib.close();
  });
});

describe("suffix and viewSource", () => {
  it("suffix is the platform extension without a dot", () => {
    expect(suffix).toBe(process.platform === "darwin" ? "dylib" : process.platform === "win32" ? "dll" : "so");
    expect(suffix.startsWith(".")).toBe(false);
  });

  it("viewSource returns the generated wrapper of each declaration, which is what runs", () => {
    const decls = { add_int32_t: { args: ["i32", "i32"], returns: "i32" }, get_hello: { returns: "cstring" } } as const;
    const sources = viewSource(decls);
    expect(sources).toHaveLength(2);
    expect(sources[0]).toMatch(/^function add_int32_t\(a0, a1\)/);
    expect(sources[1]).toContain("new CString(r)");
    const lib = dlopen(fixture("ffi"), decls);
    expect(lib.symbols.add_int32_t.source).toBe(sources[0]);
    // As in bun:ffi, a callback declaration gives one string.
    expect(viewSource({ args: ["i64"], returns: "u64" }, true)).toMatch(/^function invoke\(a0\)/);
    expect(() => viewSource(null as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    lib.close();
  });
});
