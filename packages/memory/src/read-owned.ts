/**
 * Checked reads of owned views: bounds-checked, and `ERR_FFI_USE_AFTER_FREE` once the memory is freed (the
 * view's own indexing already returns `undefined` then, since the buffer is detached).
 */
import { describeReceived, geometryOf, invalidArgType, outOfRange } from "@ffi-kit/core/internal";
import { liveAllocation } from "./owned.js";

const views = new WeakMap<object, DataView>();

function dataView(view: object, offset: unknown, size: number, site: string): { dv: DataView; at: number } {
  liveAllocation(view, site);
  let dv = views.get(view);
  if (dv === undefined) {
    // Through the built-in getters: forged `buffer`/`byteOffset`/`byteLength` properties are never read.
    const { buffer, byteOffset, byteLength } = geometryOf(view)!;
    dv = new DataView(buffer, byteOffset, byteLength);
    views.set(view, dv);
  }
  const at = offset === undefined ? 0 : offset;
  if (typeof at !== "number" || !Number.isInteger(at)) {
    throw invalidArgType(`${site}: argument 2 (byteOffset) must be an integer. Received ${describeReceived(offset)}`);
  }
  if (at < 0 || at + size > dv.byteLength) {
    throw outOfRange(`${site}: argument 2 (byteOffset) must be >= 0 and <= ${dv.byteLength - size}. Received ${at}`);
  }
  return { dv, at };
}

type Owned = ArrayBuffer | ArrayBufferView;

/**
 * Reads from an owned view (little-endian), checking that it is still live and the read is in bounds.
 *
 * @example
 * const n = readOwned.u32(bytes, 4);
 */
export const readOwned = Object.freeze({
  u8(view: Owned, byteOffset?: number): number {
    const { dv, at } = dataView(view, byteOffset, 1, "readOwned.u8()");
    return dv.getUint8(at);
  },
  i8(view: Owned, byteOffset?: number): number {
    const { dv, at } = dataView(view, byteOffset, 1, "readOwned.i8()");
    return dv.getInt8(at);
  },
  u16(view: Owned, byteOffset?: number): number {
    const { dv, at } = dataView(view, byteOffset, 2, "readOwned.u16()");
    return dv.getUint16(at, true);
  },
  i16(view: Owned, byteOffset?: number): number {
    const { dv, at } = dataView(view, byteOffset, 2, "readOwned.i16()");
    return dv.getInt16(at, true);
  },
  u32(view: Owned, byteOffset?: number): number {
    const { dv, at } = dataView(view, byteOffset, 4, "readOwned.u32()");
    return dv.getUint32(at, true);
  },
  i32(view: Owned, byteOffset?: number): number {
    const { dv, at } = dataView(view, byteOffset, 4, "readOwned.i32()");
    return dv.getInt32(at, true);
  },
  f32(view: Owned, byteOffset?: number): number {
    const { dv, at } = dataView(view, byteOffset, 4, "readOwned.f32()");
    return dv.getFloat32(at, true);
  },
  f64(view: Owned, byteOffset?: number): number {
    const { dv, at } = dataView(view, byteOffset, 8, "readOwned.f64()");
    return dv.getFloat64(at, true);
  },
  u64(view: Owned, byteOffset?: number): bigint {
    const { dv, at } = dataView(view, byteOffset, 8, "readOwned.u64()");
    return dv.getBigUint64(at, true);
  },
  i64(view: Owned, byteOffset?: number): bigint {
    const { dv, at } = dataView(view, byteOffset, 8, "readOwned.i64()");
    return dv.getBigInt64(at, true);
  },
  /** A copy of the bytes as a fresh (JS-owned) Uint8Array. */
  bytes(view: Owned): Uint8Array {
    const { dv } = dataView(view, 0, 0, "readOwned.bytes()");
    return new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength).slice();
  },
});
