/**
 * What JS callbacks are doing right now, shared by the generated callback invokers and call wrappers.
 *
 * An exception thrown by a JS callback must not reach koffi: for 64-bit and pointer results koffi then hands C an
 * uninitialised return value (memcheck shows it). The invoker catches it, gives C the zero value of the return
 * type, and records it here; the wrapper of the native call that is running rethrows it as soon as C returns. A
 * callback called when no wrapped call is running (from an event loop of the library's own, or a foreign thread)
 * has its error rethrown on the next turn of the event loop, as an uncaught exception, unless `adopter` (the
 * nonblocking calls, see nonblocking.ts) takes it: then the Promise of a nonblocking call rejects with it.
 */
export const callbackActivity = {
  /** JS callbacks running now, with native frames below them (a library must not be unloaded then). */
  depth: 0,
  /** Whether a callback threw and the error is not delivered yet. */
  failed: false,
  error: undefined as unknown,
  /** What `adopter.mark()` returned when the error was recorded. */
  mark: -1,
  /**
   * Takes an error that no blocking call claimed: `mark()` runs when a callback throws, `adopt()` (later, with
   * nothing but the event loop below) returns whether it took the error.
   */
  adopter: undefined as undefined | { mark(): number; adopt(error: unknown, mark: number): boolean },
  /** Records the first error of a callback; later ones during the same native call are dropped. */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error;
    this.mark = this.adopter === undefined ? -1 : this.adopter.mark();
    setImmediate(deliverIfPending);
  },
  /** Clears the recorded error and returns it. */
  take(): unknown {
    const error = this.error;
    this.failed = false;
    this.error = undefined;
    return error;
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
  if (!callbackActivity.failed) return;
  const { adopter, error, mark } = callbackActivity;
  if (adopter !== undefined && adopter.adopt(error, mark)) callbackActivity.take();
  else callbackActivity.rethrow();
}
