/**
 * The geometry of views and buffers (kind, length, detached), read only through the built-in getters captured when
 * this module loads. A view's own `length`/`byteLength` properties, a subclass's getters, a replaced
 * `ArrayBuffer.isView` or `Symbol.hasInstance` cannot lie to core: what core checks is what koffi (which reads
 * views natively) will pass to C.
 */

const { getPrototypeOf, getOwnPropertyDescriptor } = Object;
const { apply } = Reflect;
const isViewBuiltin = ArrayBuffer.isView;
const Uint8ArrayCtor = Uint8Array;

function getter(target: object, key: PropertyKey): (this: unknown) => unknown {
  const get = getOwnPropertyDescriptor(target, key)?.get;
  if (typeof get !== "function") throw new Error(`ffi-kit: built-in getter ${String(key)} is missing`);
  return get;
}

const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const taTag = getter(TypedArrayPrototype, Symbol.toStringTag);
const taLength = getter(TypedArrayPrototype, "length");
const taByteLength = getter(TypedArrayPrototype, "byteLength");
const taBuffer = getter(TypedArrayPrototype, "buffer");
const taByteOffset = getter(TypedArrayPrototype, "byteOffset");
const dvBuffer = getter(DataView.prototype, "buffer");
const dvByteOffset = getter(DataView.prototype, "byteOffset");
const dvByteLength = getter(DataView.prototype, "byteLength");
const abByteLength = getter(ArrayBuffer.prototype, "byteLength");
const abDetached = getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached")?.get; // Node 22+
const sabByteLength = typeof SharedArrayBuffer === "function" ? getter(SharedArrayBuffer.prototype, "byteLength") : undefined;

/** True for a TypedArray of any kind (never throws, runs no user code). */
export function isTypedArray(v: unknown): v is ArrayBufferView {
  return apply(taTag, v, []) !== undefined;
}

/** `ArrayBuffer.isView`, as it was when ffi-kit loaded. */
export const isView: (v: unknown) => v is ArrayBufferView = isViewBuiltin;

/** True for a real (non-shared) ArrayBuffer, detached or not. */
export function isArrayBuffer(v: unknown): v is ArrayBuffer {
  if (typeof v !== "object" || v === null) return false;
  try {
    apply(abByteLength, v, []);
    return true;
  } catch {
    return false;
  }
}

/** True for a real SharedArrayBuffer. */
export function isSharedArrayBuffer(v: unknown): v is SharedArrayBuffer {
  if (sabByteLength === undefined || typeof v !== "object" || v === null) return false;
  try {
    apply(sabByteLength, v, []);
    return true;
  } catch {
    return false;
  }
}

/** The element count of a TypedArray as the engine sees it (0 when detached); `-1` for anything else. */
export function typedArrayLength(v: unknown): number {
  return apply(taTag, v, []) === undefined ? -1 : (apply(taLength, v, []) as number);
}

/** Whether an ArrayBuffer is detached (transferred, or freed by @ffi-kit/memory). SharedArrayBuffers never are. */
export function isDetachedBuffer(buffer: unknown): boolean {
  if (!isArrayBuffer(buffer)) return false;
  if (abDetached !== undefined) return apply(abDetached, buffer, []) === true;
  try {
    new Uint8ArrayCtor(buffer, 0, 0); // throws TypeError on a detached buffer
    return false;
  } catch {
    return true;
  }
}

/** The buffer under a view (TypedArray or DataView), or the buffer itself. */
export function underlyingBuffer(v: ArrayBufferView | ArrayBufferLike): ArrayBufferLike {
  if (isTypedArray(v)) return apply(taBuffer, v, []) as ArrayBufferLike;
  if (isViewBuiltin(v)) return apply(dvBuffer, v, []) as ArrayBufferLike;
  return v as ArrayBufferLike;
}

/** Where a view's bytes are: its buffer, and its offset and length in it (0 and 0 when detached). */
export interface ViewGeometry {
  readonly buffer: ArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
}

/**
 * The real geometry of an ArrayBuffer, TypedArray or DataView, read through the built-in getters; `undefined` for
 * anything else (proxies and SharedArrayBuffers included).
 */
export function geometryOf(v: unknown): ViewGeometry | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  if (isTypedArray(v)) {
    return { buffer: apply(taBuffer, v, []) as ArrayBuffer, byteOffset: apply(taByteOffset, v, []) as number, byteLength: apply(taByteLength, v, []) as number };
  }
  if (isViewBuiltin(v)) {
    const buffer = apply(dvBuffer, v, []) as ArrayBuffer;
    try {
      return { buffer, byteOffset: apply(dvByteOffset, v, []) as number, byteLength: apply(dvByteLength, v, []) as number };
    } catch {
      return { buffer, byteOffset: 0, byteLength: 0 }; // a DataView over a detached buffer
    }
  }
  if (isArrayBuffer(v)) return { buffer: v, byteOffset: 0, byteLength: apply(abByteLength, v, []) as number };
  return undefined;
}

/**
 * The byte length of a TypedArray, DataView, ArrayBuffer or SharedArrayBuffer as the engine sees it: 0 for a
 * detached one; `-1` for anything that is none of those.
 */
export function byteLengthOf(v: unknown): number {
  if (isTypedArray(v)) return apply(taByteLength, v, []) as number;
  if (isViewBuiltin(v)) {
    try {
      return apply(dvByteLength, v, []) as number;
    } catch {
      return 0; // a DataView over a detached (or shrunk) buffer throws here
    }
  }
  if (isArrayBuffer(v)) return apply(abByteLength, v, []) as number;
  if (isSharedArrayBuffer(v)) return apply(sabByteLength!, v, []) as number;
  return -1;
}

/** A Uint8Array over a buffer, made with the constructor captured at load. */
export function bytesOf(buffer: ArrayBufferLike): Uint8Array {
  return new Uint8ArrayCtor(buffer);
}
