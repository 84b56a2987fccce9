import { describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { CString, FFIError, JSCallback, dlopen, callbackStats, type FFITypeName } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

const lib = dlopen(fixture("ffi"), {
  call_cb_n: { args: ["function", "i32"], returns: "i32" },
  call_void_cb: { args: ["function"], returns: "void" },
  call_cb_twice: { args: ["function", "i32"], returns: "i32" },
  call_mixed_cb: { args: ["function"], returns: "f64" },
  cb_identity_int8_t: { args: ["function"], returns: "i8" },
  cb_identity_uint8_t: { args: ["function"], returns: "u8" },
  cb_identity_int16_t: { args: ["function"], returns: "i16" },
  cb_identity_uint16_t: { args: ["function"], returns: "u16" },
  cb_identity_int32_t: { args: ["function"], returns: "i32" },
  cb_identity_uint32_t: { args: ["function"], returns: "u32" },
  cb_identity_int64_t: { args: ["function"], returns: "i64" },
  cb_identity_uint64_t: { args: ["function"], returns: "u64" },
  cb_identity_float: { args: ["function"], returns: "f32" },
  cb_identity_double: { args: ["function"], returns: "f64" },
  cb_identity_char: { args: ["function"], returns: "char" },
  cb_identity_bool: { args: ["function"], returns: "bool" },
  cb_identity_ptr: { args: ["function"], returns: "ptr" },
  cb_roundtrip_size_t: { args: ["function", "usize"], returns: "usize" },
  cb_roundtrip_ptr: { args: ["function", "ptr"], returns: "ptr" },
  store_cb_result: { args: ["function"], returns: "i64" },
  last_stored_result: { returns: "i64" },
  cb_roundtrip_int64_t: { args: ["function", "i64_fast"], returns: "i64_fast" },
  cb_roundtrip_uint64_t: { args: ["function", "u64_fast"], returns: "u64_fast" },
});
const s = lib.symbols;

describe("JSCallback", () => {
  it("C calls JS in a loop, through the object or its .ptr", () => {
    const seen: number[] = [];
    const cb = new JSCallback((i: number) => (seen.push(i), i * 2), { args: ["i32"], returns: "i32" });
    expect(s.call_cb_n(cb, 5)).toBe(20);
    expect(s.call_cb_n(cb.ptr, 5)).toBe(20);
    expect(seen).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(typeof cb.ptr).toBe("number");
    expect(cb.threadsafe).toBe(false);
    cb.close();
  });

  it("returns every type back to C (cb_identity_<T>)", () => {
    const cases: Array<[FFITypeName, (cb: JSCallback) => unknown, unknown, unknown]> = [
      ["i8", s.cb_identity_int8_t, -42, -42],
      ["u8", s.cb_identity_uint8_t, 255, 255],
      ["i16", s.cb_identity_int16_t, -32768, -32768],
      ["u16", s.cb_identity_uint16_t, 65535, 65535],
      ["i32", s.cb_identity_int32_t, -(2 ** 31), -(2 ** 31)],
      ["u32", s.cb_identity_uint32_t, 2 ** 32 - 1, 2 ** 32 - 1],
      ["i64", s.cb_identity_int64_t, -(2n ** 63n), -(2n ** 63n)],
      ["u64", s.cb_identity_uint64_t, 2n ** 64n - 1n, 2n ** 64n - 1n],
      ["f32", s.cb_identity_float, 42.42, Math.fround(42.42)],
      ["f64", s.cb_identity_double, -0, -0],
      ["char", s.cb_identity_char, 42, 42],
      ["bool", s.cb_identity_bool, true, true],
      ["ptr", s.cb_identity_ptr, 123456, 123456],
      ["ptr", s.cb_identity_ptr, null, null],
    ];
    for (const [type, call, value, expected] of cases) {
      using cb = new JSCallback(() => value, { returns: type });
      expect(Object.is(call(cb), expected), `${type} ${String(value)}`).toBe(true);
    }
  });

  it("receives every argument type converted as bun:ffi does (13 mixed arguments, 64-bit as bigint, cstring as CString)", () => {
    let got: unknown[] = [];
    using cb = new JSCallback(
      (...args: unknown[]) => {
        got = args;
        return 1.25;
      },
      { args: ["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "f64", "bool", "ptr", "cstring"], returns: "f64" },
    );
    expect(s.call_mixed_cb(cb)).toBe(1.25);
    expect(got.slice(0, 12)).toEqual([-8, 200, -16000, 60000, -2000000000, 4000000000, -(2n ** 63n), 2n ** 64n - 1n, 1.5, -2.25, true, 4096]);
    expect(got[12]).toBeInstanceOf(CString);
    expect(String(got[12])).toBe("cstr");
  });

  it("64-bit fast types and usize round-trip through callbacks", () => {
    using id64 = new JSCallback((x: unknown) => x, { args: ["i64_fast"], returns: "i64_fast" });
    expect(s.cb_roundtrip_int64_t(id64, 5)).toBe(5);
    expect(s.cb_roundtrip_int64_t(id64, 2n ** 60n)).toBe(2n ** 60n);
    using idu = new JSCallback((x: unknown) => x, { args: ["u64_fast"], returns: "u64_fast" });
    expect(s.cb_roundtrip_uint64_t(idu, 2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
    using ids = new JSCallback((x: bigint) => x + 1n, { args: ["usize"], returns: "usize" });
    expect(s.cb_roundtrip_size_t(ids, 41)).toBe(42n);
  });

  it("pointer arguments from 2^53 up arrive as unsigned bigints (found by @ffi-kit/fuzz: 2^63 arrived negative)", () => {
    const seen: unknown[] = [];
    using cb = new JSCallback((p: unknown) => (seen.push(p), p), { args: ["ptr"], returns: "ptr" });
    for (const p of [2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 123456]) expect(s.cb_roundtrip_ptr(cb, p)).toBe(p);
    expect(seen).toEqual([2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 123456]);
  });

  it("a view is not a function pointer (found by @ffi-kit/fuzz: the fast path let TypedArrays through)", () => {
    for (const v of [new Uint8Array(8), new DataView(new ArrayBuffer(8)), new ArrayBuffer(8)]) {
      expect(() => s.call_cb_n(v as never, 1)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }));
    }
  });

  it("callbacks may call back into C (re-entrancy)", () => {
    using inner = new JSCallback((x: number) => x + 1, { args: ["i32"], returns: "i32" });
    using outer = new JSCallback((x: number) => s.call_cb_twice(inner, x), { args: ["i32"], returns: "i32" });
    expect(s.call_cb_twice(outer, 0)).toBe(4);
  });

  it("an exception thrown inside reaches the JS caller after the call returns", () => {
    using cb = new JSCallback(() => {
      throw new RangeError("from inside");
    }, { returns: "i32" });
    expect(() => s.cb_identity_int32_t(cb)).toThrow(new RangeError("from inside"));
    // And the library is still usable.
    using ok = new JSCallback(() => 7, { returns: "i32" });
    expect(s.cb_identity_int32_t(ok)).toBe(7);
  });

  it("when the callback throws, C receives the zero value (never an uninitialised one) and the error reaches JS once", () => {
    using ok = new JSCallback(() => 41n, { returns: "i64" });
    expect(s.store_cb_result(ok)).toBe(41n);
    using bad = new JSCallback(() => {
      throw new Error("inside");
    }, { returns: "i64" });
    expect(() => s.store_cb_result(bad)).toThrow("inside");
    expect(s.last_stored_result()).toBe(0n);
    // The error was delivered: the next call is clean.
    expect(s.store_cb_result(ok)).toBe(41n);
    using badReturn = new JSCallback(() => "not a number", { returns: "i64" });
    expect(() => s.store_cb_result(badReturn)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(s.last_stored_result()).toBe(0n);
  });

  it("close() is idempotent, sets ptr to null; Symbol.dispose closes", () => {
    const cb = new JSCallback(() => 1, { returns: "i32" });
    cb.close();
    expect(cb.ptr).toBeNull();
    cb.close();
    let kept: JSCallback | undefined;
    {
      using d = new JSCallback(() => 1, { returns: "i32" });
      kept = d;
      expect(d.ptr).not.toBeNull();
    }
    expect(kept.ptr).toBeNull();
  });

  it("a closed callback's old pointer called from C returns the zero value and never crashes", () => {
    let calls = 0;
    const cb = new JSCallback((i: number) => (calls++, i + 100), { args: ["i32"], returns: "i32" });
    const old = cb.ptr!;
    expect(s.call_cb_n(old, 3)).toBe(303);
    cb.close();
    expect(s.call_cb_n(old, 3)).toBe(0);
    expect(calls).toBe(3);
    const cb64 = new JSCallback(() => 5n, { returns: "i64" });
    const old64 = cb64.ptr!;
    cb64.close();
    expect(s.cb_identity_int64_t(old64)).toBe(0n);
    const cbp = new JSCallback(() => 4096, { returns: "ptr" });
    const oldp = cbp.ptr!;
    cbp.close();
    expect(s.cb_identity_ptr(oldp)).toBeNull();
    // Passing the closed object itself is refused before C sees it.
    expect(() => s.call_cb_n(cb, 1)).toThrow(expect.objectContaining({ code: "ERR_FFI_CALLBACK_CLOSED" }));
  });

  it("validates its arguments", () => {
    expect(() => new JSCallback(42 as never, { returns: "i32" })).toThrow(expect.objectContaining({ name: "TypeError", message: expect.stringContaining("Expected callback function") }));
    expect(() => new JSCallback(() => 0, { args: ["nope" as never] })).toThrow(/Unknown type nope/);
    expect(() => new JSCallback(() => 0, { args: ["buffer"] })).toThrow(FFIError);
    expect(() => new JSCallback(() => 0, null as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => s.call_cb_n("x" as never, 1)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });

  it("closed trampolines are reused only under pressure, so the registered count stays bounded", () => {
    const before = callbackStats().registered;
    for (let i = 0; i < 50; i++) new JSCallback(() => i, { returns: "i32" }).close();
    const after = callbackStats();
    expect(after.registered - before).toBeLessThanOrEqual(50);
    expect(after.closedKept).toBeGreaterThanOrEqual(50);
  });
});

describe("threadsafe JSCallback (without @ffi-kit/callbacks: koffi's blocking delivery)", () => {
  const threads = dlopen(fixture("threads"), {
    start_calls: { args: ["function", "i32", "i32"], returns: "void" },
    join_calls: { args: [], returns: "void" },
    start_single: { args: ["function", "i32"], returns: "void" },
    single_is_done: { args: [], returns: "i32" },
    join_single: { args: [], returns: "i32" },
  }).symbols;

  async function until(cond: () => boolean, ms = 20000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error("timed out waiting for native threads");
      await sleep(1);
    }
  }

  it("4 foreign threads call a void callback; every call is delivered once, in order per thread, no deadlock", async () => {
    const T = 4, N = 500;
    const next = new Array<number>(T).fill(0);
    let delivered = 0, disorder = 0;
    const cb = new JSCallback(
      (id: number, i: number) => {
        if (next[id] !== i) disorder++;
        next[id] = i + 1;
        delivered++;
      },
      { args: ["i32", "i32"], returns: "void", threadsafe: true },
    );
    expect(cb.threadsafe).toBe(true);
    threads.start_calls(cb, T, N);
    await until(() => delivered === T * N);
    threads.join_calls();
    expect([delivered, disorder]).toEqual([T * N, 0]);
    cb.close();
  });

  it("a non-void callback called from a foreign thread returns its value to that thread", async () => {
    using cb = new JSCallback((x: number) => x * 3, { args: ["i32"], returns: "i32", threadsafe: true });
    threads.start_single(cb, 14);
    await until(() => threads.single_is_done() === 1);
    expect(threads.join_single()).toBe(42);
  });
});

describe("JSCallback returning a cstring", () => {
  const strings = dlopen(fixture("ffi"), { cb_identity_ptr: { args: ["function"], returns: "cstring" } }).symbols;
  it("returns pointers to memory that outlives the call, and refuses JS strings (they would dangle)", () => {
    const text = new TextEncoder().encode("kept alive\0");
    using cb = new JSCallback(() => text, { returns: "cstring" });
    expect(String(strings.cb_identity_ptr(cb))).toBe("kept alive");
    using bad = new JSCallback(() => "temporary", { returns: "cstring" });
    expect(() => strings.cb_identity_ptr(bad)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }));
  });
});
