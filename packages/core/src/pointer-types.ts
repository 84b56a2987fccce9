/** The types of native addresses and of the views whose bytes can be passed to C. A leaf: imports nothing. */

/** A native address, as `bun:ffi` types it: a number branded so it is not mixed up with other numbers. */
export type Pointer = number & { __pointer__: null };

/** Any view whose bytes can be passed to native code. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * An object that stands for a native function or address through its `ptr` (a `JSCallback`, a `ThreadsafeCallback`
 * of @ffi-kit/callbacks...). Core accepts the kinds registered with it at runtime.
 */
export interface NativeHandle {
  readonly ptr: Pointer | number | null;
}
