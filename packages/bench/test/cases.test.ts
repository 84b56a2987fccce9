import { describe, it, expect, afterAll } from "vitest";
import { loadFloorAddon, nodeCases, optionalGroups, parseSlowdowns, applySlowdown, fastEngineCases, runFastEngineGroups, FAST_ENGINE_GROUPS } from "@ffi-kit/bench";

// Every path of a group must do the same operation, or its ratio to the reference means nothing: run each path
// once through the real native code and compare what it produced.
const cases = nodeCases();
afterAll(() => cases.close());

function results(group: string): Map<string, unknown> {
  const g = cases.groups.find((x) => x.group === group);
  if (g === undefined) throw new Error(`no group ${group}`);
  const out = new Map<string, unknown>();
  for (const p of g.paths) out.set(p.path, p.fn());
  return out;
}

describe("the fast engine groups", () => {
  it("each path computes what raw koffi computes", () => {
    const fast = fastEngineCases();
    try {
      expect(fast.groups.map((g) => g.group)).toEqual([...FAST_ENGINE_GROUPS]);
      const expected: Record<string, unknown> = { fast_noop: undefined, fast_add_i32: 42, fast_add_f64: 42, fast_sum_buf: 64, fast_ret_i64: 1234567890123n };
      for (const g of fast.groups) {
        expect(g.reference).toBe("koffi");
        expect(g.paths.map((p) => p.path)).toEqual(g.group === "fast_sum_buf" ? ["koffi", "core-symbol", "core-address"] : ["koffi", "core-symbol"]);
        for (const p of g.paths) {
          const got = p.fn();
          expect({ group: g.group, path: p.path, got: typeof got === "bigint" || g.group === "fast_ret_i64" ? BigInt(got as bigint) : got }).toEqual({ group: g.group, path: p.path, got: expected[g.group] });
        }
      }
    } finally {
      fast.close();
    }
  });

  it("are measured in a child process and come back as report cases, one ratio sample per round", () => {
    const cases = runFastEngineGroups(["fast_add_i32", "fast_sum_buf"], { rounds: 2, maxTime: 0.01, minTime: 0.002, minSamples: 2 }, () => {});
    expect(cases.map((c) => c.case)).toEqual(["fast_add_i32/koffi", "fast_add_i32/core-symbol", "fast_sum_buf/koffi", "fast_sum_buf/core-symbol", "fast_sum_buf/core-address"]);
    for (const c of cases) {
      expect(c.ratioSamples).toHaveLength(2);
      expect(c.nsPerOp).toBeGreaterThan(0);
      expect(c.reference).toBe(`${c.group}/koffi`);
    }
  });
});

describe("the Node groups", () => {
  it("has the documented groups, each with its reference among its paths", () => {
    expect(cases.groups.map((g) => g.group)).toEqual(["noop", "add_i32", "add_f64", "ret_i64", "sum_buf", "get_hello", "callback", "ptr", "read_u8", "to_array_buffer", "cstring"]);
    for (const g of cases.groups) expect(g.paths.map((p) => p.path)).toContain(g.reference);
    for (const name of ["noop", "add_i32", "add_f64", "ret_i64", "sum_buf", "get_hello"]) {
      expect(cases.groups.find((g) => g.group === name)!.paths.map((p) => p.path)).toEqual(["plain-js", "koffi", "core-symbol", "cfunction", "linksymbols", "napi"]);
    }
  });

  it("every call path computes the same value as plain JS", () => {
    const expected: Record<string, unknown> = { noop: undefined, add_i32: 42, add_f64: 42, sum_buf: 64, callback: 5050 };
    for (const [group, value] of Object.entries(expected)) {
      for (const [path, got] of results(group)) expect({ group, path, got }).toEqual({ group, path, got: value });
    }
    for (const [path, got] of results("ret_i64")) expect({ path, got: BigInt(got as bigint) }).toEqual({ path, got: 1234567890123n });
    for (const [path, got] of results("get_hello")) expect({ path, got: String(got) }).toEqual({ path, got: "hello, world" });
  });

  it("pointer and memory paths agree with each other", () => {
    const ptrs = [...results("ptr").values()].map(Number);
    expect(new Set(ptrs).size).toBe(1);
    expect(ptrs[0]).toBeGreaterThan(4096);
    for (const [path, got] of results("cstring")) expect({ path, got: String(got) }).toEqual({ path, got: "hello, world" });
    for (const [path, got] of results("to_array_buffer")) expect({ path, length: (got as ArrayBuffer).byteLength }).toEqual({ path, length: 64 });
    const reads = results("read_u8"); // each path advances the same offset, over the same 4096-byte block
    for (const v of reads.values()) expect(typeof v).toBe("number");
  });
});

describe("the N-API floor addon", () => {
  const addon = loadFloorAddon();
  it("implements the fixture's functions", () => {
    expect(addon.noop()).toBeUndefined();
    expect(addon.addI32(2147483647, 1)).toBe(-2147483648);
    expect(addon.addF64(0.5, 0.25)).toBe(0.75);
    expect(addon.retI64()).toBe(1234567890123n);
    expect(addon.sumBuf(new Uint8Array([1, 2, 3, 250]), 4)).toBe(256);
    expect(addon.sumBuf(new Uint8Array([1, 2, 3]), 1000)).toBe(6); // clamped to the view's length
    expect(addon.getHello()).toBe("hello, world");
    expect(addon.callCbN((i) => i * 2, 10)).toBe(90);
  });
  it("has a process.hrtime-compatible clock of the thread's CPU time", () => {
    const start = addon.threadCpuHrtime();
    expect(start).toHaveLength(2);
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    const [s, ns] = addon.threadCpuHrtime(start);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(ns).toBeGreaterThanOrEqual(0);
    expect(ns).toBeLessThan(1e9);
    expect(s * 1e9 + ns).toBeGreaterThan(0);
    // CPU time does not advance while the thread sleeps.
    const before = addon.threadCpuHrtime();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    const [s2, slept] = addon.threadCpuHrtime(before);
    expect(s2 * 1e9 + slept).toBeLessThan(20e6);
  });

  it("rejects bad input with a TypeError instead of crashing", () => {
    expect(() => addon.threadCpuHrtime(["a", 1] as never)).toThrow(/argument 1 must be a \[seconds, nanoseconds\] array/);
    expect(() => addon.sumBuf("nope" as never, 4)).toThrow(TypeError);
    expect(() => addon.callCbN(42 as never, 1)).toThrow(/argument 1 must be a function/);
    expect(() => addon.callCbN(() => { throw new Error("from the callback"); }, 3)).toThrow("from the callback");
  });
});

describe("optional package groups", () => {
  it("either contribute paths that compute the right value or are reported skipped with a reason", async () => {
    const o = await optionalGroups();
    try {
      for (const s of o.skipped) expect(s.reason).toMatch(/^@ffi-kit\/\w+: .+/);
      const provided = [...o.groups.map((g) => g.group), ...Object.entries(o.extraPaths).flatMap(([g, ps]) => ps.map((p) => `${g}/${p.path}`)), ...o.skipped.map((s) => s.group)].join(" ");
      for (const name of ["bindgen", "memory_adopt", "threadsafe"]) expect(provided).toContain(name);
      for (const p of o.extraPaths.add_i32 ?? []) expect(p.fn()).toBe(42);
      for (const g of o.groups) {
        for (const p of g.paths) {
          if (g.deferred !== true) p.fn();
          else {
            // A deferred path must call done exactly when every native call was delivered.
            const started = Date.now();
            await new Promise<void>((resolve) => p.fn(resolve));
            expect(Date.now() - started).toBeLessThan(30_000);
          }
        }
      }
    } finally {
      await o.close();
    }
  });
});

describe("injected slowdowns (FFI_KIT_BENCH_SLOWDOWN)", () => {
  it("parses case=factor lists and rejects anything else with ERR_OUT_OF_RANGE", () => {
    expect(parseSlowdowns("add_i32/core-symbol=2, noop/cfunction=3")).toEqual({ "add_i32/core-symbol": 2, "noop/cfunction": 3 });
    expect(parseSlowdowns("")).toEqual({});
    for (const bad of ["add_i32", "add_i32/core-symbol=0", "add_i32/core-symbol=x", "=2", "a/b=1001"]) {
      expect(() => parseSlowdowns(bad)).toThrow(expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE" }));
    }
  });
  it("repeats the listed case's iteration factor times and leaves others alone", () => {
    let calls = 0;
    const spec = { path: "core-symbol", fn: () => ++calls };
    const slowed = applySlowdown("add_i32", spec, { "add_i32/core-symbol": 3 });
    expect(slowed.path).toBe("core-symbol");
    slowed.fn();
    expect(calls).toBe(3);
    expect(applySlowdown("noop", spec, { "add_i32/core-symbol": 3 })).toBe(spec);
    expect(applySlowdown("add_i32", spec, { "add_i32/core-symbol": 1 })).toBe(spec);
  });
});
