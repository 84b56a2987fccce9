// A million adopt-and-drop cycles through own() (free = a dlopen symbol), with forced collections: every
// allocation is freed exactly once and RSS stays bounded. Runs in a child `node --expose-gc`.
import { describe, it, expect } from "vitest";
import { rssGrowth, soak } from "./soak-helpers.js";

describe("soak: own()", () => {
  it("1,000,000 adopt-and-drop cycles: frees == allocations, bounded RSS", () => {
    const report = soak("own-js", 1_000_000, 64, 100_000, 1000);
    expect(report.checksum).toBe(64_000_000);
    expect(report.counts).toEqual({ allocs: 1_000_000, frees: 1_000_000, badFrees: 0, live: 0, bytesLive: 0 });
    expect(report.stats).toMatchObject({ allocated: 1_000_000, freedByGC: 1_000_000, live: 0, bytesLive: 0 });
    // Leaking would keep 1M ArrayBuffers (>100 MiB of JS heap) and 64 MiB of native memory.
    expect(rssGrowth(report)).toBeLessThan(100);
    expect(Math.max(...report.rssSamples)).toBeLessThan(400);
  }, 120_000);

  it("1 MiB buffers without forced GC: V8's own collections (fed the adopted bytes) keep RSS bounded", () => {
    const report = soak("own-native", 2000, 1 << 20, 0, 1); // 2 GiB adopted in total
    expect(report.counts).toEqual({ allocs: 2000, frees: 2000, badFrees: 0, live: 0, bytesLive: 0 });
    expect(Math.max(...report.rssSamples)).toBeLessThan(500);
  }, 60_000);
});
