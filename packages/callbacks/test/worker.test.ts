import { describe, it, expect } from "vitest";
import { Worker } from "node:worker_threads";
import { ThreadsafeCallback } from "@ffi-kit/callbacks";
import { threadId } from "node:worker_threads";
import { fixturePath, lib } from "./producers.js";

function runWorker(perThread: number): Promise<{ count: number; gaps: number; deliveredOn: number[]; threadId: number; stats: { delivered: number } }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./fixtures/worker-callback.mjs", import.meta.url), { workerData: { library: fixturePath, perThread } });
    w.once("message", (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

describe("worker_threads", () => {
  it("a callback created in a worker is delivered on that worker's thread, every call in order", async () => {
    const r = await runWorker(20_000);
    expect(r.threadId).not.toBe(threadId);
    expect(r.deliveredOn).toEqual([r.threadId]);
    expect(r.count).toBe(60_000);
    expect(r.gaps).toBe(0);
    expect(r.stats.delivered).toBe(60_000);
  });

  it("two workers at once each get their own calls", async () => {
    const [a, b] = await Promise.all([runWorker(5000), runWorker(5000)]);
    expect(a.threadId).not.toBe(b.threadId);
    expect([a.count, b.count, a.gaps, b.gaps]).toEqual([15_000, 15_000, 0, 0]);
  });
});

describe("worker termination", () => {
  it("terminating a worker while native threads flood its callbacks (void and non-void) does not crash; the producers finish", async () => {
    const w = new Worker(new URL("./fixtures/worker-callback.mjs", import.meta.url), {
      workerData: { library: fixturePath, perThread: 300_000, flood: true },
    });
    const { flooding, waiting } = await new Promise<{ flooding: number; waiting: number }>((resolve, reject) => {
      w.on("message", (m: { flooding?: number; waiting: number }) => m.flooding !== undefined && resolve(m as { flooding: number; waiting: number }));
      w.once("error", reject);
    });
    await new Promise((r) => setTimeout(r, 20));
    await w.terminate();
    // Calls after the worker's environment went away return at once, and producers that were waiting for a
    // non-void answer get the zero value: every producer runs to its end.
    lib.symbols.join_group(flooding);
    lib.symbols.join_group(waiting);
    // This thread's callbacks still work afterwards.
    const seen: number[] = [];
    const cb = new ThreadsafeCallback((_a: number, b: number) => seen.push(b), { args: ["i32", "i32"], returns: "void" });
    lib.symbols.call_pair_n(cb.ptr, 3);
    await cb.close();
    expect(seen).toEqual([0, 1, 2]);
  });
});
