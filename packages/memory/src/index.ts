/**
 * @ffi-kit/memory: native memory that cannot leak, double-free or be used after free.
 *
 * Importing it registers the native deallocator with @ffi-kit/core, so bun:ffi's 5-argument
 * `toArrayBuffer(ptr, byteOffset, byteLength, deallocatorContext, deallocator)` works unchanged.
 *
 * @example
 * import { dlopen } from "@ffi-kit/core";
 * import { own } from "@ffi-kit/memory";
 * using bytes = own(lib.symbols.make_blob(64), 64, lib.symbols.free_blob);
 */
import { registerExtension } from "@ffi-kit/core/extension";
import { releaseAllAtExit, tracking } from "./allocation.js";
import { deallocatorProvider } from "./native-deallocator.js";
import { exitReport } from "./leak-tracking.js";
import { isFreed, isOwned, liveAllocation } from "./owned.js";

export { own, dispose, isOwned, isFreed, addressOf } from "./owned.js";
export type { FreeFunction, OwnOptions, OwnedView, ViewKind, ViewConstructor } from "./owned.js";
export { MemoryScope, withScope } from "./scope.js";
export { readOwned } from "./read-owned.js";
export {
  memoryStats,
  leaks,
  assertNoLeaks,
  trackLeaks,
  isTrackingLeaks,
  leakCheckpoint,
  type MemoryStats,
  type LeakInfo,
  type LeakCheckpoint,
} from "./leak-tracking.js";
export { setBufferMode, bufferMode, externalBuffersAllowed, type BufferMode } from "./buffer-mode.js";
export type { NativeDeallocatorStats } from "./native-addon.js";

// Core asks before an empty (freed = detached) view reaches native code or ptr(): a freed owned view is refused
// with ERR_FFI_USE_AFTER_FREE instead of reaching C as NULL.
registerExtension({
  name: "@ffi-kit/memory",
  deallocator: deallocatorProvider,
  checkView(view, site) {
    if (isOwned(view) && isFreed(view)) liveAllocation(view, site);
  },
});

const trackFromEnv = process.env.FFI_KIT_TRACK_LEAKS;
if (trackFromEnv !== undefined && trackFromEnv !== "" && trackFromEnv !== "0") tracking.enabled = true;

// Whatever is still live at exit is freed once, here (see releaseAllAtExit).
process.on("exit", () => {
  const report = exitReport();
  if (report !== undefined) process.stderr.write(`${report}\n`);
  releaseAllAtExit();
});
