/**
 * Registers this package with @ffi-kit/core when imported: `new JSCallback(fn, { threadsafe: true })` then runs
 * through a {@link ThreadsafeCallback} with the default options (block when full, drain on close), except that it
 * does not keep the process alive (`ref: false`), like core's own threadsafe JSCallback and Bun's: a JSCallback has
 * no `ref()`, and a process must not hang on a callback nobody closed.
 */
import { registerExtension } from "@ffi-kit/core";
import { native } from "./native-addon.js";
import { ThreadsafeCallback, fitsTrampoline } from "./threadsafe-callback.js";

registerExtension({
  name: "@ffi-kit/callbacks",
  threadsafeCallbacks: {
    create(fn, signature) {
      // Signatures the trampolines cannot take fall back to core's own (koffi) callback.
      if (!native.supported || !fitsTrampoline(signature.args)) return undefined;
      const cb = new ThreadsafeCallback(fn, { args: signature.args as never, returns: signature.returns as never, ref: false });
      return {
        ptr: cb.ptr as number,
        close: () => void cb.close(),
      };
    },
  },
});
