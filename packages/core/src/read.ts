import { koffi } from "./koffi-engine.js";
import { checkedAddress, MIN_VALID_ADDRESS } from "./pointer.js";
import type { Pointer } from "./pointer-types.js";

/**
 * Native memory is read through DataViews over 64 KiB windows, created once and cached (direct-mapped, 256
 * slots), instead of one koffi call per read: a cached read is a few nanoseconds, `koffi.decode` about fifty.
 * A window's view only describes addresses; nothing is touched but the bytes a read asks for. Each window
 * overlaps the next by 8 bytes so that a read of up to 8 bytes never straddles two views.
 */
const WINDOW = 65536;
const SLOTS = 256;

interface Window {
  page: number;
  base: number;
  view: DataView;
}
const slots: Window[] = Array.from({ length: SLOTS }, () => ({ page: -1, base: 0, view: new DataView(new ArrayBuffer(8)) }));

function windowFor(page: number): Window {
  const slot = slots[page & (SLOTS - 1)]!;
  // The first window starts at MIN_VALID_ADDRESS, never at 0: koffi.view aborts the process on NULL.
  const base = page === 0 ? MIN_VALID_ADDRESS : page * WINDOW;
  slot.view = new DataView(koffi.view(base, WINDOW + 8 - (base - page * WINDOW)));
  slot.base = base;
  slot.page = page;
  return slot;
}

/** The window holding `address`; `address - window.base` is the offset to read at. */
function locate(address: number): Window {
  const page = Math.floor(address / WINDOW);
  const slot = slots[page & (SLOTS - 1)]!;
  return slot.page === page ? slot : windowFor(page);
}

function at(p: unknown, byteOffset: unknown, site: string): number {
  if (typeof p === "number" && (byteOffset === undefined || typeof byteOffset === "number")) {
    const a = byteOffset === undefined ? p : p + byteOffset;
    if (a >= MIN_VALID_ADDRESS && a < 9007199254740992 && Math.trunc(a) === a) return a;
  }
  return checkedAddress(p, byteOffset, site);
}

/** Reads a value at `ptr + byteOffset` (little-endian, unaligned allowed). */
export type Reader<T> = (ptr: Pointer | number | bigint, byteOffset?: number) => T;

// One function per type, written out: a shared helper taking the getter as a closure would make the getter
// call site megamorphic and cost more than the read itself.
const TWO_32 = 4294967296;

/**
 * Fast reads of native memory, as in bun:ffi. Pointers below 4096 throw `ERR_FFI_INVALID_POINTER`.
 *
 * @example
 * const n = read.i32(p, 4); // the int32 at p + 4
 */
export const read = Object.freeze({
  u8(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.u8()"), w = locate(a);
    return w.view.getUint8(a - w.base);
  },
  i8(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.i8()"), w = locate(a);
    return w.view.getInt8(a - w.base);
  },
  u16(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.u16()"), w = locate(a);
    return w.view.getUint16(a - w.base, true);
  },
  i16(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.i16()"), w = locate(a);
    return w.view.getInt16(a - w.base, true);
  },
  u32(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.u32()"), w = locate(a);
    return w.view.getUint32(a - w.base, true);
  },
  i32(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.i32()"), w = locate(a);
    return w.view.getInt32(a - w.base, true);
  },
  f32(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.f32()"), w = locate(a);
    return w.view.getFloat32(a - w.base, true);
  },
  f64(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.f64()"), w = locate(a);
    return w.view.getFloat64(a - w.base, true);
  },
  u64(ptr: Pointer | number | bigint, byteOffset?: number): bigint {
    const a = at(ptr, byteOffset, "read.u64()"), w = locate(a);
    return w.view.getBigUint64(a - w.base, true);
  },
  i64(ptr: Pointer | number | bigint, byteOffset?: number): bigint {
    const a = at(ptr, byteOffset, "read.i64()"), w = locate(a);
    return w.view.getBigInt64(a - w.base, true);
  },
  /** A pointer-sized unsigned value, as a number (rounded above 2^53, as in bun:ffi). */
  ptr(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.ptr()"), w = locate(a), o = a - w.base;
    return w.view.getUint32(o, true) + w.view.getUint32(o + 4, true) * TWO_32;
  },
  /** A pointer-sized signed value, as a number (rounded beyond ±2^53). */
  intptr(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.intptr()"), w = locate(a), o = a - w.base;
    return w.view.getUint32(o, true) + w.view.getInt32(o + 4, true) * TWO_32;
  },
});
