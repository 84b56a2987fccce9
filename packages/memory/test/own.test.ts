import { describe, it, expect } from "vitest";
import { CFunction, FFIError, dlopen, ptr } from "@ffi-kit/core";
import { own, dispose, isOwned, isFreed, addressOf, readOwned, memoryStats } from "@ffi-kit/memory";
import { ca, counts, deallocPtr, freePtr, libraryPath, patternByte } from "./fixtures/counting-alloc.mjs";

/** Allocates n bytes and returns [address, serial] (the serial decides the byte pattern). */
function alloc(n: number): [number, number] {
  const p = ca.ca_alloc(n);
  return [p, Number(ca.ca_allocs())];
}

describe("own()", () => {
  it("returns a zero-copy Uint8Array over the native bytes, freed once by dispose()", () => {
    const before = counts();
    const [p, serial] = alloc(16);
    const bytes = own(p, 16, ca.ca_free);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBe(16);
    expect(Array.from(bytes)).toEqual(Array.from({ length: 16 }, (_, i) => patternByte(serial, i)));
    expect(ptr(bytes)).toBe(p); // zero-copy: the view's bytes are the native bytes
    expect(addressOf(bytes)).toBe(p);
    expect(isOwned(bytes)).toBe(true);
    expect(isFreed(bytes)).toBe(false);

    expect(dispose(bytes)).toBe(true);
    expect(counts().frees).toBe(before.frees + 1);
    expect(bytes.length).toBe(0); // detached
    expect(bytes[0]).toBeUndefined();
    expect(isFreed(bytes)).toBe(true);
    expect(dispose(bytes)).toBe(false);
    expect(counts().frees).toBe(before.frees + 1);
    expect(counts().badFrees).toBe(0);
  });

  it("writes through the view reach native memory", () => {
    const [p] = alloc(8);
    const bytes = own(p, 8, ca.ca_free);
    bytes[3] = 0xab;
    const copy = readOwned.bytes(bytes);
    expect(copy[3]).toBe(0xab);
    dispose(bytes);
  });

  it("Symbol.dispose frees at the end of a `using` block, also when it throws", () => {
    const before = counts().frees;
    const [p] = alloc(4);
    {
      using bytes = own(p, 4, ca.ca_free);
      expect(bytes.length).toBe(4);
    }
    expect(counts().frees).toBe(before + 1);
    const [q] = alloc(4);
    let escaped: Uint8Array | undefined;
    expect(() => {
      using bytes = own(q, 4, ca.ca_free);
      escaped = bytes;
      throw new Error("boom");
    }).toThrow("boom");
    expect(counts().frees).toBe(before + 2);
    expect(escaped!.length).toBe(0);
  });

  it.each([
    ["arraybuffer", ArrayBuffer, 16],
    ["buffer", Buffer, 16],
    [Int8Array, Int8Array, 16],
    [Uint16Array, Uint16Array, 8],
    [Int32Array, Int32Array, 4],
    [Float32Array, Float32Array, 4],
    [Float64Array, Float64Array, 2],
    [BigInt64Array, BigInt64Array, 2],
    [BigUint64Array, BigUint64Array, 2],
    [Uint8ClampedArray, Uint8ClampedArray, 16],
    [DataView, DataView, 16],
  ] as const)("as %s gives the right view, disposable and owned", (as, type, length) => {
    const before = counts().frees;
    const [p] = alloc(16);
    const view = own(p, 16, freePtr, { as: as as never }) as unknown as ArrayBuffer & Disposable;
    expect(view).toBeInstanceOf(type);
    const size = view instanceof ArrayBuffer ? view.byteLength : "length" in view ? (view as Uint8Array).length : (view as DataView).byteLength;
    expect(size).toBe(length);
    if (as === "buffer") expect(Buffer.isBuffer(view)).toBe(true);
    expect(addressOf(view)).toBe(p);
    view[Symbol.dispose]();
    expect(counts().frees).toBe(before + 1);
    const buffer = view instanceof ArrayBuffer ? view : (view as unknown as ArrayBufferView).buffer;
    expect(buffer.byteLength).toBe(0); // detached
  });

  it("derived arrays (slice, map, subarray copies) are plain, not owned", () => {
    const [p] = alloc(8);
    const bytes = own(p, 8, ca.ca_free);
    const copy = bytes.slice(0, 4);
    expect(isOwned(copy)).toBe(false);
    expect(Object.getPrototypeOf(copy)).toBe(Uint8Array.prototype);
    const sub = bytes.subarray(2); // shares the memory: owned by the same allocation
    expect(isOwned(sub)).toBe(true);
    expect(addressOf(sub)).toBe(p + 2);
    dispose(sub); // frees the allocation: every view of it is detached
    expect(bytes.length).toBe(0);
    expect(isFreed(bytes)).toBe(true);
  });

  describe("free may be", () => {
    it("a JS function, called with (address, byteLength) exactly once", () => {
      const calls: Array<[number, number]> = [];
      const [p] = alloc(24);
      const bytes = own(p, 24, (address, byteLength) => {
        calls.push([address, byteLength]);
        ca.ca_free(address);
      });
      dispose(bytes);
      dispose(bytes);
      expect(calls).toEqual([[p, 24]]);
    });

    it("a dlopen symbol or a CFunction", () => {
      const before = counts().frees;
      const fromPtr = new CFunction({ ptr: freePtr, args: ["ptr"], returns: "void" });
      const [a] = alloc(4);
      const [b] = alloc(4);
      dispose(own(a, 4, ca.ca_free));
      dispose(own(b, 4, fromPtr));
      expect(counts().frees).toBe(before + 2);
      fromPtr.close();
    });

    it("a native function pointer (number or bigint), called as free(address, context)", () => {
      const before = counts();
      const [a] = alloc(4);
      dispose(own(a, 4, freePtr));
      const [b] = alloc(4);
      dispose(own(b, 4, BigInt(freePtr)));
      const counter = ca.ca_counter_new();
      const [c] = alloc(4);
      dispose(own(c, 4, deallocPtr, { context: counter }));
      expect(Number(ca.ca_counter_get(counter))).toBe(1);
      ca.ca_counter_free(counter);
      expect(counts().frees).toBe(before.frees + 3);
      expect(counts().badFrees).toBe(0);
    });
  });

  it("a free that throws in dispose() propagates, and is never retried (no double free)", () => {
    const [p] = alloc(4);
    let calls = 0;
    const bytes = own(p, 4, (address) => {
      calls++;
      ca.ca_free(address);
      throw new Error("free failed");
    });
    expect(() => dispose(bytes)).toThrow("free failed");
    expect(dispose(bytes)).toBe(false);
    expect(calls).toBe(1);
    expect(bytes.length).toBe(0);
  });

  it("a closed library's free throws ERR_FFI_LIBRARY_CLOSED instead of calling unloaded code", () => {
    const lib = dlopen(libraryPath, { ca_free: { args: ["ptr"], returns: "void" } });
    const [p] = alloc(4);
    const bytes = own(p, 4, lib.symbols.ca_free);
    lib.close();
    expect(() => dispose(bytes)).toThrow(expect.objectContaining({ code: "ERR_FFI_LIBRARY_CLOSED" }));
    ca.ca_free(p); // the test frees it through the open handle
  });
});

describe("use after free", () => {
  it("addressOf and readOwned throw ERR_FFI_USE_AFTER_FREE after dispose", () => {
    const [p] = alloc(8);
    const bytes = own(p, 8, ca.ca_free);
    expect(readOwned.u8(bytes, 7)).toBe(bytes[7]);
    dispose(bytes);
    for (const attempt of [() => addressOf(bytes), () => readOwned.u32(bytes), () => readOwned.bytes(bytes)]) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FFIError);
      expect((error as FFIError).code).toBe("ERR_FFI_USE_AFTER_FREE");
      expect((error as FFIError).message).toMatch(/\(8 bytes at 0x[0-9a-f]+\) was already freed/);
    }
    expect(() => ptr(bytes)).toThrow(expect.objectContaining({ code: "ERR_FFI_USE_AFTER_FREE" })); // no dangling address
  });

  it("readOwned reads every width little-endian and checks bounds", () => {
    const [p] = alloc(16);
    const bytes = own(p, 16, ca.ca_free);
    const dv = new DataView(bytes.buffer);
    expect(readOwned.u8(bytes, 1)).toBe(dv.getUint8(1));
    expect(readOwned.i8(bytes, 1)).toBe(dv.getInt8(1));
    expect(readOwned.u16(bytes, 1)).toBe(dv.getUint16(1, true));
    expect(readOwned.i16(bytes, 3)).toBe(dv.getInt16(3, true));
    expect(readOwned.u32(bytes, 5)).toBe(dv.getUint32(5, true));
    expect(readOwned.i32(bytes, 2)).toBe(dv.getInt32(2, true));
    expect(readOwned.f32(bytes, 4)).toBe(dv.getFloat32(4, true));
    expect(readOwned.f64(bytes, 8)).toBe(dv.getFloat64(8, true));
    expect(readOwned.u64(bytes, 8)).toBe(dv.getBigUint64(8, true));
    expect(readOwned.i64(bytes, 0)).toBe(dv.getBigInt64(0, true));
    expect(() => readOwned.u32(bytes, 13)).toThrow(expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE" }));
    expect(() => readOwned.u8(bytes, -1)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
    expect(() => readOwned.u8(bytes, 1.5 as number)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => readOwned.u8(new Uint8Array(4))).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    const sub = bytes.subarray(4, 8);
    expect(readOwned.u32(sub)).toBe(dv.getUint32(4, true));
    expect(() => readOwned.u32(sub, 1)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
    dispose(bytes);
  });
});

describe("bad input never reaches native code and adopts nothing", () => {
  const cases: Array<[string, () => unknown, string, RegExp]> = [
    ["ptr 0", () => own(0, 8, freePtr), "ERR_FFI_INVALID_POINTER", /own\(\): 0 is not a valid address/],
    ["ptr 16", () => own(16, 8, freePtr), "ERR_FFI_INVALID_POINTER", /own\(\)/],
    ["ptr string", () => own("4096" as never, 8, freePtr), "ERR_INVALID_ARG_TYPE", /Received type string \('4096'\)/],
    ["ptr null", () => own(null as never, 8, freePtr), "ERR_INVALID_ARG_TYPE", /Received null/],
    ["ptr NaN", () => own(NaN, 8, freePtr), "ERR_FFI_INVALID_POINTER", /own\(\)/],
    ["ptr negative bigint", () => own(-5n, 8, freePtr), "ERR_FFI_INVALID_POINTER", /own\(\)/],
    ["length 0", () => own(65536, 0, freePtr), "ERR_OUT_OF_RANGE", /argument 2 \(byteLength\) must be > 0. Received 0/],
    ["length -1", () => own(65536, -1, freePtr), "ERR_OUT_OF_RANGE", /Received -1/],
    ["length 1.5", () => own(65536, 1.5, freePtr), "ERR_INVALID_ARG_TYPE", /argument 2 \(byteLength\) must be an integer. Received type number \(1.5\)/],
    ["length bigint", () => own(65536, 8n as never, freePtr), "ERR_INVALID_ARG_TYPE", /Received type bigint \(8n\)/],
    ["free missing", () => own(65536, 8, undefined as never), "ERR_INVALID_ARG_TYPE", /argument 3 \(free\) must be a function, a CFunction or a native function pointer. Received undefined/],
    ["free string", () => own(65536, 8, "free" as never), "ERR_INVALID_ARG_TYPE", /Received type string \('free'\)/],
    ["free pointer 0", () => own(65536, 8, 0), "ERR_FFI_INVALID_POINTER", /argument 3 \(free\) 0 is not a valid function address/],
    ["free pointer 1.5", () => own(65536, 8, 4096.5), "ERR_FFI_INVALID_POINTER", /argument 3/],
    ["free pointer -1n", () => own(65536, 8, -1n), "ERR_FFI_INVALID_POINTER", /argument 3/],
    ["options number", () => own(65536, 8, freePtr, 5 as never), "ERR_INVALID_ARG_TYPE", /argument 4 \(options\) must be an object. Received type number \(5\)/],
    ["options null", () => own(65536, 8, freePtr, null as never), "ERR_INVALID_ARG_TYPE", /argument 4/],
    ["as Array", () => own(65536, 8, freePtr, { as: Array as never }), "ERR_INVALID_ARG_TYPE", /options.as must be/],
    ["as 'u8'", () => own(65536, 8, freePtr, { as: "u8" as never }), "ERR_INVALID_ARG_TYPE", /Received type string \('u8'\)/],
    ["as Float64Array, 12 bytes", () => own(65536, 12, freePtr, { as: Float64Array }), "ERR_OUT_OF_RANGE", /not a multiple of Float64Array's element size 8/],
    ["context string", () => own(65536, 8, freePtr, { context: "x" as never }), "ERR_INVALID_ARG_TYPE", /options.context must be a pointer/],
  ];
  it.each(cases)("%s", (_name, attempt, code, message) => {
    const stats = memoryStats();
    const before = counts();
    let error: unknown;
    try {
      attempt();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    if (code === "ERR_INVALID_ARG_TYPE") expect(error).toBeInstanceOf(TypeError);
    if (code === "ERR_OUT_OF_RANGE") expect(error).toBeInstanceOf(RangeError);
    if (code.startsWith("ERR_FFI_")) expect(error).toBeInstanceOf(FFIError);
    expect(memoryStats().allocated).toBe(stats.allocated);
    expect(counts()).toEqual(before);
  });

  it("dispose, isFreed and addressOf refuse what is not owned", () => {
    for (const value of [new Uint8Array(4), new ArrayBuffer(4), {}, null, 5, "x"]) {
      expect(() => dispose(value as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
      expect(() => isFreed(value as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
      expect(() => addressOf(value as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
      expect(isOwned(value)).toBe(false);
    }
  });

  it("addressOf checks its offset", () => {
    const [p] = alloc(8);
    const bytes = own(p, 8, ca.ca_free);
    expect(addressOf(bytes, 8)).toBe(p + 8);
    expect(() => addressOf(bytes, 9)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
    expect(() => addressOf(bytes, "1" as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    dispose(bytes);
  });
});

describe("a freed owned view handed back to native code", () => {
  it("is refused with ERR_FFI_USE_AFTER_FREE as a pointer argument and by ptr(), instead of reaching C as NULL", () => {
    // The fixture declares ca_peek(ptr) with a number parameter; core takes any view for a ptr argument.
    const peek = ca.ca_peek as unknown as (p: unknown) => number;
    const [p] = alloc(16);
    const bytes = own(p, 16, ca.ca_free);
    expect(peek(bytes)).toBe(peek(p));
    dispose(bytes);
    expect(() => peek(bytes)).toThrow(FFIError);
    expect(() => peek(bytes)).toThrow(expect.objectContaining({ code: "ERR_FFI_USE_AFTER_FREE", message: expect.stringContaining("ca_peek(): argument 1") }));
    expect(() => ptr(bytes)).toThrow(expect.objectContaining({ code: "ERR_FFI_USE_AFTER_FREE" }));
    const dv = own(ca.ca_alloc(8), 8, ca.ca_free, { as: DataView });
    dispose(dv);
    expect(() => peek(dv)).toThrow(expect.objectContaining({ code: "ERR_FFI_USE_AFTER_FREE" }));
  });
});
