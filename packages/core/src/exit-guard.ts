/**
 * Exit with native threads still calling: koffi's threadsafe callbacks (a `JSCallback({ threadsafe: true })`
 * without @ffi-kit/callbacks) are N-API threadsafe functions. When Node tears its environment down at exit, a
 * foreign thread that calls one finds it freed and the process aborts (`uv_mutex_lock`) or crashes, and koffi's
 * exit hook unloads libraries under threads still running their code.
 *
 * Once such a callback exists, ffi-kit therefore:
 * - never unmaps a library: `lib.close()` stops calls from JavaScript, but the code stays mapped until the
 *   process is gone, so a native thread never returns into unmapped memory;
 * - ends the main thread's process with `_exit(code)` at the end of its `exit` event (after every other `exit`
 *   listener has run), before Node's native teardown: the threads stop with the process. stdout and stderr are
 *   written synchronously to files and pipes on POSIX, so nothing printed is lost; native cleanup hooks of other
 *   addons do not run.
 *
 * In a worker thread the process cannot be ended for it: a worker must join its native threads before it ends.
 */
import { isMainThread } from "node:worker_threads";
import { koffi } from "./koffi-engine.js";

let armed = false;
let nativeExit: ((code: number) => void) | undefined;

/** True once a koffi threadsafe callback has been created: libraries are then never unmapped. */
export function nativeThreadsMayCall(): boolean {
  return armed;
}

/** Called when core creates a koffi threadsafe callback. */
export function armExitGuard(): void {
  if (armed) return;
  armed = true;
  if (!isMainThread || process.platform === "win32") return;
  try {
    nativeExit = koffi.load(null).func("_exit", "void", ["int"]) as (code: number) => void;
  } catch {
    return; // no _exit to call: exit as Node does
  }
  process.on("exit", exitBeforeTeardown);
}

function exitBeforeTeardown(this: unknown, code: number): void {
  // Run the listeners registered after this one first, as Node would have.
  const listeners = process.listeners("exit");
  for (const listener of listeners.slice(listeners.indexOf(exitBeforeTeardown) + 1)) {
    (listener as (code: number) => void).call(process, code);
  }
  const final = process.exitCode;
  nativeExit!(typeof final === "number" ? final : typeof final === "string" ? Number(final) | 0 : code);
}
