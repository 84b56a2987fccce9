/**
 * What JS callbacks are doing right now, shared by the generated callback invokers and call wrappers.
 *
 * An exception thrown by a JS callback must not reach koffi: for 64-bit and pointer results koffi then hands C an
 * uninitialised return value (memcheck shows it). The invoker catches it, gives C the zero value of the return
 * type, and records it here; the wrapper of the native call that is running rethrows it as soon as C returns.
 *
 * A callback with no JS below it was not called by a native call made from JS: koffi relayed it from another
 * thread (the pool thread of a nonblocking call, or a library's own), or a library's own event loop called it. No
 * wrapper will claim its error, and a wrapper that runs next must not throw it as its own: it goes to `adopter`
 * (the nonblocking calls, see nonblocking.ts), which rejects the Promise of a nonblocking call with it, or, if none
 * takes it, is rethrown on the next turn of the event loop, as an uncaught exception. A recorded error that no
 * wrapper claims (a callback under koffi's bare function, `.native`) is rethrown the same way.
 */
export const callbackActivity = {
  /** JS callbacks running now, with native frames below them (a library must not be unloaded then). */
  depth: 0,
  /** Whether a callback threw and the error is not delivered yet. */
  failed: false,
  error: undefined as unknown,
  /** Takes the error of a callback with no JS below it; returns whether it did. */
  adopter: undefined as undefined | { adopt(error: unknown): boolean },
  /** Records the first error of a callback; later ones during the same native call are dropped. */
  fail(error: unknown): void {
    if (calledFromNative()) {
      if (this.adopter === undefined || !this.adopter.adopt(error)) {
        setImmediate(() => {
          throw error;
        });
      }
      return;
    }
    if (this.failed) return;
    this.failed = true;
    this.error = error;
    setImmediate(deliverIfPending);
  },
  /** Throws the recorded error and clears it. */
  rethrow(): never {
    const error = this.error;
    this.failed = false;
    this.error = undefined;
    throw error;
  },
};

function deliverIfPending(): void {
  if (callbackActivity.failed) callbackActivity.rethrow();
}

const captureStackTrace = Error.captureStackTrace;
/** The JS frames of a callback invocation: this function, `fail`, the invoker, the trampoline's dispatcher. */
const INVOCATION_FRAMES = 4;
const countFrames = (_: Error, frames: readonly unknown[]): number => frames.length;

/**
 * Whether the callback failing now has no JS frames below its dispatcher (run on an error path only). Reads the
 * stack through V8's structured stack trace API, with the user's settings put back after.
 */
function calledFromNative(): boolean {
  const E = Error as unknown as { prepareStackTrace: unknown; stackTraceLimit: number };
  const prepare = E.prepareStackTrace;
  const limit = E.stackTraceLimit;
  try {
    E.prepareStackTrace = countFrames;
    E.stackTraceLimit = INVOCATION_FRAMES + 1;
    const holder: { stack?: unknown } = {};
    captureStackTrace(holder);
    const frames = holder.stack;
    return typeof frames === "number" && frames <= INVOCATION_FRAMES;
  } catch {
    // A frozen or trapped Error: treated as a call from JS, as before this check existed.
    return false;
  } finally {
    try {
      E.prepareStackTrace = prepare;
      E.stackTraceLimit = limit;
    } catch {
      // Nothing was changed if the first assignment failed.
    }
  }
}
