import { describe, expect, it } from "vitest";
import { fuzzLibrary } from "@ffi-kit/fuzz";
import { fixture } from "./support/fixtures.js";

// Each test uses the fuzzer's default budget (300 runs) and a fresh random seed, printed for replay.
const library = fixture("planted");
const seed = Number(process.env.FUZZ_SEED ?? (Date.now() | 0));

describe("the fuzzer finds each planted bug within its default budget and shrinks it", () => {
  it("an over-read that crashes only for lengths of 13 mod 16: SIGSEGV, shrunk to 13 zero bytes", async () => {
    console.log(`planted over-read: seed ${seed}`);
    const report = await fuzzLibrary({ library, symbol: "checksum", args: ["buffer", "u32"], returns: "u32", lengthOf: { 1: 0 }, seed });
    expect(report.ok, report.summary).toBe(false);
    const f = report.failure!;
    expect(f.kind).toBe("crash");
    expect(f.signal).toBe("SIGSEGV");
    expect(report.runs).toBeLessThanOrEqual(300);
    expect(f.input).toEqual([new Uint8Array(13), 13]);
    expect((f.original[0] as Uint8Array).length % 16).toBe(13);
    expect(report.summary).toContain("FAILED (crash, SIGSEGV)");
    expect(report.summary).toContain("checksum(Uint8Array.from([0,0,0,0,0,0,0,0,0,0,0,0,0]), 13)");
    expect(f.replay).toContain(`--seed=${f.seed} --path=${f.path}`);
    expect(f.replay).toContain("--length-of 1=0");
  });

  it("an integer overflow at 2^31: shrunk to two counts summing to exactly 2^31", async () => {
    console.log(`planted overflow: seed ${seed}`);
    const report = await fuzzLibrary({
      library, symbol: "total_count", args: ["u32", "u32"], returns: "i64", seed,
      property: ([a, b], result) => result === BigInt(a as number) + BigInt(b as number),
    });
    expect(report.ok, report.summary).toBe(false);
    const f = report.failure!;
    expect(f.kind).toBe("property");
    expect(f.signal).toBeUndefined();
    const [a, b] = f.input as [number, number];
    expect(a + b).toBe(2 ** 31);
    expect(f.message).toContain("result: -2147483648n");
  });

  it("a mishandled NUL: shrunk to the single byte 0", async () => {
    console.log(`planted NUL: seed ${seed}`);
    const report = await fuzzLibrary({
      library, symbol: "consume", args: ["buffer", "u32"], returns: "u32", lengthOf: { 1: 0 }, seed,
      property: ([, length], consumed) => consumed === length,
    });
    expect(report.ok, report.summary).toBe(false);
    expect(report.failure!.input).toEqual([Uint8Array.of(0), 1]);
  });

  it("a double narrowed to float: shrunk to the first narrowed value in shrink order", async () => {
    console.log(`planted narrowing: seed ${seed}`);
    const report = await fuzzLibrary({
      library, symbol: "scale2", args: ["f64"], returns: "f64", seed,
      property: ([x], result) => Object.is(result, (x as number) * 2),
    });
    expect(report.ok, report.summary).toBe(false);
    const [x] = report.failure!.input as [number];
    expect(Math.fround(x)).not.toBe(x);
    // The smallest subnormal (fast-check's doubles shrink towards 0), or the first boundary constant that float
    // narrows (2^24 + 1: boundaries shrink to the earliest failing one).
    expect([Number.MIN_VALUE, 16777217]).toContain(Math.abs(x));
  });

  it("finds nothing in a correct function and says so", async () => {
    const report = await fuzzLibrary({
      library, symbol: "add_i32", args: ["i32", "i32"], returns: "i32", seed,
      property: ([a, b], r) => r === (((a as number) + (b as number)) | 0),
    });
    expect(report.ok, report.summary).toBe(true);
    expect(report.runs).toBe(300);
    expect(report.calls).toBe(300);
    expect(report.summary).toContain("OK: no failure in 300 runs");
  });
});
