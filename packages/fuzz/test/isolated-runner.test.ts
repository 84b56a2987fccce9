import { describe, expect, it } from "vitest";
import { FFIError } from "@ffi-kit/core";
import { IsolatedRunner, argumentsArbitrary, formatProgress, fuzzLibrary } from "@ffi-kit/fuzz";
import { fixture } from "./support/fixtures.js";

const library = fixture("planted");

/** checksum() of planted.c, in JS, for the lengths that do not crash. */
function checksum(data: Uint8Array): number {
  let sum = 0;
  for (const b of data) sum = (Math.imul(sum, 31) + b) >>> 0;
  return sum;
}

describe("IsolatedRunner", () => {
  it("runs a batch in one child and pinpoints the inputs that crash it", async () => {
    const runner = new IsolatedRunner({ library, symbol: "checksum", args: ["buffer", "u32"], returns: "u32" });
    try {
      const inputs = Array.from({ length: 40 }, (_, n) => {
        const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255);
        return [data, n];
      });
      const results = await runner.run(inputs);
      results.forEach((r, n) => {
        if (n % 16 === 13) expect(r, `length ${n}`).toMatchObject({ kind: "crashed", signal: "SIGSEGV" });
        else expect(r, `length ${n}`).toEqual({ kind: "returned", value: checksum(inputs[n]![0] as Uint8Array) });
      });
      // One child per crash plus the first (spares may have been started too).
      expect(runner.stats.children).toBeGreaterThanOrEqual(3);
      // Results not yet written when a child dies are recomputed: at least one call per input.
      expect(runner.stats.calls).toBeGreaterThanOrEqual(40);
    } finally {
      await runner.close();
    }
  });

  it("names the signal of an abort, keeps going after it, and reports calls that throw", async () => {
    const runner = new IsolatedRunner({ library, symbol: "abort_if", args: ["i32"], returns: "i32" });
    try {
      const results = await runner.run([[1], [7], [3], ["x"]]);
      expect(results[0]).toEqual({ kind: "returned", value: 1 });
      expect(results[1]).toMatchObject({ kind: "crashed", signal: "SIGABRT", isolated: false });
      expect(results[2]).toEqual({ kind: "returned", value: 3 });
      expect(results[3]).toMatchObject({ kind: "threw", error: { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" } });
      const [alone] = await runner.run([[7]], { fresh: true });
      expect(alone).toMatchObject({ kind: "crashed", signal: "SIGABRT", isolated: true });
    } finally {
      await runner.close();
    }
  });

  it("reports a hang as a timeout and kills the child", async () => {
    const runner = new IsolatedRunner({ library, symbol: "spin_if", args: ["i32"], returns: "i32" }, { timeoutMs: 300 });
    try {
      const results = await runner.run([[1], [3], [4]]);
      expect(results[0]).toEqual({ kind: "returned", value: 1 });
      expect(results[1]).toMatchObject({ kind: "timeout", timeoutMs: 300 });
      expect(results[2]).toEqual({ kind: "returned", value: 4 });
    } finally {
      await runner.close();
    }
  });

  it("refuses a missing symbol or library with ERR_FFI_FUZZ_TARGET and the reason", async () => {
    const runner = new IsolatedRunner({ library, symbol: "no_such_symbol", args: [], returns: "void" });
    await expect(runner.start()).rejects.toMatchObject({ code: "ERR_FFI_FUZZ_TARGET", message: expect.stringContaining("no_such_symbol") });
    await runner.close();
    await expect(fuzzLibrary({ library: "/nonexistent/libx.so", symbol: "f", args: [] })).rejects.toMatchObject({ code: "ERR_FFI_FUZZ_TARGET" });
  });
});

describe("fuzzLibrary options", () => {
  it("validates its options with Node-style errors", async () => {
    await expect(fuzzLibrary({ library: "", symbol: "f", args: [] })).rejects.toMatchObject({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
    await expect(fuzzLibrary({ library, symbol: "f", args: "i32" as never })).rejects.toMatchObject({ code: "ERR_INVALID_ARG_TYPE" });
    await expect(fuzzLibrary({ library, symbol: "add_i32", args: ["i32", "i32"], runs: -1 })).rejects.toMatchObject({ name: "RangeError", code: "ERR_OUT_OF_RANGE" });
    await expect(fuzzLibrary({ library, symbol: "add_i32", args: ["function"] })).rejects.toMatchObject({ code: "ERR_FFI_UNSUPPORTED_TYPE" });
    await expect(fuzzLibrary({ library, symbol: "add_i32", args: ["i32", "i32"], lengthOf: { 1: 0 } })).rejects.toMatchObject({ code: "ERR_OUT_OF_RANGE" });
  });

  it("refuses huge, negative and inconsistent options before starting anything", async () => {
    const base = { library, symbol: "add_i32", args: ["i32", "i32"], returns: "i32" } as const;
    const range = { name: "RangeError", code: "ERR_OUT_OF_RANGE" };
    await expect(fuzzLibrary({ ...base, timeoutMs: 3_000_000_000 })).rejects.toMatchObject(range);
    await expect(fuzzLibrary({ ...base, runs: 2.5 })).rejects.toMatchObject(range);
    await expect(fuzzLibrary({ ...base, batchSize: 1e9 })).rejects.toMatchObject(range);
    await expect(fuzzLibrary({ ...base, seed: 2 ** 33 })).rejects.toMatchObject(range);
    await expect(fuzzLibrary({ ...base, maxBufferLength: -1 })).rejects.toMatchObject(range);
    await expect(fuzzLibrary({ ...base, seed: 1, path: "300000000" })).rejects.toMatchObject(range);
    await expect(fuzzLibrary({ ...base, path: "3" })).rejects.toMatchObject({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("give the seed") });
    await expect(fuzzLibrary({ ...base, seed: 1, path: "3:a" })).rejects.toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
    expect(() => new IsolatedRunner({ library, symbol: "add_i32", args: [], returns: "i32" }, { timeoutMs: 2 ** 31 })).toThrow(expect.objectContaining(range));
    // Indices in lengthOf errors are 0-based, like the option's keys.
    expect(() => argumentsArbitrary(["buffer", "u32"], { lengthOf: { 0: 1 } })).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE", message: expect.stringContaining("args[0]") }));
    expect(() => argumentsArbitrary(["u32", "u32"], { lengthOf: { 1: 0 } })).toThrow(expect.objectContaining({ message: expect.stringContaining("args[0]") }));
  });

  it("target errors are core's FFIError", async () => {
    const error = await fuzzLibrary({ library: "/nonexistent/libx.so", symbol: "f", args: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FFIError);
    expect(error).toMatchObject({ name: "FFIError", code: "ERR_FFI_FUZZ_TARGET" });
  });

  it("replays a failure from its seed and path to the same minimal input", async () => {
    const options = {
      library, symbol: "total_count", args: ["u32", "u32"], returns: "i64",
      property: ([a, b]: readonly unknown[], r: unknown) => r === BigInt(a as number) + BigInt(b as number),
    } as const;
    const first = await fuzzLibrary({ ...options, seed: 11 });
    const f = first.failure!;
    const replay = await fuzzLibrary({ ...options, seed: f.seed, path: f.path });
    expect(replay.failure?.input).toEqual(f.input);
    expect(replay.failure?.path).toBe(f.path);
    expect(replay.runs).toBe(1);
  });

  it("formats a terminal progress line with phase, runs, calls/s, crashes and elapsed time", () => {
    expect(formatProgress({ phase: "fuzzing", runs: 1200, calls: 3000, crashes: 1, children: 3, elapsedMs: 1500 })).toBe(
      "fuzzing      1200 runs    2000 calls/s  1 crash  0 hangs  3 children  1.5 s",
    );
    expect(formatProgress({ symbol: "parse", phase: "shrinking", runs: 7, calls: 0, crashes: 2, hangs: 1, children: 9, elapsedMs: 0 })).toBe(
      "parse: shrinking       7 runs       0 calls/s  2 crashes  1 hang  9 children  0.0 s",
    );
  });

  it("stops at a time budget and reports progress", async () => {
    const updates: string[] = [];
    const report = await fuzzLibrary({
      library, symbol: "add_i32", args: ["i32", "i32"], returns: "i32", timeMs: 4000, batchSize: 100,
      progress: (p) => updates.push(p.phase),
    });
    expect(report.ok).toBe(true);
    expect(report.elapsedMs).toBeGreaterThanOrEqual(4000);
    // More than one batch (the child's start-up on a busy machine can take a good part of the budget).
    expect(report.runs).toBeGreaterThan(100);
    expect(updates.length).toBeGreaterThan(1);
    expect(updates.every((u) => u === "fuzzing")).toBe(true);
  });

  it("a time budget shorter than starting the child still runs one batch", async () => {
    const report = await fuzzLibrary({ library, symbol: "add_i32", args: ["i32", "i32"], returns: "i32", timeMs: 1, batchSize: 50 });
    expect(report.ok).toBe(true);
    expect(report.runs).toBe(50);
  });
});
