import { describe, it, expect } from "vitest";
import { ThreadsafeCallback } from "@ffi-kit/callbacks";
import { lib, until } from "./producers.js";

/** Calls `kind` of producers.c's start_one on a new thread and waits (without blocking the JS thread) for the result. */
async function fromForeignThread(cb: ThreadsafeCallback, kind: number): Promise<number> {
  const before = cb.stats().delivered;
  lib.symbols.start_one(cb.ptr, kind);
  await until(() => cb.stats().delivered > before);
  return lib.symbols.join_one();
}

const WIDE = ["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "f64", "i8", "i16", "i32", "i64", "f32", "f64", "f64", "f64", "f64", "f64", "f64"] as const;
const wideSum = (...a: unknown[]) => a.reduce<number>((s, v) => s + Number(v), 0);
const WIDE_EXPECTED = wideSum(-8, 200, -3000, 60000, -2000000000, 4000000000, -9000000000000000000n, 18000000000000000000n, 1.5, 2.25, -1, -2, -3, -4n, 0.5, 0.125, 1, 2, 3, 4, 5);

describe("non-void callbacks", () => {
  it("answer 4 foreign threads × 5000 calls each, every answer right", async () => {
    const cb = new ThreadsafeCallback((id: number, i: number) => id * 100000 + i * 3 + 1, { args: ["i32", "i32"], returns: "i32" });
    lib.symbols.start_i32(cb.ptr, 4, 5000);
    await until(() => lib.symbols.calls_done() === 20_000);
    lib.symbols.join_all();
    expect(lib.symbols.mismatch_count()).toBe(0);
    expect(cb.stats().delivered).toBe(20_000);
    await cb.close();
  });

  it("run synchronously when called on the JS thread (no deadlock)", async () => {
    const cb = new ThreadsafeCallback((a: number, b: number) => a * 100000 + b * 3 + 1, { args: ["i32", "i32"], returns: "i32" });
    expect(lib.symbols.call_i32(cb.ptr, 2, 5)).toBe(200016);
    expect(lib.symbols.call_i32(cb.ptr, -1, 1)).toBe(-99996);
    await cb.close();
  });

  it("return every kind of value, from the JS thread and from a foreign thread", async () => {
    const f64 = new ThreadsafeCallback((a: number, b: number) => a * 2 + (b === 3 ? 0.25 : 0), { args: ["f64", "i32"], returns: "f64" });
    const f32 = new ThreadsafeCallback((a: number, b: number) => a * b + 0.1, { args: ["f32", "i32"], returns: "f32" });
    const i64 = new ThreadsafeCallback((a: bigint, b: number) => a * BigInt(b), { args: ["i64", "i32"], returns: "i64" });
    const u64 = new ThreadsafeCallback((a: bigint) => a, { args: ["u64"], returns: "u64" });
    const bool = new ThreadsafeCallback((a: number) => a === 3, { args: ["i32"], returns: "bool" });
    const ptr = new ThreadsafeCallback((p: number) => p + 16, { args: ["ptr"], returns: "ptr" });
    const wide = new ThreadsafeCallback(wideSum, { args: WIDE, returns: "f64" });
    try {
      expect(lib.symbols.call_f64(f64.ptr, 1.25, 3)).toBe(2.75);
      expect(await fromForeignThread(f64, 1)).toBe(2.75);
      expect(lib.symbols.call_f32(f32.ptr, 1.5, 2)).toBe(Math.fround(3.1));
      expect(await fromForeignThread(f32, 2)).toBe(Math.fround(3.1));
      expect(lib.symbols.call_i64(i64.ptr, -5000000000n, 2)).toBe(-10000000000n);
      expect(await fromForeignThread(i64, 3)).toBe(-10000000000);
      expect(lib.symbols.call_u64(u64.ptr, 2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
      expect(await fromForeignThread(u64, 7)).toBe(2 ** 64);
      expect(lib.symbols.call_bool(bool.ptr, 3)).toBe(true);
      expect(lib.symbols.call_bool(bool.ptr, 4)).toBe(false);
      expect(await fromForeignThread(bool, 4)).toBe(1);
      expect(lib.symbols.call_ptr(ptr.ptr, 0x1000)).toBe(0x1010);
      expect(await fromForeignThread(ptr, 5)).toBe(0x1010);
      expect(lib.symbols.call_wide(wide.ptr)).toBe(WIDE_EXPECTED);
      expect(await fromForeignThread(wide, 6)).toBe(WIDE_EXPECTED);
    } finally {
      await Promise.all([f64, f32, i64, u64, bool, ptr, wide].map((c) => c.close()));
    }
  });

  it("an i64 return given as a JS number reaches C from a foreign thread (the conversion brings every name it uses)", async () => {
    const errors: unknown[] = [];
    const values = [7, -3, 2 ** 40 + 1, 1.5];
    let k = 0;
    const cb = new ThreadsafeCallback(() => values[k++], { args: ["i64", "i32"], returns: "i64", onError: (e) => errors.push(e) });
    try {
      const got: number[] = [];
      for (let j = 0; j < values.length; j++) got.push(await fromForeignThread(cb, 3));
      expect(errors).toEqual([]);
      expect(got).toEqual([7, -3, 2 ** 40 + 1, 1]);
    } finally {
      await cb.close();
    }
  });

  it("convert odd return values the way JSCallback does (wrapping, bigint, booleans)", async () => {
    const values: unknown[] = [2 ** 32 + 5, 7n, true, null, undefined, 1.7, -1];
    let k = 0;
    const cb = new ThreadsafeCallback(() => values[k++], { args: ["i32", "i32"], returns: "i32" });
    const got: number[] = [];
    for (let j = 0; j < values.length; j++) got.push(lib.symbols.call_i32(cb.ptr, 0, 0));
    expect(got).toEqual([5, 7, 1, 0, 0, 1, -1]);
    k = 0;
    const fromThread: number[] = [];
    for (let j = 0; j < values.length; j++) fromThread.push(await fromForeignThread(cb, 0));
    expect(fromThread).toEqual([5, 7, 1, 0, 0, 1, -1]);
    await cb.close();
  });

  it("a throwing function gives C the zero value and the error to onError, on either thread", async () => {
    const errors: unknown[] = [];
    const cb = new ThreadsafeCallback(
      () => {
        throw new Error("nope");
      },
      { args: ["i32", "i32"], returns: "i32", onError: (e) => errors.push(e) },
    );
    expect(lib.symbols.call_i32(cb.ptr, 1, 2)).toBe(0);
    expect(await fromForeignThread(cb, 0)).toBe(0);
    expect(errors.map((e) => (e as Error).message)).toEqual(["nope", "nope"]);
    // A return value that cannot be converted is an error too.
    const bad = new ThreadsafeCallback(() => "3", { args: ["i32", "i32"], returns: "i32", onError: (e) => errors.push(e) });
    expect(lib.symbols.call_i32(bad.ptr, 1, 2)).toBe(0);
    expect(await fromForeignThread(bad, 0)).toBe(0);
    expect(errors.slice(2).map((e) => (e as { code?: string }).code)).toEqual(["ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_TYPE"]);
    await Promise.all([cb.close(), bad.close()]);
  });
});
