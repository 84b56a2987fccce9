import { koffi } from "./koffi-engine.js";
import { checkedAddress } from "./pointer.js";
import { outOfRange, startStackAt } from "./errors.js";
import { MIN_VALID_ADDRESS, USER_ADDRESS_LIMIT } from "./address-space.js";
import type { Pointer } from "./pointer-types.js";

/**
 * Native memory is read through DataViews over 64 KiB windows, created once and cached (direct-mapped, 256
 * slots), instead of one koffi call per read: a cached read is a few nanoseconds, `koffi.decode` about fifty.
 * A window's view only describes addresses; nothing is touched but the bytes a read asks for. Each window
 * overlaps the next by 8 bytes so that a read of up to 8 bytes never straddles two views.
 *
 * The window of the last read is also kept on its own (`current`): a read that falls in it costs one range check,
 * with no division and no slot lookup. On Node 22 and later (V8 12+) the two-level lookup alone cost about as
 * much as the whole read did on Node 20; the range check keeps reads at a few nanoseconds on every version.
 * Windows only ever cover user-space addresses (MIN_VALID_ADDRESS up to USER_ADDRESS_LIMIT), so an address that
 * passes the range check is one `checkedAddress` would accept; anything else takes the checked path.
 */
const WINDOW = 65536;
/** The highest address a read (of up to 8 bytes) may start at: every byte it touches stays in user space. */
const LAST_READ_START = USER_ADDRESS_LIMIT - 8;
const SLOTS = 256;

interface Window {
  page: number;
  /** Address of the view's first byte. */
  base: number;
  /** First address this window answers for (`base`). */
  lo: number;
  /** One past the last start address this window answers for (the next window's first byte). */
  hi: number;
  view: DataView;
}
const empty = (): Window => ({ page: -1, base: 0, lo: 0, hi: 0, view: new DataView(new ArrayBuffer(8)) });
const slots: Window[] = Array.from({ length: SLOTS }, empty);
/** The window of the last read; `lo === hi === 0` matches nothing until the first read. */
let current: Window = empty();

function windowFor(page: number): Window {
  // The first window starts at MIN_VALID_ADDRESS, never at 0: koffi.view aborts the process on NULL.
  const base = page === 0 ? MIN_VALID_ADDRESS : page * WINDOW;
  // A new object every time, never one mutated in place: a window's view and base always describe the same bytes,
  // so a read can only ever go through a consistent pair. No window answers for the last 8 bytes of user space:
  // a read there could run past its end.
  const w: Window = {
    page,
    base,
    lo: base,
    hi: Math.min((page + 1) * WINDOW, LAST_READ_START + 1),
    view: new DataView(koffi.view(base, WINDOW + 8 - (base - page * WINDOW))),
  };
  slots[page & (SLOTS - 1)] = w;
  return w;
}

/** The checked path: validates the pointer (throws ERR_FFI_INVALID_POINTER or ERR_INVALID_ARG_TYPE) and makes its window current. */
function miss(p: unknown, byteOffset: unknown, site: string): number {
  let a: number;
  try {
    a = checkedAddress(p, byteOffset, site);
    if (a > LAST_READ_START) {
      throw outOfRange(`${site}: a read at ${a} could run past the end of user space (${USER_ADDRESS_LIMIT}); reading it would crash the process`);
    }
  } catch (e) {
    // The stack starts at the user's call of read.*, not inside this module.
    throw startStackAt(e, readerOfSite.get(site) ?? miss);
  }
  const page = Math.floor(a / WINDOW);
  const slot = slots[page & (SLOTS - 1)]!;
  current = slot.page === page ? slot : windowFor(page);
  return a;
}

/** The address `p + byteOffset`, with `current` the window holding it; `address - current.base` is the offset to read at. */
function at(p: unknown, byteOffset: unknown, site: string): number {
  if (typeof p === "number") {
    const a = byteOffset === undefined ? p : typeof byteOffset === "number" ? p + byteOffset : NaN;
    if (a >= current.lo && a < current.hi && Math.trunc(a) === a) return a;
  }
  return miss(p, byteOffset, site);
}

/** Reads a value at `ptr + byteOffset` (little-endian, unaligned allowed). */
export type Reader<T> = (ptr: Pointer | number | bigint, byteOffset?: number) => T;

// One function per type, written out: a shared helper taking the getter as a closure would make the getter
// call site megamorphic and cost more than the read itself. `at()` runs first: it may switch `current`.
const TWO_32 = 4294967296;

/**
 * Fast reads of native memory, as in bun:ffi. Pointers below 4096 or outside user space throw
 * `ERR_FFI_INVALID_POINTER`.
 *
 * @example
 * const n = read.i32(p, 4); // the int32 at p + 4
 */
export const read = Object.freeze({
  /**
   * Reads a C `uint8_t` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: number (0 to 255).
   * @example read.u8(p) // 255 for the byte 0xff
   */
  u8(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.u8()"), w = current;
    return w.view.getUint8(a - w.base);
  },
  /**
   * Reads a C `int8_t` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: number (-128 to 127).
   * @example read.i8(p) // -1 for the byte 0xff
   */
  i8(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.i8()"), w = current;
    return w.view.getInt8(a - w.base);
  },
  /**
   * Reads a C `uint16_t` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: number (0 to 65535).
   * @example read.u16(p, 2) // the second uint16_t of an array
   */
  u16(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.u16()"), w = current;
    return w.view.getUint16(a - w.base, true);
  },
  /**
   * Reads a C `int16_t` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: number (-32768 to 32767).
   * @example read.i16(p)
   */
  i16(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.i16()"), w = current;
    return w.view.getInt16(a - w.base, true);
  },
  /**
   * Reads a C `uint32_t` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: number (0 to 2^32-1).
   * @example read.u32(p, 4 * i) // element i of a uint32_t array
   */
  u32(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.u32()"), w = current;
    return w.view.getUint32(a - w.base, true);
  },
  /**
   * Reads a C `int32_t` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: number (-2^31 to 2^31-1).
   * @example read.i32(p, 4) // the int32_t at p + 4
   */
  i32(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.i32()"), w = current;
    return w.view.getInt32(a - w.base, true);
  },
  /**
   * Reads a C `float` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: number (the float widened to a double).
   * @example read.f32(p)
   */
  f32(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.f32()"), w = current;
    return w.view.getFloat32(a - w.base, true);
  },
  /**
   * Reads a C `double` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: number.
   * @example read.f64(p, 8)
   */
  f64(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.f64()"), w = current;
    return w.view.getFloat64(a - w.base, true);
  },
  /**
   * Reads a C `uint64_t` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: bigint (0n to 2n**64n-1n).
   * @example read.u64(p) // 18446744073709551615n for all bits set
   */
  u64(ptr: Pointer | number | bigint, byteOffset?: number): bigint {
    const a = at(ptr, byteOffset, "read.u64()"), w = current;
    return w.view.getBigUint64(a - w.base, true);
  },
  /**
   * Reads a C `int64_t` at `ptr + byteOffset` (little-endian, unaligned allowed). JS: bigint (-(2n**63n) to 2n**63n-1n).
   * @example read.i64(p) // -1n for all bits set
   */
  i64(ptr: Pointer | number | bigint, byteOffset?: number): bigint {
    const a = at(ptr, byteOffset, "read.i64()"), w = current;
    return w.view.getBigInt64(a - w.base, true);
  },
  /**
   * Reads a C pointer (`void *`, `uintptr_t`) at `ptr + byteOffset`. JS: number (rounded above 2^53, as in bun:ffi).
   * @example const next = read.ptr(node, 8) // a linked list's next field
   */
  ptr(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.ptr()"), w = current, o = a - w.base;
    return w.view.getUint32(o, true) + w.view.getUint32(o + 4, true) * TWO_32;
  },
  /**
   * Reads a C `intptr_t` / `ssize_t` at `ptr + byteOffset`. JS: number (rounded beyond ±2^53).
   * @example read.intptr(p) // -1 for all bits set
   */
  intptr(ptr: Pointer | number | bigint, byteOffset?: number): number {
    const a = at(ptr, byteOffset, "read.intptr()"), w = current, o = a - w.base;
    return w.view.getUint32(o, true) + w.view.getInt32(o + 4, true) * TWO_32;
  },
});

/** The reader of each `site` string, so that an error's stack can start at the user's call (see `miss`). */
const readerOfSite: ReadonlyMap<string, Function> = new Map(Object.entries(read).map(([name, f]) => [`read.${name}()`, f]));
