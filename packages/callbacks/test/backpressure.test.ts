import { describe, it, expect } from "vitest";
import { ThreadsafeCallback } from "@ffi-kit/callbacks";
import { OrderCheck, lib, until } from "./producers.js";

// The JS thread sits in a native call (join_all / wait_calls) while the producers run, so nothing is drained:
// exactly `capacity` calls fit, and what happens to the rest depends on the policy.
const T = 4;
const N = 1000;

function subsequenceCheck(): { see(id: number, i: number): void; bad: number; count: number } {
  const last = new Array(T).fill(-1);
  const state = {
    bad: 0,
    count: 0,
    see(id: number, i: number) {
      if (i <= last[id]) state.bad++;
      last[id] = i;
      state.count++;
    },
  };
  return state;
}

describe("a full queue", () => {
  for (const capacity of [64, 100]) {
    it(`drop: exactly ${capacity} calls are kept, the other ${T * N - capacity} are dropped and counted`, async () => {
      const order = subsequenceCheck();
      const cb = new ThreadsafeCallback((id: number, i: number) => order.see(id, i), {
        args: ["i32", "i32"],
        returns: "void",
        capacity,
        backpressure: "drop",
      });
      lib.symbols.start_pairs(cb.ptr, T, N);
      lib.symbols.join_all(); // every producer returns even though nothing drains
      expect(lib.symbols.calls_done()).toBe(T * N);
      expect(cb.stats().pending).toBe(capacity);
      await until(() => order.count === capacity);
      await cb.close();
      const stats = cb.stats();
      expect(stats.delivered).toBe(capacity);
      expect(stats.dropped).toBe(T * N - capacity);
      expect(stats.failed).toBe(0);
      expect(stats.highWaterMark).toBe(capacity);
      expect(lib.symbols.eagain_count()).toBe(0);
      expect(order.bad).toBe(0);
    });
  }

  it("fail: the refused calls are counted and see errno == EAGAIN", async () => {
    const capacity = 64;
    const order = subsequenceCheck();
    const cb = new ThreadsafeCallback((id: number, i: number) => order.see(id, i), {
      args: ["i32", "i32"],
      returns: "void",
      capacity,
      backpressure: "fail",
    });
    lib.symbols.start_pairs(cb.ptr, T, N);
    lib.symbols.join_all();
    expect(lib.symbols.eagain_count()).toBe(T * N - capacity);
    await until(() => order.count === capacity);
    await cb.close();
    const stats = cb.stats();
    expect(stats.delivered).toBe(capacity);
    expect(stats.failed).toBe(T * N - capacity);
    expect(stats.dropped).toBe(0);
    expect(stats.highWaterMark).toBe(capacity);
    expect(order.bad).toBe(0);
  });

  it("block (default): producers wait while the queue is full, then every call is delivered in order", async () => {
    const capacity = 64;
    const order = new OrderCheck(T);
    const cb = new ThreadsafeCallback((id: number, i: number) => order.see(id, i), { args: ["i32", "i32"], returns: "void", capacity });
    expect(cb.backpressure).toBe("block");
    lib.symbols.start_pairs(cb.ptr, T, N);
    // The JS thread sleeps in C for 300 ms: the producers fill the queue and block.
    expect(lib.symbols.wait_calls(BigInt(T * N), 300)).toBe(capacity);
    await until(() => order.count === T * N);
    lib.symbols.join_all();
    await cb.close();
    const stats = cb.stats();
    expect(stats.delivered).toBe(T * N);
    expect(stats.dropped + stats.failed + stats.discarded + stats.rejectedAfterClose).toBe(0);
    expect(stats.highWaterMark).toBe(capacity);
    expect(order.errors).toBe(0);
  });

  it("capacity 2, the smallest, still delivers everything (block)", async () => {
    const order = new OrderCheck(T);
    const cb = new ThreadsafeCallback((id: number, i: number) => order.see(id, i), { args: ["i32", "i32"], returns: "void", capacity: 2 });
    lib.symbols.start_pairs(cb.ptr, T, 500);
    await until(() => order.count === T * 500);
    lib.symbols.join_all();
    await cb.close();
    expect(order.errors).toBe(0);
    expect(cb.stats().highWaterMark).toBeLessThanOrEqual(2);
  });
});
