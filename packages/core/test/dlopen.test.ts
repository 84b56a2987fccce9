import { describe, expect, it } from "vitest";
import { pathToFileURL } from "node:url";
import { relative } from "node:path";
import { dlopen, FFIError, suffix } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

const path = fixture("ffi");
const decl = { add_int32_t: { args: ["i32", "i32"], returns: "i32" } } as const;

describe("dlopen(path, symbols)", () => {
  it("accepts an absolute path, a relative path, a file: string and a URL", () => {
    for (const p of [path, relative(process.cwd(), path), pathToFileURL(path).href, pathToFileURL(path)]) {
      const lib = dlopen(p, decl);
      expect(lib.symbols.add_int32_t(40, 2)).toBe(42);
      lib.close();
    }
  });

  it("resolves a relative path without ./ against the current directory", () => {
    const rel = relative(process.cwd(), path);
    expect(rel.startsWith(".")).toBe(false);
    const lib = dlopen(rel, decl);
    expect(lib.symbols.add_int32_t(1, 1)).toBe(2);
    lib.close();
  });

  it("opens bare system library names, including development names that are linker scripts (libc.so)", () => {
    const libc = dlopen(`libc.${suffix}`, { getpid: { args: [], returns: "i32" } });
    expect(libc.symbols.getpid()).toBe(process.pid);
    libc.close();
    const libm = dlopen(`libm.${suffix}`, { sqrt: { args: ["f64"], returns: "f64" } });
    expect(libm.symbols.sqrt(2)).toBe(Math.SQRT2);
    libm.close();
  });

  it("gives each symbol .ptr (its address) and .native", () => {
    const lib = dlopen(path, { ...decl, address_of_add_i32: { returns: "ptr" } });
    const { add_int32_t, address_of_add_i32 } = lib.symbols;
    expect(typeof add_int32_t.ptr).toBe("number");
    expect(add_int32_t.ptr).toBeGreaterThan(4096);
    expect(address_of_add_i32.ptr).not.toBe(add_int32_t.ptr);
    expect(add_int32_t.native(2, 3)).toBe(5);
    expect(add_int32_t.name).toBe("add_int32_t");
    lib.close();
  });

  it("pads missing arguments with undefined and ignores extra ones, as Bun does", () => {
    const lib = dlopen(path, decl);
    const add = lib.symbols.add_int32_t as unknown as (...a: unknown[]) => number;
    expect(add(5)).toBe(5);
    expect(add()).toBe(0);
    expect(add(1, 2, 3, 4)).toBe(3);
    lib.close();
  });

  it("throws ERR_DLOPEN_FAILED naming the path for a missing library", () => {
    expect(() => dlopen("/nonexistent/libnothing.so", decl)).toThrow(
      expect.objectContaining({ name: "Error", code: "ERR_DLOPEN_FAILED", message: expect.stringContaining('Failed to open library "/nonexistent/libnothing.so"') }),
    );
    expect(() => dlopen("libdoesnotexist.so", decl)).toThrow(expect.objectContaining({ code: "ERR_DLOPEN_FAILED" }));
  });

  it("throws TypeError ERR_INVALID_ARG_TYPE for a missing symbol, and leaves nothing loaded", () => {
    expect(() => dlopen(path, { nope: { args: [], returns: "void" } })).toThrow(
      expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: `Symbol "nope" not found in "${path}"` }),
    );
  });

  it("rejects an empty symbols object, a non-object, empty and non-path paths", () => {
    expect(() => dlopen(path, {})).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: "Expected at least one symbol" }));
    expect(() => dlopen(path, null as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    // koffi opens the main program for an empty path: never what the user meant.
    for (const empty of ["", "   "]) expect(() => dlopen(empty, decl)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    for (const bad of [null, undefined, 42, {}]) expect(() => dlopen(bad as never, decl)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => dlopen(new URL("http://example.invalid/lib.so"), decl)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => dlopen("a\0b", decl)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
  });

  it("rejects malformed declarations before loading", () => {
    expect(() => dlopen(path, { add_int32_t: null as never })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => dlopen(path, { add_int32_t: { args: "i32" as never } })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => dlopen(path, { add_int32_t: { args: ["void"] } })).toThrow(/cannot be of type 'void'/);
    expect(() => dlopen(path, { noop: { args: ["napi_env"] } })).toThrow(expect.objectContaining({ code: "ERR_FFI_UNSUPPORTED_TYPE" }));
    expect(() => dlopen(path, { noop: { returns: "buffer" } })).toThrow(expect.objectContaining({ code: "ERR_FFI_UNSUPPORTED_TYPE" }));
  });

  it("close() unloads; later calls throw ERR_FFI_LIBRARY_CLOSED instead of crashing; close is idempotent", () => {
    const lib = dlopen(path, decl);
    const { add_int32_t } = lib.symbols;
    lib.close();
    lib.close();
    for (const call of [() => add_int32_t(1, 2), () => add_int32_t.native(1, 2)]) {
      expect(call).toThrow(FFIError);
      expect(call).toThrow(expect.objectContaining({ code: "ERR_FFI_LIBRARY_CLOSED", message: expect.stringContaining("add_int32_t") }));
    }
  });

  it("supports `using` (Symbol.dispose closes the library)", () => {
    let add: ((a: number, b: number) => number) | undefined;
    {
      using lib = dlopen(path, decl);
      add = lib.symbols.add_int32_t;
      expect(add(2, 2)).toBe(4);
    }
    expect(() => add!(1, 1)).toThrow(expect.objectContaining({ code: "ERR_FFI_LIBRARY_CLOSED" }));
  });

  it("opening the same library twice gives independent handles", () => {
    const a = dlopen(path, decl);
    const b = dlopen(path, decl);
    a.close();
    expect(b.symbols.add_int32_t(3, 4)).toBe(7);
    b.close();
  });
});
