/**
 * `own()`: adopt native memory as a view that frees it exactly once, on `dispose()` / `using`, on garbage
 * collection (FinalizationRegistry), or at process exit, whichever comes first.
 */
import { constants as bufferConstants } from "node:buffer";
import { FFIError, type CFunctionInstance, type FFIFunction } from "@ffi-kit/core";
import { checkedAddress, describeReceived, geometryOf, invalidArgType, outOfRange } from "@ffi-kit/core/internal";
import {
  allocationOf,
  bufferOf,
  checkNotOwned,
  newAllocation,
  release,
  type Allocation,
} from "./allocation.js";
import { adopt } from "./buffer-mode.js";

/** Any TypedArray constructor, or DataView. */
export type ViewConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | DataViewConstructor;

/** What `own()` can return: `"arraybuffer"`, `"buffer"` (Node Buffer), or a TypedArray/DataView constructor. */
export type ViewKind = "arraybuffer" | "buffer" | ViewConstructor;

/** The view type for a {@link ViewKind} (over an ArrayBuffer, never shared), made disposable. */
export type OwnedView<K extends ViewKind = Uint8ArrayConstructor> = (K extends "arraybuffer"
  ? ArrayBuffer
  : K extends "buffer"
    ? Buffer
    : K extends DataViewConstructor
      ? DataView<ArrayBuffer>
      : K extends Uint8ClampedArrayConstructor
        ? Uint8ClampedArray<ArrayBuffer>
        : K extends Uint8ArrayConstructor
          ? Uint8Array<ArrayBuffer>
          : K extends Int8ArrayConstructor
            ? Int8Array<ArrayBuffer>
            : K extends Uint16ArrayConstructor
              ? Uint16Array<ArrayBuffer>
              : K extends Int16ArrayConstructor
                ? Int16Array<ArrayBuffer>
                : K extends Uint32ArrayConstructor
                  ? Uint32Array<ArrayBuffer>
                  : K extends Int32ArrayConstructor
                    ? Int32Array<ArrayBuffer>
                    : K extends Float32ArrayConstructor
                      ? Float32Array<ArrayBuffer>
                      : K extends Float64ArrayConstructor
                        ? Float64Array<ArrayBuffer>
                        : K extends BigInt64ArrayConstructor
                          ? BigInt64Array<ArrayBuffer>
                          : K extends BigUint64ArrayConstructor
                            ? BigUint64Array<ArrayBuffer>
                            : never) &
  Disposable;

/**
 * How to free adopted memory:
 * - a JS function, called as `free(address, byteLength)` (a core `dlopen` symbol or `CFunction` qualifies);
 * - a native function pointer (number or bigint), called as `free(address, context)`: C's `free` works
 *   (the extra argument is ignored by the C calling convention), as does a bun:ffi-style deallocator.
 */
export type FreeFunction =
  | ((address: number, byteLength: number) => unknown)
  | CFunctionInstance<FFIFunction & { ptr: number }>
  | number
  | bigint;

/** Options of {@link own}. */
export interface OwnOptions<K extends ViewKind = Uint8ArrayConstructor> {
  /** The view to return (default `Uint8Array`). */
  readonly as?: K;
  /** Second argument for a native `free` pointer (default NULL). */
  readonly context?: number | bigint | null;
}

function disposeThis(this: object): void {
  dispose(this);
}

// One subclass per view kind, created once: `[Symbol.dispose]` lives on its prototype, and derived arrays
// (`slice`, `map`...) are plain, not owned (species). Views are made as plain TypedArrays and given the subclass's
// prototype: constructing a TypedArray subclass through `super()` is several times slower in V8 than a plain
// TypedArray, and the result is the same object shape.
const ownedPrototypes = new Map<unknown, object>();
function ownedPrototype(base: ViewConstructor | typeof Buffer): object {
  let proto = ownedPrototypes.get(base);
  if (proto !== undefined) return proto;
  let cls: new (...args: never[]) => object;
  if (base === Buffer) {
    // Node's own Buffers are Uint8Arrays whose prototype is Buffer.prototype (FastBuffer); do the same.
    class OwnedBuffer extends Uint8Array {
      static get [Symbol.species](): Uint8ArrayConstructor {
        return Uint8Array;
      }
    }
    Object.setPrototypeOf(OwnedBuffer.prototype, Buffer.prototype);
    cls = OwnedBuffer;
  } else {
    const Base = base as new (buffer: ArrayBuffer) => object;
    cls = class Owned extends Base {
      static get [Symbol.species](): unknown {
        return Base;
      }
    };
    Object.defineProperty(cls, "name", { value: `Owned${(base as { name: string }).name}` });
  }
  proto = cls.prototype as object;
  Object.defineProperty(proto, Symbol.dispose, { value: disposeThis, writable: true, configurable: true });
  ownedPrototypes.set(base, proto);
  return proto;
}
const ownedUint8ArrayPrototype = ownedPrototype(Uint8Array);
const ownedArrayBufferPrototype = Object.create(ArrayBuffer.prototype, {
  [Symbol.dispose]: { value: disposeThis, writable: true, configurable: true },
});

const VIEW_KINDS = new Set<unknown>([
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
]);

/** Wraps an owned ArrayBuffer in the requested view. Validates `as` and the element size. */
export function makeView(buffer: ArrayBuffer, as: unknown, site: string): object {
  const { setPrototypeOf } = Object;
  if (as === undefined) return setPrototypeOf(new Uint8Array(buffer), ownedUint8ArrayPrototype) as object;
  if (as === "arraybuffer") return setPrototypeOf(buffer, ownedArrayBufferPrototype) as ArrayBuffer;
  if (as === "buffer") return setPrototypeOf(new Uint8Array(buffer), ownedPrototype(Buffer)) as object;
  const element = (as as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  if (buffer.byteLength % element !== 0) {
    throw outOfRange(`${site}: byteLength ${buffer.byteLength} is not a multiple of ${(as as { name: string }).name}'s element size ${element}`);
  }
  return setPrototypeOf(new (as as new (buffer: ArrayBuffer) => object)(buffer), ownedPrototype(as as ViewConstructor)) as object;
}

/** Validates `options.as` before anything is adopted (so a bad option frees nothing and leaks nothing). */
function checkedKind(as: unknown, site: string): void {
  if (as === undefined || as === "arraybuffer" || as === "buffer" || VIEW_KINDS.has(as)) return;
  throw invalidArgType(
    `${site}: options.as must be "arraybuffer", "buffer", a TypedArray constructor or DataView. Received ${describeReceived(as)}`,
  );
}

/** The longest ArrayBuffer this runtime can create (2^32 on Node 20, 2^53 - 1 on Node 22 and later). */
const MAX_BYTE_LENGTH = bufferConstants.MAX_LENGTH;

/**
 * Validates the length of native memory to adopt at `address`: an integer from 1 to the longest buffer the runtime
 * can create, with the whole range in user space. Shared with the deallocator path.
 */
export function checkedByteLength(byteLength: unknown, address: number, site: string, argument: string): number {
  if (typeof byteLength !== "number" || !Number.isInteger(byteLength)) {
    throw invalidArgType(`${site}: ${argument} must be an integer. Received ${describeReceived(byteLength)}`);
  }
  if (byteLength <= 0) throw outOfRange(`${site}: ${argument} must be > 0. Received ${byteLength}`);
  if (byteLength > MAX_BYTE_LENGTH) {
    throw outOfRange(`${site}: ${argument} must be <= ${MAX_BYTE_LENGTH}, the longest buffer this runtime can create. Received ${byteLength}`);
  }
  try {
    checkedAddress(address, byteLength - 1, site);
  } catch {
    throw outOfRange(`${site}: ${argument} ${byteLength} runs past the end of user memory from address 0x${address.toString(16)}`);
  }
  return byteLength;
}

/** A pointer-sized opaque value (a deallocator's or free's context): null, or an integer from 0 to 2^64 - 1. */
export function checkedContext(context: unknown, site: string, argument: string): number | bigint | null {
  if (context === undefined || context === null) return null;
  if (
    (typeof context === "number" && Number.isSafeInteger(context) && context >= 0) ||
    (typeof context === "bigint" && context >= 0n && context < 18446744073709551616n)
  ) {
    return context;
  }
  throw invalidArgType(`${site}: ${argument} must be a pointer (a number or bigint) or null. Received ${describeReceived(context)}`);
}

/** A native function pointer: a user-space address (anything else would crash the process when called). */
export function checkedFunctionPointer(value: number | bigint, site: string, argument: string): number | bigint {
  try {
    checkedAddress(value, 0, site);
  } catch (error) {
    throw new FFIError("ERR_FFI_INVALID_POINTER", `${site}: ${argument} ${value} is not a valid function address`, { cause: error });
  }
  return value;
}

/**
 * Adopts `byteLength` bytes of native memory at `ptr`: returns a view of them that frees them exactly once,
 * through `free`, when disposed (`dispose(view)`, `view[Symbol.dispose]()`, `using`) or garbage-collected, or at
 * process exit. After that the view is detached (length 0), and {@link addressOf} / {@link readOwned} throw
 * `ERR_FFI_USE_AFTER_FREE`.
 *
 * @example
 * const { symbols: lib } = dlopen(path, { make_blob: { args: ["usize"], returns: "ptr" }, free: { args: ["ptr"], returns: "void" } });
 * using bytes = own(lib.make_blob(64), 64, lib.free); // freed at the end of the block
 * const floats = own(p, 32, freePtr, { as: Float64Array });
 */
export function own<K extends ViewKind = Uint8ArrayConstructor>(
  ptr: number | bigint,
  byteLength: number,
  free: FreeFunction,
  options?: OwnOptions<K>,
): OwnedView<K> {
  const site = "own()";
  const address = checkedAddress(ptr, 0, site);
  const length = checkedByteLength(byteLength, address, site, "argument 2 (byteLength)");
  let as: unknown;
  let context: number | bigint | null = null;
  if (options !== undefined) {
    if (options === null || typeof options !== "object") {
      throw invalidArgType(`${site}: argument 4 (options) must be an object. Received ${describeReceived(options)}`);
    }
    // Each option is read once.
    as = options.as;
    checkedKind(as, site);
    context = checkedContext(options.context, site, "options.context");
  }
  if (as !== undefined && as !== "arraybuffer" && as !== "buffer") {
    const element = (as as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    if (length % element !== 0) {
      throw outOfRange(`${site}: byteLength ${length} is not a multiple of ${(as as { name: string }).name}'s element size ${element}`);
    }
  }
  let allocation: Allocation;
  if (typeof free === "function") {
    allocation = newAllocation(address, length, { kind: "js", free: free as (address: number, byteLength: number) => unknown });
  } else if (typeof free === "number" || typeof free === "bigint") {
    allocation = newAllocation(address, length, { kind: "native", free: checkedFunctionPointer(free, site, "argument 3 (free)"), context });
  } else {
    throw invalidArgType(
      `${site}: argument 3 (free) must be a function, a CFunction or a native function pointer. Received ${describeReceived(free)}`,
    );
  }
  checkNotOwned(address, site);
  // Everything is validated: from here the memory is ours. (Until here, and if adopt() throws, it is the caller's.)
  // A native free is called by the addon's finalizer (it follows the bytes, and runs at worker teardown too); a JS
  // free by the FinalizationRegistry. Both are watched by the registry for the bookkeeping (counters, leaks()).
  return makeView(adopt(allocation, site), as, site) as OwnedView<K>;
}

/**
 * Frees an owned view's memory now and detaches the view (and every other view of the same memory). Idempotent:
 * returns `true` if this call freed it, `false` if it was already freed. Works for {@link own} views and for
 * buffers from core's `toArrayBuffer`/`toBuffer` with a deallocator.
 *
 * @example
 * const bytes = own(p, 16, free);
 * dispose(bytes); // frees
 * dispose(bytes); // false: nothing to do
 */
export function dispose(view: object): boolean {
  const record = allocationOf(view);
  if (record === undefined) {
    throw invalidArgType(`dispose(): argument 1 must be a view owned by @ffi-kit/memory. Received ${describeReceived(view)}`);
  }
  return release(record, "disposed", bufferOf(view));
}

/**
 * Whether `view` is memory owned by @ffi-kit/memory (freed or not).
 *
 * @example
 * isOwned(own(p, 8, free)); // true
 */
export function isOwned(view: unknown): boolean {
  return allocationOf(view) !== undefined;
}

/**
 * Whether an owned view's memory has been freed (disposed, collected or released at exit).
 *
 * @example
 * dispose(bytes); isFreed(bytes); // true
 */
export function isFreed(view: object): boolean {
  const record = allocationOf(view);
  if (record === undefined) {
    throw invalidArgType(`isFreed(): argument 1 must be a view owned by @ffi-kit/memory. Received ${describeReceived(view)}`);
  }
  return record.state !== "live";
}

/** The record of a live owned view, or the error to throw. */
export function liveAllocation(view: unknown, site: string): Allocation {
  const record = allocationOf(view);
  if (record === undefined) {
    throw invalidArgType(`${site}: argument 1 must be a view owned by @ffi-kit/memory. Received ${describeReceived(view)}`);
  }
  if (record.state !== "live") {
    throw new FFIError(
      "ERR_FFI_USE_AFTER_FREE",
      `${site}: the memory of this view (${record.byteLength} bytes at 0x${record.address.toString(16)}) was already freed`,
    );
  }
  return record;
}

/**
 * The native address of an owned view's first byte (plus `byteOffset`), for passing it back to native code.
 * Throws `ERR_FFI_USE_AFTER_FREE` once the memory is freed, instead of handing out a dangling pointer.
 *
 * @example
 * lib.symbols.consume(addressOf(bytes), bytes.byteLength);
 */
export function addressOf(view: object, byteOffset = 0): number {
  const record = liveAllocation(view, "addressOf()");
  // Through the built-in getters: a forged `byteOffset`/`byteLength` property cannot move the address.
  const { byteOffset: base, byteLength: limit } = geometryOf(view)!;
  if (typeof byteOffset !== "number" || !Number.isInteger(byteOffset)) {
    throw invalidArgType(`addressOf(): argument 2 (byteOffset) must be an integer. Received ${describeReceived(byteOffset)}`);
  }
  if (byteOffset < 0 || byteOffset > limit) {
    throw outOfRange(`addressOf(): argument 2 (byteOffset) must be >= 0 and <= ${limit}. Received ${byteOffset}`);
  }
  return record.address + base + byteOffset;
}
