/** ptr(), toArrayBuffer(), toBuffer() and read.* against real native memory. */
import { describe, expect, it } from "vitest";
import { dlopen, ptr, read, toArrayBuffer, toBuffer, FFIError } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

const lib = dlopen(fixture("ffi"), {
  ptr_should_point_to_42_as_int32_t: { returns: "ptr" },
  does_pointer_equal_42_as_int32_t: { args: ["ptr"], returns: "bool" },
  is_null: { args: ["ptr"], returns: "bool" },
  first_byte: { args: ["ptr"], returns: "u8" },
  sum_buf: { args: ["buffer", "u32"], returns: "u32" },
  pointer_value: { args: ["ptr"], returns: "u64" },
  fixture_pattern: { args: ["usize"], returns: "ptr" },
  fixture_free: { args: ["ptr"], returns: "void" },
  get_hello: { returns: "ptr" },
  fill_bytes: { args: ["ptr", "u32", "u8"], returns: "void" },
});
const s = lib.symbols;

describe("ptr(view, byteOffset?)", () => {
  it("is the address C sees, stable for the same view, and honours byteOffset and subarrays", () => {
    const bytes = new Uint8Array(64);
    const p = ptr(bytes);
    expect(typeof p).toBe("number");
    expect(ptr(bytes)).toBe(p);
    expect(s.pointer_value(bytes)).toBe(BigInt(p));
    expect(ptr(bytes, 10)).toBe(p + 10);
    expect(ptr(bytes.subarray(5))).toBe(p + 5);
    expect(ptr(new DataView(bytes.buffer, 7))).toBe(p + 7);
    expect(ptr(bytes.buffer)).toBe(p);
    bytes[3] = 99;
    expect(s.first_byte(ptr(bytes, 3))).toBe(99);
  });

  it("works for every TypedArray kind, DataView, ArrayBuffer and Buffer (including pooled Buffers)", () => {
    const views = [
      new Int8Array(4), new Uint8Array(4), new Uint8ClampedArray(4), new Int16Array(4), new Uint16Array(4), new Int32Array(4),
      new Uint32Array(4), new Float32Array(4), new Float64Array(4), new BigInt64Array(4), new BigUint64Array(4),
      new DataView(new ArrayBuffer(4)), new ArrayBuffer(4), Buffer.from("pooled"), new SharedArrayBuffer(8),
    ];
    for (const v of views) {
      const p = ptr(v);
      expect(p).toBeGreaterThan(4096);
      expect(s.pointer_value(v)).toBe(BigInt(p));
    }
  });

  it("rejects non-views, empty views, detached buffers and bad offsets with TypeError ERR_INVALID_ARG_TYPE", () => {
    const err = expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
    for (const bad of [null, undefined, 42, "str", {}, [1, 2]]) expect(() => ptr(bad as never)).toThrow(err);
    expect(() => ptr(new Uint8Array(0))).toThrow(/length > 0/);
    const detached = new Uint8Array(16);
    ptr(detached); // cached first: the cache must not outlive the memory
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(() => ptr(detached)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("detached") }));
    const bytes = new Uint8Array(8);
    for (const off of [-1, 9, 1.5, "1", NaN]) expect(() => ptr(bytes, off as never)).toThrow(err);
    expect(ptr(bytes, 8)).toBe(ptr(bytes) + 8);
  });
});

describe("views passed as pointer arguments", () => {
  it("a detached view never reaches C (koffi would pass NULL): TypeError ERR_INVALID_ARG_VALUE", () => {
    for (const make of [() => new Uint8Array(8), () => new DataView(new ArrayBuffer(8)), () => new ArrayBuffer(8), () => new Float64Array(2).subarray(1)]) {
      const view = make();
      expect(s.pointer_value(view)).toBeGreaterThan(4096n);
      const buffer = ArrayBuffer.isView(view) ? view.buffer : view;
      structuredClone(buffer, { transfer: [buffer] });
      expect(() => s.first_byte(view)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("first_byte(): argument 1") }));
      expect(() => s.sum_buf(view as Uint8Array, 0)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    }
  });
  it("an empty but live view is passed as it is", () => {
    expect(typeof s.pointer_value(new Uint8Array(0))).toBe("bigint");
    expect(s.sum_buf(new Uint8Array(0), 0)).toBe(0);
  });
});

describe("toArrayBuffer / toBuffer", () => {
  it("is a zero-copy view: writes through it are seen by C and the other way round", () => {
    const p = s.ptr_should_point_to_42_as_int32_t()!;
    expect(new Int32Array(toArrayBuffer(p, 0, 4))[0]).toBe(42);
    expect(toBuffer(p, 0, 4).readInt32LE(0)).toBe(42);
    expect(new DataView(toArrayBuffer(p, 0, 4)).getInt32(0, true)).toBe(42);
    expect(s.does_pointer_equal_42_as_int32_t(p)).toBe(true);
    expect(ptr(toBuffer(p, 0, 4))).toBe(p);

    const q = s.fixture_pattern(256)!;
    const view = new Uint8Array(toArrayBuffer(q, 0, 256));
    expect(view[200]).toBe(200);
    s.fill_bytes(q, 256, 7);
    expect(view[200]).toBe(7);
    view[0] = 1;
    expect(s.first_byte(q)).toBe(1);
    expect(new Uint8Array(toArrayBuffer(q, 16, 4))).toEqual(new Uint8Array([7, 7, 7, 7]));
    s.fixture_free(q);
  });

  it("without a length runs to the first NUL", () => {
    const p = s.get_hello()!;
    expect(toArrayBuffer(p).byteLength).toBe("hello, world".length);
    expect(toBuffer(p).toString()).toBe("hello, world");
    expect(toBuffer(p, 7).toString()).toBe("world");
  });

  it("pointers below 4096 and non-pointers throw instead of crashing; lengths must be positive integers", () => {
    for (const f of [toArrayBuffer, toBuffer]) {
      for (const bad of [0, 1, 16, 4095, -1]) expect(() => f(bad, 0, 4)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
      expect(() => f(16)).toThrow(FFIError);
      for (const bad of [null, undefined, "4096", {}]) expect(() => f(bad as never, 0, 4)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
      const p = s.get_hello()!;
      expect(() => f(p, 0, 0)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
      expect(() => f(p, 0, -5)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
      expect(() => f(p, 0, 1.5)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
      expect(() => f(p, -(p as number) + 100, 4)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
    }
  });

  it("the deallocator forms need @ffi-kit/memory, and say so", () => {
    const p = s.get_hello()!;
    expect(() => toArrayBuffer(p, 0, 4, 0, 4096)).toThrow(expect.objectContaining({ code: "ERR_FFI_EXTENSION_REQUIRED", message: expect.stringContaining('import "@ffi-kit/memory"') }));
    expect(() => toBuffer(p, 0, 4, 4096)).toThrow(expect.objectContaining({ code: "ERR_FFI_EXTENSION_REQUIRED" }));
    // An explicit undefined deallocator is the plain form.
    expect(toArrayBuffer(p, 0, 4, undefined, undefined).byteLength).toBe(4);
  });
});

describe("read.*", () => {
  const bytes = new Uint8Array(64);
  for (let i = 0; i < 64; i++) bytes[i] = (i * 37 + 11) & 255;
  const view = new DataView(bytes.buffer);
  const p = ptr(bytes);

  it("all twelve readers equal DataView, little-endian, at every (unaligned) offset", () => {
    for (let off = 0; off <= 56; off++) {
      expect(read.u8(p, off)).toBe(view.getUint8(off));
      expect(read.i8(p, off)).toBe(view.getInt8(off));
      expect(read.u16(p, off)).toBe(view.getUint16(off, true));
      expect(read.i16(p, off)).toBe(view.getInt16(off, true));
      expect(read.u32(p, off)).toBe(view.getUint32(off, true));
      expect(read.i32(p, off)).toBe(view.getInt32(off, true));
      expect(Object.is(read.f32(p, off), view.getFloat32(off, true))).toBe(true);
      expect(Object.is(read.f64(p, off), view.getFloat64(off, true))).toBe(true);
      expect(read.u64(p, off)).toBe(view.getBigUint64(off, true));
      expect(read.i64(p, off)).toBe(view.getBigInt64(off, true));
      expect(read.ptr(p, off)).toBe(Number(view.getBigUint64(off, true)));
      expect(read.intptr(p, off)).toBe(Number(view.getBigInt64(off, true)));
      expect(read.u8(p + off)).toBe(view.getUint8(off));
    }
  });

  it("reads across 64 KiB window boundaries and sees writes made after a window was cached", () => {
    const big = new Uint8Array(3 * 65536);
    const base = ptr(big);
    const dv = new DataView(big.buffer);
    for (let i = 0; i < big.length; i += 4093) dv.setFloat64(Math.min(i, big.length - 8), i * 1.5, true);
    for (let i = 0; i < big.length - 8; i += 997) {
      expect(read.f64(base, i)).toBe(dv.getFloat64(i, true));
      expect(read.u64(base + i)).toBe(dv.getBigUint64(i, true));
    }
    big[70000] = 201;
    expect(read.u8(base, 70000)).toBe(201);
    big[70000] = 202;
    expect(read.u8(base, 70000)).toBe(202);
  });

  it("reads memory C owns", () => {
    const q = s.ptr_should_point_to_42_as_int32_t()!;
    expect(read.i32(q)).toBe(42);
  });

  it("never touches addresses below 4096 (Bun 1.4.5 segfaults on read.u8(16)); non-pointers throw", () => {
    for (const r of Object.values(read)) {
      expect(() => r(16)).toThrow(expect.objectContaining({ name: "FFIError", code: "ERR_FFI_INVALID_POINTER" }));
      expect(() => r(0)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
      expect(() => r(4096, -4000)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
      expect(() => r(NaN)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
      expect(() => r(Infinity)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
      expect(() => r("4096" as never)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }));
      expect(() => r(null as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
      expect(() => r(p, "1" as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    }
  });
});
