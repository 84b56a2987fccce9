import { koffi } from "./koffi-engine.js";
import { describeReceived, invalidArgType, invalidPointer, outOfRange, startStackAt } from "./errors.js";
import { checkEmptyView } from "./extension-registry.js";
import { privateSlot } from "./private-slot.js";
import type { Pointer, TypedArray } from "./pointer-types.js";
import { MIN_VALID_ADDRESS, USER_ADDRESS_LIMIT } from "./address-space.js";
import { byteLengthOf, bytesOf, isView } from "./view-geometry.js";

export { MIN_VALID_ADDRESS } from "./address-space.js";

const { trunc } = Math;
/** `%TypedArray%.prototype[Symbol.toStringTag]`, captured at load: the element type's name for a TypedArray, else undefined. */
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!.get!;

/** Returns its argument from a constructor, so that a subclass installs its private field on that object. */
const ReturnTarget = function ReturnTarget(target: object) {
  return target;
} as unknown as new (target: object) => object;

/**
 * The address of a TypedArray's first byte, remembered on the view itself in a private field (`koffi.address`
 * costs ~50 ns, reading the field about 1). Only TypedArrays get it, so the fast path of `ptr()` can test
 * "still in bounds" with `view[0] !== undefined`: an integer index on a TypedArray never reaches a getter, a
 * prototype or an own property, and reads `undefined` exactly when the view is empty, detached or out of bounds
 * of a shrunk buffer.
 *
 * The field is read with a plain load inside `try` rather than guarded by `#address in view`: on V8 12 and 13
 * (Node 22, 24) the `in` brand check is not inlined by the optimising compiler and cost 4-6 ns per call, the load
 * well under 1. The read also sits in the class body itself: through a helper object it was not inlined either.
 */
class TypedArrayAddress extends ReturnTarget {
  #address: number;
  private constructor(view: object, address: number) {
    super(view);
    this.#address = address;
  }
  /** Stamps a TypedArray with its address (once; a second stamp or a frozen exotic object is ignored). */
  static write(view: object, address: number): void {
    try {
      new TypedArrayAddress(view, address);
    } catch {
      // already stamped
    }
  }
  /** The fast path of `ptr()`: a stamped, non-empty TypedArray, or the checked path. */
  static ptr(view: unknown, byteOffset: unknown): Pointer {
    let base: number;
    try {
      base = (view as TypedArrayAddress).#address;
    } catch {
      return ptrSlow(view, byteOffset);
    }
    if (byteOffset === undefined && (view as TypedArray)[0] !== undefined) return base as Pointer;
    return ptrSlow(view, byteOffset);
  }
  /**
   * The address a fast call passes for a pointer argument that is a view: a non-empty TypedArray's cached address
   * (stamped now on first use), or -1 for anything else (the call then goes through koffi, as before).
   */
  static argument(view: unknown): number {
    let base: number;
    try {
      base = (view as TypedArrayAddress).#address;
    } catch {
      return typedArrayTag.call(view) !== undefined && byteLengthOf(view) > 0 ? ptrChecked(view, undefined) : -1;
    }
    return (view as TypedArray)[0] !== undefined ? base : -1;
  }
  static read(view: object): number | undefined {
    try {
      return (view as TypedArrayAddress).#address;
    } catch {
      return undefined;
    }
  }
}

/** The address of a DataView's or ArrayBuffer's first byte (the slow path: these have no unforgeable bounds test). */
const otherAddress = privateSlot<number>();

/** The byte length of a view or buffer, read through the built-in getters captured at load (never user code). */
function viewByteLength(view: unknown): number {
  const length = byteLengthOf(view);
  if (length >= 0) return length;
  throw invalidArgType(
    `ptr(): argument 1 must be a TypedArray, DataView or ArrayBuffer. Received ${describeReceived(view)}`,
  );
}

function ptrSlow(view: unknown, byteOffset: unknown): Pointer {
  try {
    return ptrChecked(view, byteOffset);
  } catch (e) {
    throw startStackAt(e, ptr);
  }
}

function ptrChecked(view: unknown, byteOffset: unknown): Pointer {
  const length = viewByteLength(view);
  if (length === 0) {
    checkEmptyView(view as ArrayBufferView, "ptr()");
    throw invalidArgType("ArrayBufferView must have a length > 0. A pointer to empty memory doesn't work");
  }
  const typed = typedArrayTag.call(view) !== undefined;
  let base = (typed ? TypedArrayAddress.read(view as object) : otherAddress.read(view)) ?? -1;
  if (base < 0) {
    // koffi refuses a bare SharedArrayBuffer; a view over it has the same address.
    base = Number(koffi.address(isView(view) ? view : bytesOf(view as ArrayBufferLike)));
    if (typed) TypedArrayAddress.write(view as object, base);
    else otherAddress.write(view as object, base);
  }
  if (byteOffset === undefined) return base as Pointer;
  if (typeof byteOffset !== "number" || trunc(byteOffset) !== byteOffset) {
    throw invalidArgType(`ptr(): argument 2 (byteOffset) must be an integer. Received ${describeReceived(byteOffset)}`);
  }
  if (byteOffset < 0 || byteOffset > length) {
    // Bun throws TypeError ERR_INVALID_ARG_TYPE for every ptr() failure; keep its class and code.
    throw invalidArgType(`ptr(): byteOffset ${byteOffset} is out of bounds for a view of ${length} bytes`);
  }
  return (base + byteOffset) as Pointer;
}

/**
 * The address of a view's bytes (plus `byteOffset`), as a number. The same view always gives the same address.
 *
 * @example
 * const bytes = new Uint8Array(32);
 * lib.symbols.fill(ptr(bytes), 32);
 */
export const ptr: (view: TypedArray | DataView | ArrayBufferLike, byteOffset?: number) => Pointer = TypedArrayAddress.ptr;

/** For the fast engine's wrappers: the address of a view passed as a pointer argument, or -1 (see the class). */
export const viewArgumentAddress: (view: unknown) => number = TypedArrayAddress.argument;

const TWO_64 = 18446744073709551616n;

/**
 * Validates a pointer given to `read.*`, `toArrayBuffer`, `toBuffer` or `CString` and returns it as a number.
 * Numbers and bigints that are not user-space addresses of this machine (below 4096, in the kernel half, beyond
 * 2^64, negative, fractional, NaN) throw `ERR_FFI_INVALID_POINTER` (a `TypeError`) instead of crashing the process.
 */
export function checkedAddress(value: unknown, byteOffset: unknown, site: string): number {
  let address: number;
  if (typeof value === "number") address = value;
  else if (typeof value === "bigint") {
    if (value < 0n || value >= TWO_64) {
      throw invalidPointer(`${site}: ${value}n is not a valid address (a pointer is an unsigned 64-bit value)`);
    }
    // Exact below 2^53; above, any user-space limit is already exceeded and the rounded value still fails below.
    address = Number(value);
  } else throw invalidArgType(`${site}: Expected a pointer (a number). Received ${describeReceived(value)}`);
  if (byteOffset !== undefined && byteOffset !== 0) {
    if (typeof byteOffset !== "number" || trunc(byteOffset) !== byteOffset) {
      throw invalidArgType(`${site}: byteOffset must be an integer. Received ${describeReceived(byteOffset)}`);
    }
    address += byteOffset;
  }
  if (!(address >= MIN_VALID_ADDRESS) || trunc(address) !== address || address >= USER_ADDRESS_LIMIT) {
    throw invalidPointer(
      address >= USER_ADDRESS_LIMIT
        ? `${site}: ${address} is not a valid address (it is outside this machine's user address space, which ends at ${USER_ADDRESS_LIMIT}; reading it would crash the process)`
        : `${site}: ${address} is not a valid address (addresses below ${MIN_VALID_ADDRESS} are never mapped; reading one would crash the process)`,
    );
  }
  return address;
}

/**
 * The most bytes one zero-copy view (or CString) may span: lengths from 2^32 up make N-API abort the process on
 * some Node versions, so they are refused on all of them.
 */
export const MAX_VIEW_LENGTH = 2 ** 32 - 1;

/**
 * Validates the length of a range starting at a validated `address`: an integer in [min, {@link MAX_VIEW_LENGTH}]
 * whose end stays inside user space. Throws `ERR_INVALID_ARG_TYPE` or `ERR_OUT_OF_RANGE` (a `RangeError`).
 */
export function checkedLength(length: unknown, address: number, site: string, min = 1): number {
  if (typeof length === "bigint") {
    if (length < 0n || length > BigInt(MAX_VIEW_LENGTH)) {
      throw outOfRange(`${site}: byteLength must be >= ${min} and <= ${MAX_VIEW_LENGTH}. Received ${length}n`);
    }
    length = Number(length);
  }
  if (typeof length !== "number" || trunc(length) !== length) {
    throw invalidArgType(`${site}: byteLength must be an integer. Received ${describeReceived(length)}`);
  }
  if (length < min || length > MAX_VIEW_LENGTH) {
    throw outOfRange(`${site}: byteLength must be >= ${min} and <= ${MAX_VIEW_LENGTH}. Received ${length}`);
  }
  if (address + length > USER_ADDRESS_LIMIT) {
    throw outOfRange(`${site}: ${length} bytes at ${address} run past the end of user address space (${USER_ADDRESS_LIMIT})`);
  }
  return length;
}
