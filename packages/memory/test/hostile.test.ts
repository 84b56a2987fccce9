// Hostile input against @ffi-kit/memory: addresses, lengths, forged geometry, getters and proxies, lifetimes, exit.
// Each case runs in its own child process (test/fixtures/hostile.mjs), so a crash fails one test, not the run; every
// case also checks the counting allocator's report at exit: nothing freed twice, nothing freed that was not adopted.
import { describe, it, expect } from "vitest";
import { allocatorReport, lastJson, runChild } from "./child-process.js";

interface Counts {
  allocs: number;
  frees: number;
  badFrees: number;
  live: number;
}

function run<T extends object>(name: string): T & { counts: Counts } {
  const r = runChild("hostile.mjs", [name], { CA_REPORT_AT_EXIT: "1" });
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  // At exit every allocation went back exactly once: the refused ones by the case itself, the rest by the package.
  const report = allocatorReport(r.stderr);
  expect(report.bad_frees, r.stderr).toBe(0);
  expect(report.live, r.stderr).toBe(0);
  expect(report.frees).toBe(report.allocs);
  return lastJson<T & { counts: Counts }>(r.stdout);
}

describe("addresses", () => {
  it("a native free pointer outside user space is refused at own(), before anything is adopted", () => {
    const out = run<{ results: string[] }>("free pointer outside user space");
    expect(out.results).toEqual(Array(5).fill("ERR_FFI_INVALID_POINTER"));
    expect(out.counts).toMatchObject({ frees: 1, badFrees: 0 }); // the caller's own free, after the refusals
  });

  it("an address outside user space is refused", () => {
    const out = run<{ results: string[] }>("address outside user space");
    expect(out.results[0]).toBe("ERR_FFI_INVALID_POINTER"); // 2^47
    expect(out.results[1]).toBe("ERR_FFI_INVALID_POINTER"); // 2^53 - 8
    expect(out.results[2]).toBe("ERR_FFI_INVALID_POINTER"); // 2n^52n
    expect(["ERR_FFI_INVALID_POINTER", "ERR_INVALID_ARG_TYPE"]).toContain(out.results[3]); // 2n^64n - 1n
    expect(out.results.slice(4)).toEqual(Array(4).fill("ERR_FFI_INVALID_POINTER")); // -4096, fraction, NaN, 4095
  });

  it("a range that runs past the end of user space is refused with ERR_OUT_OF_RANGE", () => {
    expect(run<{ result: string }>("range running past user space").result).toBe("ERR_OUT_OF_RANGE");
  });

  it("a deallocator outside user space is refused and nothing is freed", () => {
    const out = run<{ result: string }>("deallocator outside user space");
    expect(out.result).toBe("ERR_FFI_INVALID_POINTER");
    expect(out.counts.frees).toBe(1);
  });
});

describe("lengths", () => {
  it("own() with a native free refuses lengths the runtime cannot create, and frees nothing", () => {
    const out = run<{ results: string[]; huge: string; creatable: boolean }>("length the runtime cannot create, native free");
    expect(out.results).toEqual(["ERR_OUT_OF_RANGE", "ERR_OUT_OF_RANGE"]); // MAX_LENGTH + 1, 2^53
    expect(out.huge).toBe(out.creatable ? "none" : "ERR_OUT_OF_RANGE"); // 2^33
    expect(out.counts).toMatchObject({ frees: 1, badFrees: 0 });
  });

  it("own() with a JS free refuses them too", () => {
    const out = run<{ results: string[] }>("length the runtime cannot create, JS free");
    expect(out.results).toEqual(["ERR_OUT_OF_RANGE", "ERR_OUT_OF_RANGE"]);
    expect(out.counts.frees).toBe(1);
  });

  it("a deallocator buffer refuses them, and the deallocator is not called", () => {
    const out = run<{ results: string[] }>("length the runtime cannot create, deallocator buffer");
    expect(out.results[0]).toBe("ERR_OUT_OF_RANGE");
    expect(["ERR_OUT_OF_RANGE", "ERR_INVALID_ARG_TYPE"]).toContain(out.results[1]); // 2^53: core may refuse it first
    expect(out.counts.frees).toBe(1);
  });

  it("when the addon cannot create the buffer it throws and never frees (the memory stays the caller's)", () => {
    const out = run<{ result: string; freedByAddon: number; stats: { created: number; freedByFinalizer: number } }>(
      "addon refuses a buffer: nothing is freed",
    );
    expect(out.result).toBe("threw");
    expect(out.freedByAddon).toBe(0);
    expect(out.stats).toMatchObject({ created: 0, freedByFinalizer: 0 });
  });
});

describe("forged geometry, getters and proxies", () => {
  it("a disposed view with a forged length stays freed for every API of the package", () => {
    const out = run<Record<string, unknown>>("forged length on a disposed view");
    expect(out).toMatchObject({ addressOf: "ERR_FFI_USE_AFTER_FREE", readOwned: "ERR_FFI_USE_AFTER_FREE", isFreed: true, dispose: false });
    expect(out.counts).toMatchObject({ frees: 1, badFrees: 0 });
  });

  it("addressOf() and readOwned() ignore forged byteOffset/byteLength (no base + 1 MiB, no base - 4096)", () => {
    const out = run<Record<string, unknown>>("forged byteOffset and byteLength on a live view");
    expect(out).toMatchObject({ base: 0, dataViewBase: 0, end: 64, past: "ERR_OUT_OF_RANGE", dataViewPast: "ERR_OUT_OF_RANGE", read: "ERR_OUT_OF_RANGE" });
  });

  it("a forged buffer property cannot make dispose() free another allocation", () => {
    const out = run<Record<string, unknown>>("forged buffer property");
    expect(out).toMatchObject({ aFreed: true, bFreed: false, bLength: 32, again: "ERR_FFI_USE_AFTER_FREE" });
    expect(out.counts).toMatchObject({ frees: 1, badFrees: 0 });
  });

  it("length/byteLength/byteOffset getters are never run, so they cannot dispose the view mid-call", () => {
    const out = run<Record<string, unknown>>("length getter that disposes the view mid-call");
    expect(out).toMatchObject({ addressOf: "none", readOwned: "none", getterCalls: 0, freed: false });
  });

  it("proxies of owned views and foreign TypedArray subclasses are not owned", () => {
    const out = run<Record<string, unknown>>("proxies and subclasses are not owned views");
    expect(out).toMatchObject({
      dispose: "ERR_INVALID_ARG_TYPE",
      addressOf: "ERR_INVALID_ARG_TYPE",
      readOwned: "ERR_INVALID_ARG_TYPE",
      fake: "ERR_INVALID_ARG_TYPE",
      scopeAdopt: "ERR_INVALID_ARG_TYPE",
      stillLive: true,
    });
  });

  it("an options getter is read once (validated value = used value)", () => {
    expect(run<Record<string, unknown>>("options getters run once")).toMatchObject({ reads: 1, kind: "OwnedUint32Array", length: 4 });
  });
});

describe("lifetimes", () => {
  it("own() of memory already owned is refused with ERR_FFI_ALREADY_OWNED; it is freed once", () => {
    const out = run<Record<string, unknown>>("own() twice on the same pointer");
    expect(out).toMatchObject({ second: "ERR_FFI_ALREADY_OWNED", third: "ERR_FFI_ALREADY_OWNED" });
    expect(out.counts).toMatchObject({ frees: 1, badFrees: 0 });
  });

  it("a second deallocator buffer over the same memory is refused too", () => {
    const out = run<Record<string, unknown>>("deallocator buffer twice on the same pointer");
    expect(out.second).toBe("ERR_FFI_ALREADY_OWNED");
    expect(out.counts).toMatchObject({ frees: 1, badFrees: 0 });
  });

  it("withScope: a thenable whose then() throws still ends the scope", () => {
    const out = run<Record<string, unknown>>("withScope: then throws");
    expect(out).toMatchObject({ outcome: "then threw", live: 0 });
    expect(out.counts).toMatchObject({ frees: 2, live: 0 });
  });

  it("withScope: a then getter that changes is read once and the scope ends", () => {
    const out = run<Record<string, unknown>>("withScope: then getter that changes");
    expect(out).toMatchObject({ value: 7, reads: 1, live: 0 });
  });

  it("withScope: a then getter that throws ends the scope at once and rethrows", () => {
    const out = run<Record<string, unknown>>("withScope: then getter that throws");
    expect(out).toMatchObject({ outcome: "THEN_GETTER", live: 0 });
    expect(out.counts.frees).toBe(1);
  });

  it("dispose() from inside the free function does not free again", () => {
    expect(run<Record<string, unknown>>("dispose from inside the free function")).toMatchObject({ calls: 1, first: true, second: false });
  });

  it("garbage collection after dispose, and of views never disposed, frees each once", () => {
    const out = run<Record<string, unknown>>("garbage collection after dispose, and of views never disposed");
    expect(out).toMatchObject({ live: 0, nativeLive: 0 });
    expect(out.counts).toMatchObject({ allocs: 100, frees: 100, badFrees: 0 });
  });
});

describe("exit", () => {
  it("process.exit() from inside a free function: the rest is freed once at exit", () => {
    const r = runChild("hostile.mjs", ["process.exit() from inside a free function"], { CA_REPORT_AT_EXIT: "1" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('{"exiting":true}');
    expect(allocatorReport(r.stderr)).toMatchObject({ allocs: 3, frees: 3, bad_frees: 0, live: 0 });
  });

  it("process.exit() from inside a scope: its views are freed once at exit", () => {
    const r = runChild("hostile.mjs", ["process.exit() from inside a scope"], { CA_REPORT_AT_EXIT: "1" });
    expect(r.status, r.stderr).toBe(0);
    expect(allocatorReport(r.stderr)).toMatchObject({ allocs: 2, frees: 2, bad_frees: 0, live: 0 });
  });
});
