import { describe, it, expect } from "vitest";
import { toArrayBuffer, FFIError } from "@ffi-kit/core";
import {
  own,
  dispose,
  leaks,
  assertNoLeaks,
  leakCheckpoint,
  trackLeaks,
  isTrackingLeaks,
  memoryStats,
} from "@ffi-kit/memory";
import { ca, deallocPtr, freePtr } from "./fixtures/counting-alloc.mjs";

describe("leak tracking", () => {
  it("is off by default: leaks() lists live allocations without stacks", () => {
    expect(isTrackingLeaks()).toBe(false);
    const mark = leakCheckpoint();
    const view = own(ca.ca_alloc(8), 8, freePtr);
    const list = leaks(mark);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ byteLength: 8, via: "own", stack: "", ageMs: 0 });
    dispose(view);
    expect(leaks(mark)).toEqual([]);
  });

  it("when on, records the adopting stack; assertNoLeaks lists leaks with it", () => {
    trackLeaks();
    try {
      const mark = leakCheckpoint();
      const a = own(ca.ca_alloc(16), 16, ca.ca_free);
      const b = toArrayBuffer(ca.ca_alloc(32), 0, 32, deallocPtr);
      const list = leaks(mark);
      expect(list.map((l) => [l.byteLength, l.via])).toEqual([
        [16, "own"],
        [32, "deallocator"],
      ]);
      for (const leak of list) {
        expect(leak.stack).toMatch(/leak-tracking\.test\.ts/);
        expect(leak.stack).not.toMatch(/allocation\.[jt]s|owned\.[jt]s|array-buffer\.[jt]s/);
        expect(leak.ageMs).toBeGreaterThanOrEqual(0);
      }
      let error: unknown;
      try {
        assertNoLeaks(mark);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FFIError);
      expect((error as FFIError).code).toBe("ERR_FFI_MEMORY_LEAK");
      expect((error as FFIError).message).toMatch(/2 native allocations \(48 bytes\) not freed/);
      expect((error as FFIError).message).toMatch(/16 bytes at 0x[0-9a-f]+ \(own\)\n\s+at .*leak-tracking\.test\.ts/);
      dispose(a);
      dispose(b);
      expect(() => assertNoLeaks(mark)).not.toThrow();
    } finally {
      trackLeaks(false);
    }
  });

  it("a checkpoint ignores what was live before it", () => {
    const older = own(ca.ca_alloc(8), 8, freePtr);
    const mark = leakCheckpoint();
    expect(() => assertNoLeaks(mark)).not.toThrow();
    expect(() => assertNoLeaks()).toThrow(expect.objectContaining({ code: "ERR_FFI_MEMORY_LEAK" }));
    dispose(older);
  });

  it("counters follow allocations and frees, bytes included", () => {
    const before = memoryStats();
    const a = own(ca.ca_alloc(100), 100, freePtr);
    const b = toArrayBuffer(ca.ca_alloc(50), 0, 50, deallocPtr);
    const mid = memoryStats();
    expect(mid.allocated - before.allocated).toBe(2);
    expect(mid.live - before.live).toBe(2);
    expect(mid.bytesLive - before.bytesLive).toBe(150);
    // The addon's entries: the deallocator buffer, and own() with a native free (the addon frees those too).
    expect(mid.native.live - before.native.live).toBe(2);
    expect(mid.native.bytesLive - before.native.bytesLive).toBe(150);
    dispose(a);
    dispose(b);
    const after = memoryStats();
    expect(after.freedByDispose - before.freedByDispose).toBe(2);
    expect(after.live).toBe(before.live);
    expect(after.bytesLive).toBe(before.bytesLive);
    expect(after.native.freedByRelease - before.native.freedByRelease).toBe(2);
    expect(after.native.live).toBe(before.native.live);
  });

  it("a free that throws after garbage collection becomes a warning and a counter, not a crash (child)", async () => {
    const { runChild, lastJson } = await import("./child-process.js");
    const r = runChild("gc-free-throws.mjs");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/FFIKitMemoryWarning: @ffi-kit\/memory: freeing 8 bytes at 0x[0-9a-f]+ after garbage collection threw: free exploded/);
    expect(lastJson<{ freeErrors: number; freedByGC: number }>(r.stdout)).toMatchObject({ freeErrors: 1, freedByGC: 1 });
  });
});
