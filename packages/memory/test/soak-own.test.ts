// A million adopt-and-drop cycles through own() (free = a dlopen symbol), with forced collections: every
// allocation is freed exactly once, and the JS heap and V8's external memory stay bounded. Runs in a child
// `node --expose-gc`.
import { describe, it, expect } from "vitest";
import { expectBoundedMemory, soak } from "./soak-helpers.js";

describe("soak: own()", () => {
  it("1,000,000 adopt-and-drop cycles: frees == allocations, bounded heap and external memory", () => {
    const report = soak("own-js", 1_000_000, 64, 100_000, 1000);
    expect(report.checksum).toBe(64_000_000);
    expect(report.counts).toEqual({ allocs: 1_000_000, frees: 1_000_000, badFrees: 0, live: 0, bytesLive: 0 });
    expect(report.stats).toMatchObject({ allocated: 1_000_000, freedByGC: 1_000_000, live: 0, bytesLive: 0 });
    // Collected every 100,000 cycles: at most about that many 64-byte blocks (6.1 MiB) are live at once.
    expect(report.peakBytesLiveMiB).toBeLessThan(16);
    // Leaking would keep 1M views (>200 MiB of JS heap) and report 61 MiB more external memory; JS frees are
    // reported to V8 in batches of 8 MiB.
    expectBoundedMemory(report, { heapMiB: 64, externalMiB: 16 });
  }, 120_000);

  it("1 MiB buffers without forced GC: V8's own collections (fed the adopted bytes) keep native memory bounded", () => {
    const report = soak("own-native", 2000, 1 << 20, 0, 1); // 2 GiB adopted in total
    expect(report.counts).toEqual({ allocs: 2000, frees: 2000, badFrees: 0, live: 0, bytesLive: 0 });
    // V8 collects because it is told about the adopted bytes: without that, they would pile up towards 2 GiB.
    expect(report.peakBytesLiveMiB).toBeLessThan(256);
    expectBoundedMemory(report, { heapMiB: 64, externalMiB: 256 });
  }, 60_000);
});
