// Dispose, garbage collection and process exit in every order: the memory is freed once and only once. Each
// scenario runs in a child `node --expose-gc`; the counting allocator's destructor reports at the very end.
import { describe, it, expect } from "vitest";
import { allocatorReport, lastJson, runChild } from "./child-process.js";

interface Report {
  allocated: number;
  freedByDispose: number;
  freedByGC: number;
  freedAtExit: number;
  live: number;
  freeErrors: number;
  native: { created: number; freedByFinalizer: number; freedByRelease: number; live: number };
  counts: { allocs: number; frees: number; badFrees: number };
  mainThread?: boolean;
  results?: unknown[];
}

function scenario(name: string, env: Record<string, string> = {}) {
  const r = runChild("lifecycle.mjs", [name], { CA_REPORT_AT_EXIT: "1", ...env });
  if (r.status !== 0) throw new Error(`child failed (${r.status} ${r.signal}):\n${r.stderr}`);
  return { report: lastJson<Report>(r.stdout), atExit: allocatorReport(r.stderr), stderr: r.stderr };
}

describe("lifecycle (child processes)", () => {
  it("GC frees dropped own() views once, on the JS thread", () => {
    const { report, atExit } = scenario("own-gc");
    expect(report.freedByGC).toBe(600);
    expect(report.live).toBe(0);
    expect(report.mainThread).toBe(true);
    expect(report.counts).toMatchObject({ allocs: 600, frees: 600, badFrees: 0 });
    expect(atExit).toMatchObject({ allocs: 600, frees: 600, bad_frees: 0, live: 0 });
  });

  it("double dispose frees once", () => {
    const { report, atExit } = scenario("double-dispose");
    expect(report.results).toEqual([true, false, null, true, false]);
    expect(report.freedByDispose).toBe(2);
    expect(atExit).toMatchObject({ allocs: 2, frees: 2, bad_frees: 0 });
  });

  it("dispose then GC: the GC path does nothing", () => {
    const { report, atExit } = scenario("dispose-then-gc");
    expect(report.freedByDispose).toBe(200);
    expect(report.freedByGC).toBe(0);
    expect(report.native.freedByFinalizer).toBe(0);
    expect(report.counts).toMatchObject({ allocs: 200, frees: 200, badFrees: 0 });
    expect(atExit).toMatchObject({ allocs: 200, frees: 200, bad_frees: 0, live: 0 });
  });

  it("GC then process.exit(): nothing is freed twice", () => {
    const { report, atExit } = scenario("gc-then-exit");
    expect(report.freedByGC).toBe(200);
    expect(report.counts).toMatchObject({ allocs: 200, frees: 200, badFrees: 0 });
    expect(atExit).toMatchObject({ allocs: 200, frees: 200, bad_frees: 0, live: 0 });
  });

  it.each(["live-at-exit", "live-at-process-exit"])("%s: what is still live is freed at exit, once", (name) => {
    const { report, atExit, stderr } = scenario(name);
    expect(report.live).toBe(50);
    expect(report.freedByGC).toBe(50);
    expect(report.counts).toMatchObject({ allocs: 100, frees: 50, badFrees: 0 });
    expect(atExit).toMatchObject({ allocs: 100, frees: 100, bad_frees: 0, live: 0 });
    expect(stderr).not.toMatch(/@ffi-kit\/memory at exit/); // no report unless tracking is on
  });

  it.each([
    ["FFI_KIT_TRACK_LEAKS=1", { FFI_KIT_TRACK_LEAKS: "1" }],
    ["trackLeaks()", { TRACK: "api" }],
  ])("with leak tracking on (%s) the exit report lists what was live, with the adopting stack", (_how, env) => {
    const { atExit, stderr } = scenario("live-at-exit", env);
    expect(stderr).toMatch(/@ffi-kit\/memory at exit: 50 native allocations \(800 bytes\) not freed/);
    expect(stderr).toMatch(/\(own\)\n\s+at .*lifecycle\.mjs:\d+/);
    expect(stderr).toMatch(/\.\.\. and 30 more \(freeing them now\)/);
    expect(atExit).toMatchObject({ allocs: 100, frees: 100, bad_frees: 0 });
  });
});
