import { koffi, pointerTo, prototype } from "./koffi-engine.js";
import { FFIError, describeReceived, invalidArgType, startStackAt } from "./errors.js";
import { callbackActivity } from "./callback-activity.js";
import { FFIType } from "./ffi-type.js";
import { resolveSignature, type Signature } from "./signature.js";
import { koffiTypesForCallback } from "./koffi-types.js";
import { zeroValue } from "./converters.js";
import { planArgument, planCallbackArgument } from "./conversion-codegen.js";
import { compileUnit, mergeBindings, type Unit } from "./codegen.js";
import { registerExtension, threadsafeCallbackFactory } from "./extension-registry.js";
import { armExitGuard } from "./exit-guard.js";
import { closeThunk, openThunk, recountCallback, thunkStats } from "./fast-engine.js";
import type { FFITypeOrString } from "./ffi-type.js";
import type { JSCallbackFunction, JSCallbackOptions } from "./signature-types.js";
import type { Pointer } from "./pointer-types.js";

export { callbackActivity } from "./callback-activity.js";

/** koffi's hard limit on callbacks registered at once. */
const KOFFI_MAX_CALLBACKS = 8192;
/** From this many registered trampolines on, closed ones are reused (same signature) rather than new ones made. */
const RECYCLE_FROM = 4096;
/** From this many on, the oldest closed trampoline of any signature is unregistered to make room. */
const EVICT_FROM = KOFFI_MAX_CALLBACKS - 64;

/**
 * A koffi-registered native entry point. Its dispatcher calls `target`, which is the JS invoker while the
 * JSCallback is open and a stub returning the zero value after `close()`: an old pointer called from C after
 * close never reaches freed state and never crashes. Closed trampolines are kept (so old pointers stay safe)
 * and reused only under pressure (see RECYCLE_FROM).
 *
 * With the fast engine loaded, C does not get the trampoline's address but a thunk's (see fast-engine.ts), which
 * jumps to the trampoline while the callback is open and to a native zero stub once it is closed: the old pointer
 * then runs no JavaScript, and the trampoline no longer counts as a registered callback (`counted`). A thread
 * that was already inside the trampoline when it closed still gets the zero value from `target`.
 */
interface Trampoline {
  readonly key: string;
  readonly handle: bigint;
  readonly address: number;
  target: (...args: unknown[]) => unknown;
  /** Whether the fast engine counts this registration (C can reach the trampoline: it has no closed thunk). */
  counted: boolean;
}

let registeredCount = 0;
const closedTrampolines: Trampoline[] = [];

function dispatcherFor(arity: number): (t: Trampoline) => (...args: unknown[]) => unknown {
  const params = Array.from({ length: arity }, (_, i) => `a${i}`).join(", ");
  return (t) =>
    compileUnit({
      library: "JSCallback",
      symbol: `dispatch${arity}`,
      kind: "function",
      text: `function dispatch(${params}) {\n  return T.target(${params});\n}`,
      bindings: { T: t },
    });
}
const dispatchers = new Map<number, (t: Trampoline) => (...args: unknown[]) => unknown>();

function acquireTrampoline(sig: Signature, target: (...args: unknown[]) => unknown): Trampoline {
  const { ret, args } = koffiTypesForCallback(sig);
  const key = `${ret}(${args.join(",")})`;
  if (registeredCount >= RECYCLE_FROM) {
    const i = closedTrampolines.findIndex((t) => t.key === key);
    if (i >= 0) {
      const t = closedTrampolines.splice(i, 1)[0]!;
      t.target = target;
      if (!t.counted) {
        recountCallback();
        t.counted = true;
      }
      return t;
    }
  }
  if (registeredCount >= EVICT_FROM && closedTrampolines.length > 0) {
    const old = closedTrampolines.shift()!;
    if (!old.counted) recountCallback(); // koffi.unregister lowers the count (see fast-engine.ts)
    koffi.unregister(old.handle);
    registeredCount--;
  }
  if (registeredCount >= KOFFI_MAX_CALLBACKS) {
    throw new FFIError(
      "ERR_FFI_CALLBACK_LIMIT",
      `new JSCallback(): ${KOFFI_MAX_CALLBACKS} callbacks are open at once, koffi's limit; close() the ones you no longer need`,
    );
  }
  let make = dispatchers.get(sig.args.length);
  if (make === undefined) dispatchers.set(sig.args.length, (make = dispatcherFor(sig.args.length)));
  const record = { key, target, counted: true } as { key: string; target: Trampoline["target"]; counted: boolean; handle: bigint; address: number };
  record.handle = koffi.register(make(record as Trampoline), pointerTo(prototype(ret, args)));
  record.address = Number(record.handle);
  registeredCount++;
  return record as Trampoline;
}

/**
 * Points a closed callback's trampoline at the zero-value stub. When `close()` runs inside a JS callback (native
 * frames below it, e.g. a qsort comparator closing itself), the native call still running may call it again, as
 * Bun allows: the trampoline keeps calling the JS function until no callback is running, then is released.
 */
function releaseTrampoline(t: Trampoline, zero: unknown, thunk: number | undefined): void {
  if (callbackActivity.depth > 0) {
    setImmediate(() => releaseTrampoline(t, zero, thunk));
    return;
  }
  t.target = () => zero;
  if (thunk !== undefined && closeThunk(thunk)) t.counted = false;
  closedTrampolines.push(t);
}

/**
 * The unit of the function koffi calls for a callback: converts C values for JS, calls the user's function `FN`,
 * converts its result back. `fn` may be `null` when only the text is wanted.
 */
export function invokerUnit(sig: Signature, fn: unknown): Unit {
  const params = Array.from({ length: sig.args.length }, (_, i) => `a${i}`);
  const args = sig.args.map((t, i) => planCallbackArgument(t, `a${i}`));
  const ret = sig.returns === FFIType.void ? null : planArgument(returnPlanType(sig.returns), "JSCallback return value", "r", "S");
  const call = `FN(${args.map((a) => a.expression).join(", ")})`;
  const result = ret === null ? `    ${call};\n` : `    const r = ${call};\n    return ${ret.expression};\n`;
  // An exception never reaches koffi (it would give C an uninitialised result): C gets Z, the zero value.
  const text = `function invoke(${params.join(", ")}) {\n  D.depth++;\n  try {\n${result}  } catch (e) {\n    D.fail(e);\n    return Z;\n  } finally {\n    D.depth--;\n  }\n}`;
  const bindings = mergeBindings({ FN: fn, D: callbackActivity, Z: zeroValue(sig.returns) }, ...args.map((a) => a.bindings), ret?.bindings ?? {});
  return { library: "JSCallback", symbol: "invoke", kind: "function", text, bindings };
}

/** The JS source of the function koffi calls for a callback of this signature (what `viewSource(decl, true)` shows). */
export function invokerSource(sig: Signature): string {
  return invokerUnit(sig, null).text;
}

/**
 * How a callback's return value is converted. A `cstring` return is converted as a pointer: a JS string would
 * become a temporary C string that is freed before C could read it.
 */
function returnPlanType(type: number): number {
  return type === FFIType.cstring ? FFIType.ptr : type;
}

function compileInvoker(fn: (...args: unknown[]) => unknown, sig: Signature): (...args: unknown[]) => unknown {
  return compileUnit(invokerUnit(sig, fn));
}

/**
 * A JavaScript function that native code can call through a C function pointer.
 *
 * @example
 * const cb = new JSCallback((a, b) => a - b, { args: ["i32", "i32"], returns: "i32" });
 * lib.symbols.qsort_ints(data, n, cb);   // or cb.ptr, slightly faster
 * cb.close();
 */
export class JSCallback<
  const A extends readonly FFITypeOrString[] = readonly FFITypeOrString[],
  const R extends FFITypeOrString = FFITypeOrString,
> {
  /** The C function pointer; `null` once closed. */
  readonly ptr: Pointer | null;
  /** Whether native threads other than the JS thread may call it. */
  readonly threadsafe: boolean;
  #trampoline: Trampoline | undefined;
  /** The thunk that is `ptr` (fast engine loaded), or undefined when `ptr` is the trampoline's own address. */
  #thunk: number | undefined;
  #handle: { close(): void } | undefined;
  #zero: unknown;

  /**
   * @param callback called with the C arguments converted for JS (unannotated parameters get the declared
   * types); its result is converted to the return type
   * @param options `{ args, returns, threadsafe }`, as `bun:ffi` takes them
   */
  constructor(callback: JSCallbackFunction<A, R>, options: JSCallbackOptions<A, R>);
  /** Parameters annotated more loosely than declared (`(a: number) => ...` for a `"ptr"`, as bun:ffi's examples do). */
  constructor(callback: (...args: any[]) => unknown, options: JSCallbackOptions<A, R>);
  constructor(callback: (...args: any[]) => unknown, options: JSCallbackOptions<A, R>) {
    let sig: Signature;
    try {
      if (typeof callback !== "function") {
        throw invalidArgType(`Expected callback function. Received ${describeReceived(callback)}`);
      }
      if (options === null || typeof options !== "object") {
        // Bun's wordings ("Expected object", "Expected an object"), which its users and tests match on.
        throw invalidArgType(
          `new JSCallback(): Expected object as argument 2 (options). Expected an object like { args: [...], returns: "void" }. Received ${describeReceived(options)}`,
        );
      }
      sig = resolveSignature(options, "new JSCallback()", true);
    } catch (e) {
      throw startStackAt(e, JSCallback);
    }
    this.threadsafe = options.threadsafe === true;
    this.#zero = zeroValue(sig.returns);
    const factory = this.threadsafe ? threadsafeCallbackFactory() : undefined;
    const handle = factory?.create(callback as (...args: unknown[]) => unknown, sig);
    if (handle !== undefined) {
      this.#handle = handle;
      this.ptr = handle.ptr as Pointer;
      return;
    }
    // koffi delivers threadsafe calls through an N-API threadsafe function: see exit-guard.ts for exit.
    if (this.threadsafe) armExitGuard();
    this.#trampoline = acquireTrampoline(sig, compileInvoker(callback as (...args: unknown[]) => unknown, sig));
    this.#thunk = openThunk(this.#trampoline.address);
    this.ptr = (this.#thunk ?? this.#trampoline.address) as Pointer;
  }

  /** Stops the callback: `ptr` becomes `null`; native calls through the old pointer return the zero value. Idempotent. */
  close(): void {
    if (this.ptr === null) return;
    (this as { ptr: Pointer | null }).ptr = null;
    if (this.#trampoline !== undefined) {
      releaseTrampoline(this.#trampoline, this.#zero, this.#thunk);
      this.#trampoline = undefined;
      this.#thunk = undefined;
    } else if (this.#handle !== undefined) {
      const h = this.#handle;
      this.#handle = undefined;
      h.close();
    }
  }

  /** `using cb = new JSCallback(...)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

registerExtension({
  name: "@ffi-kit/core",
  addressCarriers: [
    {
      is: (v) => v instanceof JSCallback,
      addressOf(v) {
        const cb = v as JSCallback;
        if (cb.ptr === null) throw new FFIError("ERR_FFI_CALLBACK_CLOSED", "This JSCallback is closed: it cannot be passed to native code");
        return cb.ptr;
      },
    },
  ],
});

/**
 * Registered koffi trampolines (open, and closed ones kept), and the callback thunks of the fast engine: handed
 * out in this process so far, and the table's size (a closed thunk is never reused; once all are used, a new
 * JSCallback's pointer is its koffi trampoline's, and it keeps calls on koffi while registered, closed or not).
 * For diagnostics and tests.
 */
export function callbackStats(): { registered: number; closedKept: number; thunks: { used: number; size: number } } {
  return { registered: registeredCount, closedKept: closedTrampolines.length, thunks: thunkStats() };
}
