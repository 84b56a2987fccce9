import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { betterShrinking, fuzzLibrary } from "@ffi-kit/fuzz";
import { fixture } from "./support/fixtures.js";

// Planted crashes (test/fixtures/planted.c) under conditions that bisection towards 0 cannot keep. Each run uses
// the default budget and a fresh random seed, printed for replay.
const library = fixture("planted");
const seed = Number(process.env.FUZZ_SEED ?? (Date.now() | 0));

describe("shrinking keeps bit, modulo and byte-boundary conditions", () => {
  it("a crash when bit 12 is set shrinks to exactly 4096", async () => {
    console.log(`bit_flag: seed ${seed}`);
    const report = await fuzzLibrary({ library, symbol: "bit_flag", args: ["u32"], returns: "i32", seed });
    expect(report.failure?.kind, report.summary).toBe("crash");
    expect(report.failure!.input).toEqual([4096]);
  });

  it("a crash when x mod 7 is 5 shrinks to exactly 5", async () => {
    console.log(`mod_seven: seed ${seed}`);
    const report = await fuzzLibrary({ library, symbol: "mod_seven", args: ["u32"], returns: "i32", seed });
    expect(report.failure?.kind, report.summary).toBe("crash");
    expect(report.failure!.input).toEqual([5]);
  });

  it("a crash on a byte with the sign bit set shrinks to the one byte 0x80 (also from the constants 0xff)", async () => {
    console.log(`signed_byte: seed ${seed}`);
    const report = await fuzzLibrary({ library, symbol: "signed_byte", args: ["buffer", "u32"], returns: "i32", lengthOf: { 1: 0 }, seed });
    expect(report.failure?.kind, report.summary).toBe("crash");
    expect(report.failure!.input).toEqual([Uint8Array.of(0x80), 1]);
  });

  it("betterShrinking: generation unchanged, shrinking past bits, residues and boundaries (pure, no native code)", () => {
    const plain = fc.sample(fc.integer({ min: 0, max: 1000 }), { seed: 42, numRuns: 20 });
    expect(fc.sample(betterShrinking(fc.integer({ min: 0, max: 1000 }), 0, 1000), { seed: 42, numRuns: 20 })).toEqual(plain);
    const minimal = (arb: fc.Arbitrary<number>, failsFor: (x: number) => boolean): number => {
      const details = fc.check(fc.property(arb, (x) => !failsFor(x)), { seed, numRuns: 1000 });
      expect(details.failed).toBe(true);
      return (details.counterexample as [number])[0];
    };
    const u32 = betterShrinking(fc.integer({ min: 0, max: 2 ** 32 - 1 }), 0, 2 ** 32 - 1);
    expect(minimal(u32, (x) => (x & 0x100) !== 0)).toBe(256);
    expect(minimal(u32, (x) => x % 16 === 13)).toBe(13);
    expect(minimal(u32, (x) => (x & 0x30) === 0x30 && x % 2 === 1)).toBe(0x31);
    const byte = betterShrinking(fc.constantFrom(0xff), 0, 255);
    expect(minimal(byte, (x) => x >= 0x80)).toBe(0x80);
    expect(minimal(byte, (x) => x > 0x7e)).toBe(0x7f);
    const i64 = betterShrinking(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), -(2n ** 63n), 2n ** 63n - 1n);
    const big = fc.check(fc.property(i64, (x) => x % 1000n !== -999n), { seed, numRuns: 2000 });
    expect(big.failed).toBe(true);
    expect(big.counterexample).toEqual([-999n]);
  });
});

describe("failures that change kind, and batches that stop at the first failure", () => {
  it("a crash that shrinks into a hang is reported as a hang first found as a crash", async () => {
    console.log(`crash_or_hang: seed ${seed}`);
    const report = await fuzzLibrary({
      library, symbol: "crash_or_hang", args: ["u32"], returns: "i32", seed, timeoutMs: 500,
      // Generates only crashing values (>= 100000); shrinks over the whole u32 range.
      arbitraries: { 0: betterShrinking(fc.integer({ min: 100_000, max: 2 ** 32 - 1 }), 0, 2 ** 32 - 1) },
    });
    const f = report.failure!;
    expect(f.kind, report.summary).toBe("timeout");
    expect(f.originalKind).toBe("crash");
    expect(f.input).toEqual([10]);
    expect((f.original[0] as number) >= 100_000).toBe(true);
    expect(f.message).toContain("first found as a crash (SIGSEGV)");
    expect(report.summary).toContain("FAILED (timeout; first found as crash)");
  });

  it("a hang ends its batch: later inputs are not run, progress starts at once, names the symbol and counts hangs", async () => {
    const updates: { symbol?: string; runs: number; crashes: number; hangs?: number }[] = [];
    const report = await fuzzLibrary({
      library, symbol: "spin_if", args: ["i32"], returns: "i32", timeoutMs: 400, batchSize: 20, runs: 20, seed,
      arbitraries: { 0: fc.constant(3) }, // every input hangs
      progress: (p) => updates.push({ symbol: p.symbol, runs: p.runs, crashes: p.crashes, hangs: p.hangs }),
    });
    expect(report.failure?.kind, report.summary).toBe("timeout");
    // One hang in the batch, one replay while shrinking; not the 19 other hangs of the batch.
    expect(report.calls).toBeLessThanOrEqual(3);
    expect(updates[0]).toEqual({ symbol: "spin_if", runs: 0, crashes: 0, hangs: 0 });
    expect(updates.at(-1)!.hangs).toBeGreaterThanOrEqual(1);
    expect(updates.every((u) => u.crashes === 0)).toBe(true);
  });

  it("a crash ends its batch too", async () => {
    const report = await fuzzLibrary({
      library, symbol: "abort_if", args: ["i32"], returns: "i32", batchSize: 50, runs: 50, seed,
      arbitraries: { 0: fc.constant(7) }, // every input aborts
    });
    expect(report.failure?.signal, report.summary).toBe("SIGABRT");
    expect(report.calls).toBeLessThanOrEqual(3);
  });
});
