import { describe, expect, it } from "vitest";
import { CFunction, dlopen, linkSymbols, FFIError } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

const lib = dlopen(fixture("ffi"), {
  return_a_function_ptr_to_function_that_returns_true: { returns: "ptr" },
  address_of_add_i32: { returns: "ptr" },
  get_hello: { returns: "cstring" },
  identity_int64_t: { args: ["i64"], returns: "i64" },
});
const s = lib.symbols;

describe("CFunction", () => {
  it("wraps a function pointer returned by C (number or bigint)", () => {
    const p = s.return_a_function_ptr_to_function_that_returns_true()!;
    const f = new CFunction({ ptr: p, returns: "bool", args: [] });
    expect(f()).toBe(true);
    const g = new CFunction({ ptr: BigInt(s.address_of_add_i32()!), args: ["i32", "i32"], returns: "i32" });
    expect(g(40, 2)).toBe(42);
    expect(g.ptr).toBe(s.address_of_add_i32());
  });

  it("wraps a symbol's .ptr with a different signature view", () => {
    const f = new CFunction({ ptr: s.get_hello.ptr, returns: "cstring" });
    expect(String(f())).toBe("hello, world");
    const id = new CFunction({ ptr: s.identity_int64_t.ptr, args: ["i64_fast"], returns: "i64_fast" });
    expect(id(5)).toBe(5);
    expect(id(2n ** 60n)).toBe(2n ** 60n);
  });

  it("close() is idempotent; calls after close throw ERR_FFI_FUNCTION_CLOSED", () => {
    const f = new CFunction({ ptr: s.address_of_add_i32()!, args: ["i32", "i32"], returns: "i32" });
    f.close();
    f.close();
    expect(() => f(1, 2)).toThrow(FFIError);
    expect(() => f(1, 2)).toThrow(expect.objectContaining({ code: "ERR_FFI_FUNCTION_CLOSED" }));
  });

  it("validates the pointer and declaration", () => {
    expect(() => new CFunction({ returns: "i32" } as never)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: expect.stringContaining('"ptr"') }));
    for (const bad of [0, 16, 0n, -5]) expect(() => new CFunction({ ptr: bad, returns: "i32" })).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
    expect(() => new CFunction({ ptr: "123" as never, returns: "i32" })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => new CFunction({ ptr: s.get_hello.ptr, returns: "nope" as never })).toThrow(/Unknown return type nope/);
    expect(() => (CFunction as unknown as (d: unknown) => unknown)({ ptr: s.get_hello.ptr })).toThrow(/without 'new'/);
  });
});

describe("linkSymbols", () => {
  it("wraps several pointers; close() stops all of them, idempotently", () => {
    const linked = linkSymbols({
      isTrue: { ptr: s.return_a_function_ptr_to_function_that_returns_true()!, returns: "bool", args: [] },
      add: { ptr: s.address_of_add_i32()!, args: ["i32", "i32"], returns: "i32" },
    });
    expect(linked.symbols.isTrue()).toBe(true);
    expect(linked.symbols.add(2, 3)).toBe(5);
    linked.close();
    linked.close();
    expect(() => linked.symbols.add(1, 1)).toThrow(expect.objectContaining({ code: "ERR_FFI_FUNCTION_CLOSED", message: expect.stringContaining('"add"') }));
    expect(() => linked.symbols.isTrue()).toThrow(expect.objectContaining({ code: "ERR_FFI_FUNCTION_CLOSED" }));
  });

  it("a missing ptr names the symbol", () => {
    expect(() => linkSymbols({ getMajor: { returns: "cstring", args: [] } as never })).toThrow(/Symbol "getMajor" is missing a "ptr" field/);
    expect(() => linkSymbols({})).toThrow(/Expected at least one symbol/);
  });
});
