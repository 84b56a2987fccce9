import { koffi, strlen } from "./koffi-engine.js";
import { checkedAddress, checkedLength } from "./pointer.js";
import { describeReceived, invalidArgType } from "./errors.js";
import { requireDeallocatorProvider } from "./extension-registry.js";
import type { Pointer } from "./pointer-types.js";

/** `byteLength` as given, or up to the first NUL without one (an empty string gives 0). */
function rangeLength(byteLength: unknown, address: number, site: string): number {
  if (byteLength === undefined) {
    const n = strlen(address);
    return n === 0 ? 0 : checkedLength(n, address, site);
  }
  return checkedLength(byteLength, address, site);
}

function deallocatorPointer(value: unknown, site: string): number | bigint {
  if ((typeof value === "number" && value > 0) || (typeof value === "bigint" && value > 0n)) return value;
  throw invalidArgType(`${site}: the deallocator must be a function pointer (a number or bigint). Received ${describeReceived(value)}`);
}
function contextPointer(value: unknown, site: string): number | bigint | null {
  if (value === undefined || value === null || value === 0 || value === 0n) return null;
  if (typeof value === "number" || typeof value === "bigint") return value;
  throw invalidArgType(`${site}: deallocatorContext must be a pointer (a number or bigint) or null. Received ${describeReceived(value)}`);
}

function externalBuffer(
  site: string,
  p: unknown,
  byteOffset: unknown,
  byteLength: unknown,
  deallocatorContext: unknown,
  deallocator: unknown,
): ArrayBuffer {
  const address = checkedAddress(p, byteOffset, site);
  const length = rangeLength(byteLength, address, site);
  // bun:ffi: with four arguments the fourth is the deallocator; with five, (context, deallocator).
  const dealloc = deallocator === undefined ? deallocatorContext : deallocator;
  if (dealloc !== undefined && dealloc !== null) {
    const provider = requireDeallocatorProvider(site);
    const context = deallocator === undefined ? null : contextPointer(deallocatorContext, site);
    return provider.externalArrayBuffer(address, length, context, deallocatorPointer(dealloc, site));
  }
  if (length === 0) return new ArrayBuffer(0);
  return koffi.view(address, length);
}

/**
 * A zero-copy ArrayBuffer over native memory at `ptr + byteOffset`. Without `byteLength` it runs to the first NUL.
 * With a deallocator (`void (*)(void *bytes, void *context)`), it is called once when the buffer is collected;
 * that form needs `import "@ffi-kit/memory"`.
 *
 * @example
 * const bytes = new Uint8Array(toArrayBuffer(p, 0, 32));
 */
export function toArrayBuffer(
  ptr: Pointer | number | bigint,
  byteOffset?: number,
  byteLength?: number,
  deallocatorContext?: Pointer | number | bigint | null,
  deallocator?: Pointer | number | bigint | null,
): ArrayBuffer {
  return externalBuffer("toArrayBuffer()", ptr, byteOffset, byteLength, deallocatorContext, deallocator);
}

/**
 * Like {@link toArrayBuffer}, as a Node `Buffer` (still zero-copy).
 *
 * @example
 * const text = toBuffer(p, 0, n).toString("utf8");
 */
export function toBuffer(
  ptr: Pointer | number | bigint,
  byteOffset?: number,
  byteLength?: number,
  deallocatorContext?: Pointer | number | bigint | null,
  deallocator?: Pointer | number | bigint | null,
): Buffer {
  const ab = externalBuffer("toBuffer()", ptr, byteOffset, byteLength, deallocatorContext, deallocator);
  return Buffer.from(ab, 0, ab.byteLength);
}
