import { koffi } from "./koffi-engine.js";
import { FFIError, describeReceived, invalidArgType } from "./errors.js";
import { checkEmptyView } from "./extension-registry.js";
import { privateSlot } from "./private-slot.js";
import type { Pointer, TypedArray } from "./pointer-types.js";
import { MIN_VALID_ADDRESS, USER_ADDRESS_LIMIT } from "./address-space.js";

export { MIN_VALID_ADDRESS } from "./address-space.js";

/** The address of a view's first byte, remembered on the view itself (`koffi.address` costs ~50 ns, this ~3). */
const viewAddress = privateSlot<number>();

const { isView } = ArrayBuffer;
const { trunc } = Math;

function viewByteLength(view: unknown): number {
  if (isView(view)) {
    try {
      return view.byteLength;
    } catch {
      return 0; // a detached DataView throws here; checkEmptyView says what happened
    }
  }
  if (view instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && view instanceof SharedArrayBuffer)) {
    return view.byteLength;
  }
  throw invalidArgType(
    `ptr(): argument 1 must be a TypedArray, DataView or ArrayBuffer. Received ${describeReceived(view)}`,
  );
}

function ptrSlow(view: unknown, byteOffset: unknown): Pointer {
  const length = viewByteLength(view);
  if (length === 0) {
    checkEmptyView(view as ArrayBufferView, "ptr()");
    throw invalidArgType("ArrayBufferView must have a length > 0. A pointer to empty memory doesn't work");
  }
  let base = viewAddress.read(view) ?? -1;
  if (base < 0) {
    // koffi refuses a bare SharedArrayBuffer; a view over it has the same address.
    base = Number(koffi.address(isView(view) ? view : new Uint8Array(view as ArrayBufferLike)));
    viewAddress.write(view as object, base);
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
export function ptr(view: TypedArray | DataView | ArrayBufferLike, byteOffset?: number): Pointer {
  // Fast path: a non-empty TypedArray seen before. `.length` is 0 once the buffer is detached or shrunk to 0.
  const base = viewAddress.read(view);
  if (base !== undefined && byteOffset === undefined && (view as TypedArray).length > 0) return base as Pointer;
  return ptrSlow(view, byteOffset);
}

/**
 * Validates a pointer given to `read.*`, `toArrayBuffer`, `toBuffer` or `CString` and returns it as a number.
 * Addresses below 4096 or outside user space throw `ERR_FFI_INVALID_POINTER` instead of crashing the process.
 */
export function checkedAddress(value: unknown, byteOffset: unknown, site: string): number {
  let address: number;
  if (typeof value === "number") address = value;
  else if (typeof value === "bigint" && value >= 0n && value < 9007199254740992n) address = Number(value);
  else throw invalidArgType(`${site}: Expected a pointer (a number). Received ${describeReceived(value)}`);
  if (byteOffset !== undefined && byteOffset !== 0) {
    if (typeof byteOffset !== "number" || trunc(byteOffset) !== byteOffset) {
      throw invalidArgType(`${site}: byteOffset must be an integer. Received ${describeReceived(byteOffset)}`);
    }
    address += byteOffset;
  }
  if (!(address >= MIN_VALID_ADDRESS) || trunc(address) !== address || address >= USER_ADDRESS_LIMIT) {
    throw new FFIError(
      "ERR_FFI_INVALID_POINTER",
      address >= USER_ADDRESS_LIMIT
        ? `${site}: ${address} is not a valid address (it is outside this machine's user address space, which ends at ${USER_ADDRESS_LIMIT}; reading it would crash the process)`
        : `${site}: ${address} is not a valid address (addresses below ${MIN_VALID_ADDRESS} are never mapped; reading one would crash the process)`,
    );
  }
  return address;
}
