import { describe, it, expect } from "vitest";
import { ThreadsafeCallback } from "@ffi-kit/callbacks";
import { OrderCheck, everyExpected, lib, until } from "./producers.js";

const EVERY = ["i32", "i32", "i8", "u8", "i16", "u16", "u32", "i64", "u64", "f32", "f64", "bool", "ptr", "char", "i64_fast", "u64_fast"] as const;

describe("delivery from native threads", () => {
  it("delivers every call of 4 producers exactly once, in order per producer", async () => {
    const T = 4;
    const N = 50_000;
    const order = new OrderCheck(T);
    const cb = new ThreadsafeCallback((id: number, i: number) => order.see(id, i), { args: ["i32", "i32"], returns: "void" });
    lib.symbols.start_pairs(cb.ptr, T, N);
    await until(() => order.count === T * N);
    lib.symbols.join_all();
    await cb.close();
    expect(order.errors).toBe(0);
    expect(order.next).toEqual([N, N, N, N]);
    const stats = cb.stats();
    expect(stats.delivered).toBe(T * N);
    expect(stats.dropped + stats.failed + stats.discarded + stats.rejectedAfterClose).toBe(0);
    expect(stats.batches).toBeGreaterThan(0);
    expect(stats.highWaterMark).toBeGreaterThan(0);
    expect(stats.highWaterMark).toBeLessThanOrEqual(cb.capacity);
  });

  it("keeps the values of every argument type intact (16 arguments, 8 of them on the stack)", async () => {
    const T = 3;
    const N = 4000;
    const order = new OrderCheck(T);
    const wrong: string[] = [];
    const cb = new ThreadsafeCallback(
      (...a: unknown[]) => {
        const id = a[0] as number;
        const i = a[1] as number;
        order.see(id, i);
        const want = everyExpected(id, i);
        for (let k = 0; k < want.length; k++) {
          if (!Object.is(a[k], want[k]) && wrong.length < 10) wrong.push(`call ${id}/${i} arg ${k + 1}: got ${String(a[k])} (${typeof a[k]}), want ${String(want[k])}`);
        }
      },
      { args: EVERY, returns: "void", capacity: 1000 },
    );
    lib.symbols.start_every(cb.ptr, T, N);
    await until(() => order.count === T * N);
    lib.symbols.join_all();
    await cb.close();
    expect(wrong).toEqual([]);
    expect(order.errors).toBe(0);
  });

  it("copies cstring arguments at call time (the caller's buffer is overwritten right after)", async () => {
    const T = 2;
    const N = 2000;
    const bad: string[] = [];
    const order = new OrderCheck(T);
    const cb = new ThreadsafeCallback(
      (id: number, i: number, s: unknown) => {
        order.see(id, i);
        const want = i % 4 === 3 ? null : `thread ${id} call ${i}: héllo`;
        const got = s === null ? null : String(s);
        if (got !== want && bad.length < 5) bad.push(`${got} !== ${want}`);
      },
      { args: ["i32", "i32", "cstring"], returns: "void" },
    );
    lib.symbols.start_text(cb.ptr, T, N);
    await until(() => order.count === T * N);
    lib.symbols.join_all();
    await cb.close();
    expect(bad).toEqual([]);
    expect(order.errors).toBe(0);
  });

  it("queues void calls made on the JS thread and delivers them later, in order", async () => {
    const seen: number[] = [];
    const cb = new ThreadsafeCallback((_id: number, i: number) => seen.push(i), { args: ["i32", "i32"], returns: "void" });
    lib.symbols.call_pair_n(cb.ptr, 100);
    expect(seen).toEqual([]); // returned at once
    await until(() => seen.length === 100);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await cb.close();
  });

  it("delivers synchronously on the JS thread when its own void call finds the queue full (block)", async () => {
    const seen: number[] = [];
    const cb = new ThreadsafeCallback((_id: number, i: number) => seen.push(i), { args: ["i32", "i32"], returns: "void", capacity: 8 });
    lib.symbols.call_pair_n(cb.ptr, 100); // 100 calls into 8 cells, no deadlock
    expect(seen.length).toBeGreaterThanOrEqual(100 - 8);
    await until(() => seen.length === 100);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(cb.stats().dropped).toBe(0);
    await cb.close();
  });

  it("a function that calls its own callback again on the JS thread (queue full, nested delivery) loses nothing", async () => {
    const seen: string[] = [];
    let cb: ThreadsafeCallback;
    cb = new ThreadsafeCallback(
      (id: number, i: number) => {
        seen.push(`${id}:${i}`);
        if (id === 0 && i === 0) for (let j = 0; j < 50; j++) lib.symbols.call_pair(cb.ptr, 1, j);
      },
      { args: ["i32", "i32"], returns: "void", capacity: 4 },
    );
    lib.symbols.call_pair_n(cb.ptr, 20);
    await until(() => seen.length === 70);
    await cb.close();
    const of = (id: number) => seen.filter((s) => s.startsWith(`${id}:`)).map((s) => Number(s.slice(2)));
    expect(of(0)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(of(1)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(cb.stats().delivered).toBe(70);
  });

  it("sends errors thrown by the function to onError and keeps delivering", async () => {
    const errors: unknown[] = [];
    const order = new OrderCheck(2);
    const cb = new ThreadsafeCallback(
      (id: number, i: number) => {
        order.see(id, i);
        if (i % 100 === 7) throw new Error(`boom ${id}/${i}`);
      },
      { args: ["i32", "i32"], returns: "void", onError: (e) => errors.push(e) },
    );
    lib.symbols.start_pairs(cb.ptr, 2, 1000);
    await until(() => order.count === 2000);
    lib.symbols.join_all();
    await cb.close();
    expect(order.errors).toBe(0);
    expect(errors.length).toBe(20);
    expect((errors[0] as Error).message).toMatch(/^boom \d\/7$/);
    expect(cb.stats().errors).toBe(20);
  });
});
