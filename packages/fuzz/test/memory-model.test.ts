import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dlopen } from "@ffi-kit/core";
import * as memory from "@ffi-kit/memory";
import { checkMemoryModel, type MemoryModelTarget } from "@ffi-kit/fuzz";
import { fixture } from "./support/fixtures.js";

const { symbols: ca } = dlopen(fixture("counting"), {
  fz_alloc: { args: ["u32"], returns: "ptr" },
  fz_free: { args: ["ptr"], returns: "void" },
  fz_dealloc: { args: ["ptr", "ptr"], returns: "void" },
  fz_live: { args: [], returns: "i64_fast" },
  fz_bad_frees: { args: [], returns: "i64_fast" },
});

const counting = {
  alloc: (size: number) => ca.fz_alloc(size)!,
  live: () => Number(ca.fz_live()),
  badFrees: () => Number(ca.fz_bad_frees()),
};
/** A shrunk sequence: one 1-byte allocation, then at most one command (fast-check may keep one it cannot drop). */
const ONE_BYTE_ALLOCATION = /^Alloc\(1, free#0, pattern 0\)(, (Dispose|Read|AddressOf|Drop)\(\d+(, \d+)?\)|, GC)?$/;
const seed = Number(process.env.FUZZ_SEED ?? (Date.now() | 0));

describe("memory model (fc.commands) over @ffi-kit/memory", () => {
  it("alloc/read/addressOf/dispose/drop/gc sequences keep every invariant, with JS, symbol and native frees", async () => {
    console.log(`memory model: seed ${seed}`);
    const target: MemoryModelTarget = {
      ...counting,
      frees: [(address: number) => ca.fz_free(address), ca.fz_free, ca.fz_dealloc.ptr],
    };
    const before = memory.memoryStats();
    const report = await checkMemoryModel({ target, memory, numRuns: 60, seed });
    const after = memory.memoryStats();
    // Both ways of freeing were exercised: explicit dispose and collection of dropped views.
    expect(after.freedByDispose).toBeGreaterThan(before.freedByDispose);
    expect(after.freedByGC).toBeGreaterThan(before.freedByGC);
    expect(report.message ?? "", `seed ${report.seed} path ${report.path}: ${report.counterexample}`).toBe("");
    expect(report.ok).toBe(true);
    expect(report.runs).toBe(60);
    expect(counting.badFrees()).toBe(0);
  });

  it("catches a free function that frees twice, shrunk to one allocation and one dispose, replayable", async () => {
    const target: MemoryModelTarget = {
      ...counting,
      frees: [
        (address: number) => {
          ca.fz_free(address);
          ca.fz_free(address);
        },
      ],
    };
    const before = counting.badFrees();
    const report = await checkMemoryModel({ target, memory, numRuns: 50, seed });
    expect(report.ok).toBe(false);
    expect(report.message).toMatch(/free\(s\) of memory that was not live \(double free\)/);
    // One allocation of one byte (freed by a dispose or by the run's teardown), at most one other command.
    expect(report.counterexample).toMatch(ONE_BYTE_ALLOCATION);
    expect(counting.badFrees()).toBeGreaterThan(before);
    expect(report.replayPath).toBeDefined();
    const replay = await checkMemoryModel({ target, memory, seed: report.seed, path: report.path!, replayPath: report.replayPath! });
    expect(replay.counterexample).toBe(report.counterexample);
  });

  it("catches a free function that frees nothing (the allocator and the ownership accounting disagree)", async () => {
    const target: MemoryModelTarget = { ...counting, frees: [() => undefined] };
    const report = await checkMemoryModel({ target, memory, numRuns: 50, seed });
    expect(report.ok).toBe(false);
    expect(report.message).toMatch(/the allocator has 1 live allocations, @ffi-kit\/memory counts 0/);
    expect(report.counterexample).toMatch(ONE_BYTE_ALLOCATION);
  });

  it("without a collector it throws ERR_FFI_GC_UNAVAILABLE and leaves the process's V8 flags alone (child without --expose-gc)", () => {
    // A child of its own: this test file's worker runs with --expose-gc.
    const script = `
      import * as memory from "@ffi-kit/memory";
      import { checkMemoryModel } from "@ffi-kit/fuzz";
      const target = { alloc: () => 0, frees: [() => undefined] };
      const code = await checkMemoryModel({ target, memory, numRuns: 1 }).then(() => "resolved", (e) => e.code);
      console.log(JSON.stringify({ code, gc: typeof globalThis.gc, vmGc: (await import("node:vm")).runInNewContext("typeof gc") }));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: fileURLToPath(new URL(".", import.meta.url)), encoding: "utf8", timeout: 55_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ code: "ERR_FFI_GC_UNAVAILABLE", gc: "undefined", vmGc: "undefined" });
  });

  it("refuses a target without alloc or frees", async () => {
    await expect(checkMemoryModel({ target: { alloc: counting.alloc, frees: [] }, memory })).rejects.toMatchObject({ code: "ERR_INVALID_ARG_TYPE" });
  });
});
