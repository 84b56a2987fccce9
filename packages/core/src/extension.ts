/**
 * `@ffi-kit/core/extension`: the one seam through which packages extend core. @ffi-kit/memory registers a
 * deallocator provider and a view check; @ffi-kit/callbacks registers threadsafe callbacks and its
 * `ThreadsafeCallback` as an address carrier. Core never imports them; without them, the features that need them
 * throw `ERR_FFI_EXTENSION_REQUIRED` naming the package to import.
 *
 * @example
 * import { registerExtension } from "@ffi-kit/core/extension";
 * registerExtension({ name: "@ffi-kit/memory", deallocator, checkView });
 */
export {
  registerExtension,
  type Extension,
  type AddressCarrier,
  type DeallocatorProvider,
  type ThreadsafeCallbackFactory,
  type ThreadsafeCallbackHandle,
  type CallbackSignature,
  type ViewCheck,
} from "./extension-registry.js";
