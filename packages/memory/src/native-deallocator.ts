/**
 * The native-deallocator path: core's `toArrayBuffer(ptr, byteOffset, byteLength, context, deallocator)` and
 * `toBuffer(...)` call this provider once @ffi-kit/memory is imported. The buffer is an external ArrayBuffer whose
 * finalizer calls `deallocator(bytes, context)` on the JS thread, exactly once; `dispose()` and process exit can
 * call it earlier, and then the finalizer does nothing.
 */
import type { DeallocatorProvider } from "@ffi-kit/core/extension";
import { Allocation, FreeKind, State, link, release, stamp, takeId, watch } from "./allocation.js";
import { copying, externalRefused } from "./buffer-mode.js";
import { native } from "./native-addon.js";

function copied(address: number, byteLength: number, context: number | bigint | null, deallocator: number | bigint): ArrayBuffer {
  const buffer = native.copyAndDeallocate(address, byteLength, context, deallocator);
  const record = new Allocation(takeId(), address, byteLength, FreeKind.Deallocator, deallocator, context);
  link(record);
  stamp(buffer, record);
  // Counts the copy; native.release(id) finds no entry for it and frees nothing more.
  release(record, State.Copied, undefined);
  return buffer;
}

/** The provider registered with core. Arguments arrive validated by core. */
export const deallocatorProvider: DeallocatorProvider = {
  externalArrayBuffer(address, byteLength, context, deallocator) {
    if (copying) return copied(address, byteLength, context, deallocator);
    const id = takeId();
    const buffer = native.withDeallocator(address, byteLength, context, deallocator, id);
    if (buffer === null) {
      externalRefused("toArrayBuffer()");
      return copied(address, byteLength, context, deallocator);
    }
    const record = new Allocation(id, address, byteLength, FreeKind.Deallocator, deallocator, context);
    link(record);
    stamp(buffer, record);
      watch(buffer, record);
    return buffer;
  },
};
