// The copying mode, for runtimes that forbid external buffers (Electron's memory cage). Node accepts them, so the
// refusal itself cannot happen here: these tests force the mode and check the documented trade-off.
import { describe, it, expect } from "vitest";
import { toArrayBuffer, toBuffer } from "@ffi-kit/core";
import { own, dispose, isFreed, addressOf, setBufferMode, bufferMode, externalBuffersAllowed, memoryStats } from "@ffi-kit/memory";
import { ca, counts, deallocPtr, freePtr, patternByte } from "./fixtures/counting-alloc.mjs";
import { lastJson, runChild } from "./child-process.js";

describe("buffer modes", () => {
  it("Node allows external buffers; the default mode is zero-copy", () => {
    expect(externalBuffersAllowed()).toBe(true);
    expect(bufferMode()).toBe("external");
  });

  it("copy mode: own() copies the bytes and frees the native memory at once", () => {
    setBufferMode("copy");
    try {
      expect(bufferMode()).toBe("copy");
      const before = counts();
      const stats = memoryStats();
      const p = ca.ca_alloc(16);
      const serial = Number(ca.ca_allocs());
      const view = own(p, 16, ca.ca_free);
      expect(counts().frees).toBe(before.frees + 1); // freed already
      expect(Array.from(view)).toEqual(Array.from({ length: 16 }, (_, i) => patternByte(serial, i)));
      view[0] = 7; // writes go to the copy only
      expect(view[0]).toBe(7);
      expect(isFreed(view)).toBe(true); // the native memory is gone...
      expect(() => addressOf(view)).toThrow(expect.objectContaining({ code: "ERR_FFI_USE_AFTER_FREE" })); // ...so no address
      expect(memoryStats().copied).toBe(stats.copied + 1);
      expect(dispose(view)).toBe(true); // drops the copy
      expect(view.length).toBe(0);
      expect(dispose(view)).toBe(false);
      expect(counts().frees).toBe(before.frees + 1);
      expect(counts().badFrees).toBe(0);
    } finally {
      setBufferMode("auto");
    }
  });

  it("copy mode: toArrayBuffer/toBuffer with a deallocator copy and call the deallocator at once", () => {
    setBufferMode("copy");
    try {
      const before = counts();
      const counter = ca.ca_counter_new();
      const ab = toArrayBuffer(ca.ca_alloc(8), 0, 8, counter, deallocPtr);
      const buf = toBuffer(ca.ca_alloc(8), 0, 8, null, deallocPtr);
      expect(ab.byteLength).toBe(8);
      expect(buf.length).toBe(8);
      expect(Number(ca.ca_counter_get(counter))).toBe(1);
      expect(counts().frees).toBe(before.frees + 2);
      expect(memoryStats().native.copied).toBeGreaterThanOrEqual(2);
      ca.ca_counter_free(counter);
    } finally {
      setBufferMode("auto");
    }
  });

  it("setBufferMode validates its argument", () => {
    expect(() => setBufferMode("fast" as never)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringMatching(/Received type string \('fast'\)/) }),
    );
    expect(bufferMode()).toBe("external");
  });

  it("FFI_KIT_MEMORY_MODE=copy selects copying for the whole process (child)", () => {
    const r = runChild("mode.mjs", [], { FFI_KIT_MEMORY_MODE: "copy" });
    expect(r.status).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ mode: "copy", copied: 2, freedBeforeGC: 2, live: 0 });
  });

  it("an unknown FFI_KIT_MEMORY_MODE warns and falls back to auto (child)", () => {
    const r = runChild("mode.mjs", [], { FFI_KIT_MEMORY_MODE: "fast" });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/FFIKitMemoryWarning: FFI_KIT_MEMORY_MODE="fast" is not one of "auto", "external", "copy": using "auto"/);
    expect(lastJson(r.stdout)).toMatchObject({ mode: "external", copied: 0 });
  });

  it("own() in external mode keeps zero-copy (child, same script)", () => {
    const r = runChild("mode.mjs", [], { FFI_KIT_MEMORY_MODE: "external" });
    expect(r.status).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ mode: "external", copied: 0, freedBeforeGC: 0, live: 2 });
  });

  it("keeps zero-copy own() usable after switching back", () => {
    const p = ca.ca_alloc(4);
    const view = own(p, 4, freePtr);
    expect(addressOf(view)).toBe(p);
    dispose(view);
  });
});
