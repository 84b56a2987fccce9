import { describe, it, expect } from "vitest";
import { ThreadsafeCallback } from "@ffi-kit/callbacks";
import { lib, until } from "./producers.js";

describe("close()", () => {
  it("close during a flood with pending: 'discard' accounts for every call exactly", async () => {
    const T = 4;
    const N = 100_000;
    let cb: ThreadsafeCallback;
    let closing: Promise<void> | undefined;
    let seen = 0;
    cb = new ThreadsafeCallback(
      () => {
        if (++seen === 5000) closing = cb.close({ pending: "discard" });
      },
      { args: ["i32", "i32"], returns: "void", capacity: 1024 },
    );
    lib.symbols.start_pairs(cb.ptr, T, N);
    await until(() => closing !== undefined);
    await closing;
    expect(cb.ptr).toBeNull();
    expect(cb.closed).toBe(true);
    await until(() => lib.symbols.calls_done() === T * N); // no producer stays blocked
    lib.symbols.join_all();
    const stats = cb.stats();
    expect(stats.delivered).toBe(seen);
    expect(stats.delivered).toBe(5000);
    expect(stats.discarded).toBeGreaterThan(0);
    expect(stats.rejectedAfterClose).toBeGreaterThan(0);
    expect(stats.delivered + stats.discarded + stats.rejectedAfterClose).toBe(T * N);
  });

  it("close during a flood with the default drain delivers a prefix of each producer's calls, the rest rejected", async () => {
    const T = 4;
    const N = 100_000;
    const next = new Array(T).fill(0);
    let gaps = 0;
    const cb = new ThreadsafeCallback(
      (id: number, i: number) => {
        if (next[id] !== i) gaps++;
        next[id] = i + 1;
      },
      { args: ["i32", "i32"], returns: "void", capacity: 4096 },
    );
    lib.symbols.start_pairs(cb.ptr, T, N);
    await until(() => next.some((n) => n > 2000));
    const closed = cb.close();
    expect(cb.ptr).toBeNull();
    await closed;
    await until(() => lib.symbols.calls_done() === T * N);
    lib.symbols.join_all();
    const stats = cb.stats();
    expect(gaps).toBe(0);
    expect(stats.delivered).toBe(next.reduce((a, b) => a + b, 0));
    expect(stats.discarded).toBe(0);
    expect(stats.delivered + stats.rejectedAfterClose).toBe(T * N);
    expect(stats.pending).toBe(0);
  });

  it("calls through the old pointer after close return at once and are counted", async () => {
    const seen: number[] = [];
    const cb = new ThreadsafeCallback((_a: number, b: number) => seen.push(b), { args: ["i32", "i32"], returns: "void" });
    const old = cb.ptr;
    await cb.close();
    lib.symbols.call_pair(old, 1, 2);
    lib.symbols.start_pairs(old, 2, 500);
    lib.symbols.join_all();
    expect(cb.stats().rejectedAfterClose).toBe(1001);
    expect(seen).toEqual([]);
  });

  it("non-void calls after close return the zero value", async () => {
    const cb = new ThreadsafeCallback(() => 42, { args: ["i32", "i32"], returns: "i32" });
    const old = cb.ptr;
    expect(lib.symbols.call_i32(old, 1, 2)).toBe(42);
    await cb.close();
    expect(lib.symbols.call_i32(old, 1, 2)).toBe(0);
    lib.symbols.start_one(old, 0);
    expect(lib.symbols.join_one()).toBe(0); // a foreign thread does not wait for anything
    expect(cb.stats().rejectedAfterClose).toBe(2);
  });

  it("close is idempotent and the promise resolves each time", async () => {
    const cb = new ThreadsafeCallback(() => {}, { returns: "void" });
    const a = cb.close();
    const b = cb.close({ pending: "discard" });
    await Promise.all([a, b]);
    await cb.close();
    expect(cb.ptr).toBeNull();
  });

  it("close from inside the function, with discard, skips the rest of the batch and counts it", async () => {
    let cb: ThreadsafeCallback;
    let calls = 0;
    cb = new ThreadsafeCallback(
      () => {
        if (++calls === 10) void cb.close({ pending: "discard" });
      },
      { args: ["i32", "i32"], returns: "void" },
    );
    lib.symbols.call_pair_n(cb.ptr, 100);
    await until(() => cb.stats().discarded > 0);
    expect(calls).toBe(10);
    expect(cb.stats().delivered).toBe(10);
    expect(cb.stats().discarded).toBe(90);
  });

  it("close while producers wait for non-void answers releases them with the zero value", async () => {
    let answered = 0;
    const cb = new ThreadsafeCallback(
      (id: number, i: number) => {
        answered++;
        return id * 100000 + i * 3 + 1;
      },
      { args: ["i32", "i32"], returns: "i32", capacity: 16 },
    );
    lib.symbols.start_i32(cb.ptr, 4, 20_000);
    await until(() => answered > 100);
    await cb.close({ pending: "discard" });
    await until(() => lib.symbols.calls_done() === 80_000);
    lib.symbols.join_all();
    const stats = cb.stats();
    // Every call not answered by JS got 0, which producers.c counts as a mismatch.
    expect(lib.symbols.mismatch_count()).toBe(80_000 - stats.delivered);
    expect(stats.delivered + stats.discarded + stats.rejectedAfterClose).toBe(80_000);
  });

  it("using closes at the end of the block", async () => {
    let ptr: unknown;
    let outer: ThreadsafeCallback;
    {
      using cb = new ThreadsafeCallback(() => {}, { returns: "void" });
      outer = cb;
      ptr = cb.ptr;
    }
    expect(typeof ptr).toBe("number");
    expect(outer.ptr).toBeNull();
  });
});
