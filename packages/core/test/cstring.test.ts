import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { CString, dlopen, ptr } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

const lib = dlopen(fixture("ffi"), {
  get_hello: { returns: "cstring" },
  get_utf8: { returns: "cstring" },
  get_empty: { returns: "cstring" },
  get_null_str: { returns: "cstring" },
  get_with_nul: { returns: "ptr" },
  fixture_strdup: { args: ["cstring"], returns: "ptr" },
  fixture_free: { args: ["ptr"], returns: "void" },
  c_strlen: { args: ["cstring"], returns: "usize" },
});
const s = lib.symbols;

describe("CString", () => {
  it("is a String with ptr, byteOffset, byteLength and a zero-copy arrayBuffer", () => {
    const h = s.get_hello()!;
    expect(h).toBeInstanceOf(CString);
    expect(h).toBeInstanceOf(String);
    expect(String(h)).toBe("hello, world");
    expect(h.length).toBe(12);
    expect(`${h}!`).toBe("hello, world!");
    expect((h as unknown) == "hello, world").toBe(true); // eslint-disable-line eqeqeq
    expect(JSON.stringify({ h })).toBe('{"h":"hello, world"}');
    expect(typeof h.ptr).toBe("number");
    expect(h.byteOffset).toBeUndefined();
    expect(h.byteLength).toBeUndefined();
    expect(Buffer.from(h.arrayBuffer).toString()).toBe("hello, world");
    expect(ptr(h.arrayBuffer)).toBe(h.ptr);
    expect(inspect(h)).toBe("hello, world");
  });

  it("decodes UTF-8, and empty and NULL strings", () => {
    expect(String(s.get_utf8())).toBe("héllo wörld ✓");
    expect(String(s.get_empty())).toBe("");
    expect(s.get_empty()!.arrayBuffer.byteLength).toBe(0);
    expect(s.get_null_str()).toBeNull();
    // NULL is a pointer below 4096 like any other: refused, never read.
    for (const nul of [0, 0n]) expect(() => new CString(nul)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
    expect(() => new CString(0, 0, 0)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
    expect(() => new CString(null)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });

  it("offsets and lengths: new CString(p, 4) runs to the NUL, new CString(p, 4, 2) takes exactly 2 bytes", () => {
    const p = s.get_hello()!.ptr;
    expect(String(new CString(p, 4))).toBe("o, world");
    const two = new CString(p, 4, 2);
    expect(String(two)).toBe("o,");
    expect([two.ptr, two.byteOffset, two.byteLength]).toEqual([p, 4, 2]);
    expect(new Uint8Array(two.arrayBuffer)).toEqual(new Uint8Array([0x6f, 0x2c]));
    // An explicit length reads through embedded NULs.
    const q = s.get_with_nul()!;
    expect(String(new CString(q))).toBe("abc");
    expect(String(new CString(q, 0, 7))).toBe("abc\0def");
    expect(String(new CString(q, 0, 0))).toBe("");
  });

  it("is a clone: it stays valid after the native memory is freed", () => {
    const p = s.fixture_strdup("still here after free")!;
    const str = new CString(p);
    s.fixture_free(p);
    // Reuse the freed block so stale reads would show.
    const q = s.fixture_strdup("XXXXXXXXXXXXXXXXXXXXX")!;
    expect(String(str)).toBe("still here after free");
    s.fixture_free(q);
  });

  it("cstring arguments take JS strings (as UTF-8), buffers, CStrings and null", () => {
    expect(s.c_strlen("héllo")).toBe(6n);
    expect(s.c_strlen(new TextEncoder().encode("abc\0"))).toBe(3n);
    expect(s.c_strlen(s.get_hello())).toBe(12n);
    expect(s.c_strlen(new CString(s.get_hello()!.ptr, 7))).toBe(5n);
    expect(s.c_strlen(null)).toBe(2n ** 64n - 1n);
  });

  it("rejects invalid pointers and lengths instead of crashing", () => {
    for (const bad of [1, 16, 4095, -1]) expect(() => new CString(bad)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
    expect(() => new CString("4096" as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    const p = s.get_hello()!.ptr;
    expect(() => new CString(p, 0, -1)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
    expect(() => new CString(p, 0, 1.5)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => new CString(p, "1" as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });
});
