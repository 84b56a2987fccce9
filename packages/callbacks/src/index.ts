/**
 * @ffi-kit/callbacks: threadsafe JSCallback queues that native threads can flood without losing a call.
 * Importing it also makes `new JSCallback(fn, { threadsafe: true })` of @ffi-kit/core use these queues.
 *
 * @example
 * import { ThreadsafeCallback } from "@ffi-kit/callbacks";
 * const cb = new ThreadsafeCallback((id, i) => total += i, { args: ["i32", "i32"], returns: "void" });
 * lib.symbols.start_workers(cb.ptr);
 */
import "./register.js";
export {
  ThreadsafeCallback,
  type ThreadsafeCallbackOptions,
  type Backpressure,
  type PendingCalls,
  type CallbackStats,
} from "./threadsafe-callback.js";
export { deliverySource } from "./delivery.js";
