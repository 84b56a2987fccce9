// A million adopt-and-drop cycles through core's 5-argument toArrayBuffer with a native deallocator: every
// deallocator call happens exactly once, and the JS heap and V8's external memory stay bounded. Runs in a child
// `node --expose-gc`.
import { describe, it, expect } from "vitest";
import { expectBoundedMemory, soak } from "./soak-helpers.js";

describe("soak: native deallocator path", () => {
  it("1,000,000 adopt-and-drop cycles: frees == allocations, bounded heap and external memory", () => {
    const report = soak("deallocator", 1_000_000, 64, 100_000, 1000);
    expect(report.counts).toEqual({ allocs: 1_000_000, frees: 1_000_000, badFrees: 0, live: 0, bytesLive: 0 });
    expect(report.native.created).toBe(1_000_000);
    expect(report.native.freedByFinalizer + report.native.freedByRelease).toBe(1_000_000);
    expect(report.native.live).toBe(0);
    expect(report.peakBytesLiveMiB).toBeLessThan(16);
    expectBoundedMemory(report, { heapMiB: 64, externalMiB: 16 });
  }, 120_000);

  it("1 MiB buffers without forced GC: V8's own collections keep native memory bounded", () => {
    const report = soak("deallocator", 2000, 1 << 20, 0, 1);
    expect(report.counts).toEqual({ allocs: 2000, frees: 2000, badFrees: 0, live: 0, bytesLive: 0 });
    expect(report.peakBytesLiveMiB).toBeLessThan(256);
    expectBoundedMemory(report, { heapMiB: 64, externalMiB: 256 });
  }, 60_000);
});
