/**
 * The native-deallocator path: core's `toArrayBuffer(ptr, byteOffset, byteLength, context, deallocator)` and
 * `toBuffer(...)` call this provider once @ffi-kit/memory is imported. The buffer is an external ArrayBuffer whose
 * finalizer calls `deallocator(bytes, context)` on the JS thread, exactly once; `dispose()` and process exit can
 * call it earlier, and then the finalizer does nothing.
 *
 * If the buffer cannot be made (a length the runtime cannot create, memory already owned, an invalid deallocator),
 * this throws and the deallocator is not called: the memory still belongs to the caller.
 */
import type { DeallocatorProvider } from "@ffi-kit/core/extension";
import { checkedAddress } from "@ffi-kit/core/internal";
import { checkNotOwned, newAllocation } from "./allocation.js";
import { adopt } from "./buffer-mode.js";
import { checkedByteLength, checkedContext, checkedFunctionPointer } from "./owned.js";

/** The provider registered with core. Core validated the arguments; they are checked again here, cheaply. */
export const deallocatorProvider: DeallocatorProvider = {
  externalArrayBuffer(address, byteLength, context, deallocator) {
    const site = "toArrayBuffer()";
    checkedAddress(address, 0, site);
    const length = checkedByteLength(byteLength, address, site, "byteLength");
    const allocation = newAllocation(address, length, {
      kind: "deallocator",
      free: checkedFunctionPointer(deallocator, site, "the deallocator"),
      context: checkedContext(context, site, "deallocatorContext"),
    });
    checkNotOwned(address, site);
    return adopt(allocation, site);
  },
};
