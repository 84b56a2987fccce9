import { describe, it, expect } from "vitest";
import { JSCallback } from "@ffi-kit/core";
import "@ffi-kit/callbacks";
import { OrderCheck, lib, until } from "./producers.js";

describe("new JSCallback(fn, { threadsafe: true }) after importing @ffi-kit/callbacks", () => {
  it("void calls from native threads return at once: the JS thread can even join the producers first", async () => {
    // 12,000 calls fit in the default queue (16,384): no producer has to wait for the JS thread.
    const order = new OrderCheck(4);
    const cb = new JSCallback((id: number, i: number) => order.see(id, i), { args: ["i32", "i32"], returns: "void", threadsafe: true });
    expect(cb.threadsafe).toBe(true);
    lib.symbols.start_pairs(cb.ptr, 4, 3000);
    lib.symbols.join_all(); // with koffi's blocking delivery this would deadlock
    expect(order.count).toBe(0);
    await until(() => order.count === 12_000);
    expect(order.errors).toBe(0);
    cb.close();
    expect(cb.ptr).toBeNull();
  });

  it("non-void calls round-trip from a foreign thread and run synchronously on the JS thread", async () => {
    let calls = 0;
    const cb = new JSCallback(
      (id: number, i: number) => {
        calls++;
        return id * 100000 + i * 3 + 1;
      },
      { args: ["i32", "i32"], returns: "i32", threadsafe: true },
    );
    expect(lib.symbols.call_i32(cb.ptr, 2, 5)).toBe(200016);
    lib.symbols.start_i32(cb.ptr, 2, 1000);
    await until(() => lib.symbols.calls_done() === 2000);
    lib.symbols.join_all();
    expect(lib.symbols.mismatch_count()).toBe(0);
    expect(calls).toBe(2001);
    cb.close();
  });

  it("calls through the pointer after close() return the zero value", () => {
    const cb = new JSCallback(() => 9, { args: ["i32", "i32"], returns: "i32", threadsafe: true });
    const old = cb.ptr;
    expect(lib.symbols.call_i32(old, 0, 0)).toBe(9);
    cb.close();
    expect(lib.symbols.call_i32(old, 0, 0)).toBe(0);
  });

  it("a signature too wide for the trampolines falls back to core's own threadsafe path", () => {
    const args = new Array(15).fill("i32");
    const cb = new JSCallback(() => {}, { args, returns: "void", threadsafe: true });
    expect(typeof cb.ptr).toBe("number");
    cb.close();
  });

  it("a JSCallback without threadsafe still uses core's own trampoline", () => {
    const cb = new JSCallback((a: number, b: number) => a - b, { args: ["i32", "i32"], returns: "i32" });
    expect(cb.threadsafe).toBe(false);
    expect(lib.symbols.call_i32(cb.ptr, 10, 4)).toBe(6);
    cb.close();
  });
});
