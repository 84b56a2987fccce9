/**
 * Callback thunks: with the fast engine loaded, a JSCallback's pointer is a thunk of core's addon that jumps to
 * koffi's trampoline while the callback is open and to a native zero stub once it is closed. So C calling a closed
 * callback's old pointer gets the zero value and runs no JavaScript (also from inside a fast call, where JavaScript
 * must not run), and closing the last open callback gives the fast engine back. Each case runs in its own child
 * process: a crash (V8 aborts JavaScript run inside a fast call on Node 20 and 22, and can segfault on 24 and 26)
 * fails one test, not the run.
 */
import { describe, expect, it } from "vitest";
import { fixture } from "./support/fixtures.js";
import { runEngineChild } from "./support/engine-child.js";

// Thunks exist for x86-64 ELF (Linux); elsewhere pointers are koffi's trampolines, as with the engine off.
const thunksHere = process.platform === "linux" && process.arch === "x64";

function run(engine: string | undefined, body: string, nodeArgs: string[] = []): any {
  return runEngineChild({
    engine,
    body,
    nodeArgs: ["--expose-gc", ...nodeArgs],
    chunk: 2000,
    env: { THUNKS: fixture("callback_thunks"), FASTCALL: fixture("fastcall") },
    imports: `import { dlopen, JSCallback, callbackStats, CFunction } from "@ffi-kit/core";`,
    prelude: `
      const T = dlopen(process.env.THUNKS, {
        keep_cb: { args: ["ptr"], returns: "void" },
        call_i32: { args: ["i32"], returns: "i32" }, call_u32: { args: ["i32"], returns: "u32" },
        call_i8: { args: ["i32"], returns: "i32" }, call_u16: { args: ["i32"], returns: "u32" },
        call_bool: { args: ["i32"], returns: "bool" }, call_f64: { args: ["f64"], returns: "f64" },
        call_f32: { args: ["f32"], returns: "f32" }, call_i64_low: { args: ["i32"], returns: "u32" },
        call_ptr_low: { args: ["i32"], returns: "u32" }, last64_high: { args: [], returns: "u32" },
        call_void: { args: ["i32"], returns: "void" }, call_loop: { args: ["i32"], returns: "f64" },
        call_on_thread: { args: ["i32"], returns: "i32" }, call_many: { args: ["i32"], returns: "f64" },
        hammer_start: { args: ["i32", "i32"], returns: "void" }, hammer_running: { args: [], returns: "i32" },
        hammer_join: { args: [], returns: "i32" },
      }).symbols;
      const F = dlopen(process.env.FASTCALL, { mix3: { args: ["i32", "u32", "f64"], returns: "i32" } }).symbols;
    `,
  });
}

// Each callback of a return type, the C caller that calls the stored pointer, and what C gets while it is open.
const KINDS = `[
  { returns: "i32", call: "call_i32", js: (x) => x * 3, open: (x) => [T.call_i32(x)] },
  { returns: "u32", call: "call_u32", js: (x) => 4000000000 + x, open: (x) => [T.call_u32(x)] },
  { returns: "i8", call: "call_i8", js: (x) => -x, open: (x) => [T.call_i8(x)] },
  { returns: "u16", call: "call_u16", js: (x) => 60000 + x, open: (x) => [T.call_u16(x)] },
  { returns: "bool", call: "call_bool", js: (x) => true, open: (x) => [T.call_bool(x)] },
  { returns: "f64", args: ["f64"], call: "call_f64", js: (x) => x + 0.25, open: (x) => [T.call_f64(x)] },
  { returns: "f32", args: ["f32"], call: "call_f32", js: (x) => x * 2, open: (x) => [T.call_f32(x)] },
  { returns: "i64", call: "call_i64_low", js: (x) => -1n - BigInt(x), open: (x) => [T.call_i64_low(x), T.last64_high()] },
  { returns: "ptr", call: "call_ptr_low", js: (x) => 0x123456789 + x, open: (x) => [T.call_ptr_low(x), T.last64_high()] },
  { returns: "void", call: "call_void", js: (x) => {}, open: (x) => [T.call_void(x) ?? null] },
]`;

describe.runIf(thunksHere)("callback thunks", () => {
  it("after close(), C calling the old pointer gets the zero value and runs no JavaScript, also from inside a fast call", () => {
    const out = run(undefined, `
      const kinds = ${KINDS};
      const results = {};
      for (const k of kinds) {
        let ran = 0;
        const cb = new JSCallback((x) => { ran++; gc(); return k.js(x); }, { args: k.args ?? ["i32"], returns: k.returns });
        T.keep_cb(cb.ptr);
        const open = k.open(5);
        const ranOpen = ran;
        cb.close();
        // The same caller, optimised (the fast entry), calling the closed pointer: 0 for every return type.
        const c0 = counters();
        let last;
        const chunks = untilFast((i) => { last = k.open(i & 7); }, k.open(0).length);
        const fast = counters()[0] - c0[0];
        results[k.returns] = { open, ranOpen, ranAfter: ran - ranOpen, last, chunks, fastCalls: fast > 0 };
      }
      out = results;
    `);
    const expected: Record<string, unknown[]> = {
      i32: [15], u32: [4000000005], i8: [-5], u16: [60005], bool: [true], f64: [5.25], f32: [10],
      i64: [0xfffffffa, 0xffffffff], ptr: [0x2345678e, 0x1], void: [null],
    };
    for (const [returns, open] of Object.entries(expected)) {
      const zero = returns === "bool" ? [false] : returns === "void" ? [null] : open.map(() => 0);
      expect({ returns, ...out[returns] }).toEqual({ returns, open, ranOpen: 1, ranAfter: 0, last: zero, chunks: expect.any(Number), fastCalls: true });
      expect(out[returns].chunks).toBeGreaterThanOrEqual(0);
    }
  });

  it("creating and closing callbacks gives the fast engine back; an open one still keeps calls on koffi", () => {
    const out = run(undefined, `
      const step = (i) => F.mix3(i & 1023, 1, 0);
      for (let i = 0; i < 20; i++) new JSCallback(() => i, { returns: "i32" }).close();
      const afterStartup = untilFast(step);
      const cb = new JSCallback((x) => x, { args: ["i32"], returns: "i32" });
      let c = counters()[0];
      for (let i = 0; i < 20000; i++) step(i);
      const fastWhileOpen = counters()[0] - c;
      // Closed from inside a callback (native frames below it): released on the next turn of the event loop.
      let inner;
      inner = new JSCallback((x) => { inner.close(); return x + 1; }, { args: ["i32"], returns: "i32" });
      cb.close();
      T.keep_cb(inner.ptr);
      const fromInner = T.call_i32(1);
      c = counters()[0];
      for (let i = 0; i < 20000; i++) step(i);
      const fastBeforeRelease = counters()[0] - c;
      await new Promise((r) => setImmediate(r));
      const afterRelease = untilFast(step);
      out = { afterStartup, fastWhileOpen, fromInner, fastBeforeRelease, afterRelease, again: T.call_i32(1), stats: callbackStats() };
    `);
    expect(out.afterStartup).toBeGreaterThanOrEqual(0);
    expect(out.fastWhileOpen).toBe(0);
    expect(out.fromInner).toBe(2);
    expect(out.fastBeforeRelease).toBe(0);
    expect(out.afterRelease).toBeGreaterThanOrEqual(0);
    expect(out.again).toBe(0);
    expect(out.stats).toEqual({ registered: 22, closedKept: 22, thunks: { used: 22, size: 8192 } });
  });

  it("a callback called from a C loop, from a thread, with arguments on the stack, or as a CFunction: the same results through thunks as through koffi", () => {
    const body = `
      let calls = 0;
      const cb = new JSCallback((x) => { calls++; return x * 2 + 1; }, { args: ["i32"], returns: "i32" });
      T.keep_cb(cb.ptr);
      const loop = T.call_loop(100000);
      const asFunction = new CFunction({ ptr: cb.ptr, args: ["i32"], returns: "i32" });
      const direct = [asFunction(20), asFunction(-7)];
      cb.close();
      const closedLoop = T.call_loop(1000);
      const closedDirect = asFunction(20);
      const many = new JSCallback((...a) => a.reduce((s, v, i) => s + v * (i + 1), 0), {
        args: ["i32", "f64", "i32", "f64", "i32", "f64", "i32", "f64", "i32", "f64", "i32", "f64", "i32", "f64", "i32", "f64", "i32", "f64"],
        returns: "f64",
      });
      T.keep_cb(many.ptr);
      const manyArgs = T.call_many(3);
      many.close();
      // A thread the caller joins: koffi relays a call of its trampoline to the event loop, which the joining
      // call blocks (a deadlock, open or closed), so only a closed thunk is called from a thread here.
      const thread = process.env.FFI_KIT_ENGINE === "koffi" ? "not called" : T.call_on_thread(9);
      out = { loop, calls, direct, closedLoop, closedDirect, manyArgs, manyClosed: T.call_many(3), thread, stats: callbackStats() };
    `;
    const fast = run(undefined, body);
    const koffi = run("koffi", body);
    let expected = 0;
    for (let i = 0; i < 100000; i++) expected += i * 2 + 1;
    let many = 0;
    for (let i = 0; i < 18; i++) many += (3 + i / 2) * (i + 1);
    expect(fast.loop).toBe(expected);
    expect(fast.calls).toBe(100002);
    expect(fast.direct).toEqual([41, -13]);
    expect({ closedLoop: fast.closedLoop, closedDirect: fast.closedDirect, thread: fast.thread }).toEqual({ closedLoop: 0, closedDirect: 0, thread: 0 });
    expect(fast.manyArgs).toBe(many);
    expect(fast.manyClosed).toBe(0);
    expect(fast.stats.thunks).toEqual({ used: 2, size: 8192 });
    // koffi (engine off): the pointers are koffi's trampolines, with the same results.
    expect(koffi.stats.thunks).toEqual({ used: 0, size: 0 });
    expect(koffi.thread).toBe("not called");
    expect({ ...koffi, stats: undefined, thread: undefined }).toEqual({ ...fast, stats: undefined, thread: undefined });
  });

  it("threads calling a callback while it closes: calls already inside koffi's trampoline get 0 on the event loop, later ones 0 natively; fast calls meanwhile run no JavaScript", () => {
    const out = run(undefined, `
      let seen = 0;
      const cb = new JSCallback((x) => { seen++; return x + 1; }, { args: ["i32"], returns: "i32", threadsafe: true });
      T.keep_cb(cb.ptr);
      T.hammer_start(4, 20000);
      while (seen < 200) await new Promise((r) => setImmediate(r));
      cb.close();
      const atClose = seen;
      // Threads keep calling the closed pointer (some are waiting inside koffi's trampoline for this thread).
      const chunks = untilFast((i) => F.mix3(i & 1023, 1, 0));
      while (T.hammer_running() > 0) await new Promise((r) => setTimeout(r, 1));
      const zeros = T.hammer_join();
      out = { atClose, seenAfterClose: seen - atClose, zeros, chunks };
    `);
    expect(out.atClose).toBeGreaterThanOrEqual(200);
    expect(out.seenAfterClose).toBe(0);
    // Every call either ran the JS function before close() or got 0.
    expect(out.zeros + out.atClose).toBe(80000);
    expect(out.chunks).toBeGreaterThanOrEqual(0);
  });

  it("8192 thunks per process, never reused: past them a JSCallback's pointer is koffi's trampoline (working, and keeping calls on koffi while registered); old pointers keep returning 0", () => {
    const out = run(undefined, `
      let ran = 0;
      const first = new JSCallback((x) => { ran++; return x; }, { args: ["i32"], returns: "i32" });
      const firstPtr = first.ptr;
      first.close();
      // Create and close callbacks until the table is used up (from 4096 registered on, core hands closed
      // trampolines to new callbacks: each gets a new thunk, the old thunks stay on the zero stub).
      const ptrs = new Set([firstPtr]);
      while (callbackStats().thunks.used < 8192) {
        const cb = new JSCallback((x) => { ran++; return x + 1; }, { args: ["i32"], returns: "i32" });
        ptrs.add(cb.ptr);
        cb.close();
      }
      const full = callbackStats();
      T.keep_cb(firstPtr);
      const oldPointer = T.call_i32(5);
      const ranBefore = ran;
      const step = (i) => F.mix3(i & 1023, 1, 0);
      const fastAtLimit = untilFast(step);
      // Past the table: koffi's trampoline (a recycled one), which works as before.
      const past = new JSCallback((x) => x * 10, { args: ["i32"], returns: "i32" });
      T.keep_cb(past.ptr);
      const pastValue = T.call_i32(7);
      const reusedPointer = ptrs.has(past.ptr);
      past.close();
      let c = counters()[0];
      for (let i = 0; i < 20000; i++) step(i);
      const fastAfterPastClosed = counters()[0] - c;
      T.keep_cb(firstPtr);
      out = { distinct: ptrs.size, full, oldPointer, ranBefore, ran, fastAtLimit, pastValue, reusedPointer, pastClosed: T.call_i32(7), fastAfterPastClosed, oldAgain: T.call_i32(5), stats: callbackStats() };
    `);
    expect(out.distinct).toBe(8192);
    expect(out.full.thunks).toEqual({ used: 8192, size: 8192 });
    expect(out.full.registered).toBe(4096);
    expect(out.oldPointer).toBe(0);
    expect(out.ranBefore).toBe(0);
    expect(out.ran).toBe(0);
    expect(out.fastAtLimit).toBeGreaterThanOrEqual(0);
    expect(out.pastValue).toBe(70);
    expect(out.reusedPointer).toBe(false);
    expect(out.pastClosed).toBe(0);
    // The trampoline past the table stays registered and reachable from C: koffi serves calls, as without thunks.
    expect(out.fastAfterPastClosed).toBe(0);
    expect(out.oldAgain).toBe(0);
    expect(out.stats.thunks).toEqual({ used: 8192, size: 8192 });
  });

  it("with the engine off there are no thunks: pointers are koffi's, closed callbacks return 0 as before", () => {
    const out = run("koffi", `
      const cb = new JSCallback((x) => x + 1, { args: ["i32"], returns: "i32" });
      T.keep_cb(cb.ptr);
      const open = T.call_i32(1);
      cb.close();
      out = { open, closed: T.call_i32(1), stats: callbackStats() };
    `);
    expect(out).toEqual({ open: 2, closed: 0, stats: { registered: 1, closedKept: 1, thunks: { used: 0, size: 0 } } });
  });
});
