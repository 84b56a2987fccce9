import { describe, it, expect } from "vitest";
import { toArrayBuffer, toBuffer, FFIError } from "@ffi-kit/core";
import { dispose, isOwned, isFreed, addressOf, memoryStats, MemoryScope } from "@ffi-kit/memory";
import { ca, counts, deallocPtr, patternByte } from "./fixtures/counting-alloc.mjs";
import { allocatorReport, runChild } from "./child-process.js";

describe("core's toArrayBuffer/toBuffer with a native deallocator, once @ffi-kit/memory is imported", () => {
  it("the 5-argument form gives a zero-copy buffer; dispose() calls deallocator(bytes, context) once", () => {
    const before = counts();
    const native = memoryStats().native;
    const counter = ca.ca_counter_new();
    const p = ca.ca_alloc(32);
    const serial = Number(ca.ca_allocs());
    const ab = toArrayBuffer(p, 0, 32, counter, deallocPtr);
    expect(ab).toBeInstanceOf(ArrayBuffer);
    expect(ab.byteLength).toBe(32);
    expect(new Uint8Array(ab)[5]).toBe(patternByte(serial, 5));
    expect(isOwned(ab)).toBe(true);
    expect(addressOf(ab)).toBe(p);
    expect(memoryStats().native.created).toBe(native.created + 1);

    expect(dispose(ab)).toBe(true);
    expect(ab.byteLength).toBe(0);
    expect(Number(ca.ca_counter_get(counter))).toBe(1);
    expect(dispose(ab)).toBe(false);
    expect(Number(ca.ca_counter_get(counter))).toBe(1);
    expect(counts().frees).toBe(before.frees + 1);
    expect(memoryStats().native.freedByRelease).toBe(native.freedByRelease + 1);
    ca.ca_counter_free(counter);
  });

  it("the 4-argument form takes the deallocator as 4th argument (context NULL)", () => {
    const before = counts();
    const p = ca.ca_alloc(16);
    const serial = Number(ca.ca_allocs());
    const ab = toArrayBuffer(p, 0, 16, deallocPtr);
    expect(new Uint8Array(ab)[0]).toBe(patternByte(serial, 0));
    dispose(ab);
    expect(counts().frees).toBe(before.frees + 1);
  });

  it("toBuffer returns a Node Buffer over the same memory, disposable like the ArrayBuffer", () => {
    const before = counts();
    const p = ca.ca_alloc(8);
    const buf = toBuffer(p, 0, 8, null, deallocPtr);
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf.length).toBe(8);
    expect(isOwned(buf)).toBe(true);
    expect(dispose(buf)).toBe(true);
    expect(buf.length).toBe(0);
    expect(isFreed(buf)).toBe(true);
    expect(counts().frees).toBe(before.frees + 1);
  });

  it("a scope frees deallocator buffers too", () => {
    const before = counts().frees;
    {
      using scope = new MemoryScope();
      scope.adopt(toArrayBuffer(ca.ca_alloc(8), 0, 8, deallocPtr));
      scope.adopt(toBuffer(ca.ca_alloc(8), 0, 8, null, deallocPtr));
    }
    expect(counts().frees).toBe(before + 2);
  });

  it("without a deallocator the buffer only borrows: not owned, nothing freed", () => {
    const p = ca.ca_alloc(8);
    const ab = toArrayBuffer(p, 0, 8);
    expect(isOwned(ab)).toBe(false);
    expect(() => dispose(ab)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    ca.ca_free(p);
  });

  it("bad deallocator arguments are refused by core before anything native happens", () => {
    const before = memoryStats();
    const p = ca.ca_alloc(8);
    expect(() => toArrayBuffer(p, 0, 8, null, "free" as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => toArrayBuffer(p, 0, 8, "ctx" as never, deallocPtr)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => toArrayBuffer(0, 0, 8, null, deallocPtr)).toThrow(FFIError);
    expect(() => toArrayBuffer(p, 0, 0, null, deallocPtr)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
    expect(memoryStats().native.created).toBe(before.native.created);
    ca.ca_free(p);
  });

  it("after garbage collection the finalizer calls the deallocator exactly once, on the JS thread (child --expose-gc)", () => {
    const r = runChild("lifecycle.mjs", ["deallocator-gc"], { CA_REPORT_AT_EXIT: "1" });
    expect(r.stderr).not.toMatch(/Error|Warning/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(out.contextCount).toBe(500);
    expect(out.mainThread).toBe(true);
    expect(out.native.freedByFinalizer + out.native.freedByRelease).toBe(500);
    expect(allocatorReport(r.stderr)).toMatchObject({ allocs: 500, frees: 500, bad_frees: 0, live: 0 });
  });
});
