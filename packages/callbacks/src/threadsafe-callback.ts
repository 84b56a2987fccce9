import { FFIError, FFIType, JSCallback, type FFITypeOrString, type Pointer } from "@ffi-kit/core";
import {
  describeReceived,
  invalidArgType,
  invalidArgValue,
  outOfRange,
  planArgument,
  registerAddressCarrier,
  resolveSignature,
  zeroValue,
} from "@ffi-kit/core/internal";
import { compileDelivery, type Delivery } from "./delivery.js";
import { native, type NativeHandle } from "./native-addon.js";

/**
 * What a producing thread does when the queue is full.
 * - `"block"` (default): waits until the JS thread made room. Lossless.
 * - `"drop"`: the call is discarded and counted in `stats().dropped`; it returns the zero value at once.
 * - `"fail"`: the call is discarded, counted in `stats().failed`, returns the zero value at once and sets the calling
 *   thread's `errno` to `EAGAIN`, so C code can tell and retry.
 */
export type Backpressure = "block" | "drop" | "fail";

/** What `close()` does with calls already queued: deliver them (default) or discard them. */
export type PendingCalls = "drain" | "discard";

/** Options of a {@link ThreadsafeCallback}. `args`/`returns` are those of `JSCallback`. */
export interface ThreadsafeCallbackOptions {
  readonly args?: readonly FFITypeOrString[];
  readonly returns?: FFITypeOrString;
  /** Calls the queue holds (2 to 67,108,864; default 16,384). Each takes 16 bytes + 8 per argument. */
  readonly capacity?: number;
  /** What a producer does when the queue is full (default `"block"`). */
  readonly backpressure?: Backpressure;
  /** Receives what the function throws; without it the error is rethrown as an `uncaughtException`. */
  readonly onError?: (error: unknown) => void;
  /** Whether the open callback keeps the event loop alive (default `true`; see `ref()`/`unref()`). */
  readonly ref?: boolean;
  /** Accepted for `JSCallbackOptions` compatibility; a ThreadsafeCallback is always threadsafe. */
  readonly threadsafe?: boolean;
}

/** Counters of a {@link ThreadsafeCallback}. */
export interface CallbackStats {
  /** Calls handed to the JS function. */
  readonly delivered: number;
  /** Calls discarded because the queue was full (`backpressure: "drop"`). */
  readonly dropped: number;
  /** Calls refused because the queue was full (`backpressure: "fail"`). */
  readonly failed: number;
  /** Calls that arrived after `close()` (they returned the zero value). */
  readonly rejectedAfterClose: number;
  /** Queued calls thrown away by `close({ pending: "discard" })` or by the environment shutting down. */
  readonly discarded: number;
  /** Most calls waiting in the queue at once, as seen at the start of each batch. */
  readonly highWaterMark: number;
  /** Batches drained (each is one native call from the JS thread). */
  readonly batches: number;
  /** Calls queued right now. */
  readonly pending: number;
  /** Errors thrown by the JS function. */
  readonly errors: number;
}

const POLICIES: Readonly<Record<string, number>> = Object.freeze({ block: 0, drop: 1, fail: 2 });
const MAX_CAPACITY = 1 << 26;
/** The most memory one queue may take (capacity × (16 + 8 × arguments) bytes). */
const MAX_QUEUE_BYTES = 2 ** 30;
const DEFAULT_CAPACITY = 1 << 14;

function rethrowLater(e: unknown): void {
  process.nextTick(() => {
    throw e;
  });
}

/**
 * A C function pointer that any native thread may call at any rate; calls reach a JavaScript function on the thread
 * that created it, in order per calling thread. Void calls are queued and return at once; non-void calls wait for
 * the function's result (and run synchronously when made on the JS thread itself).
 *
 * @example
 * const cb = new ThreadsafeCallback((id, i) => seen.push(i), { args: ["i32", "i32"], returns: "void" });
 * lib.symbols.start_workers(cb.ptr);
 * // ...later
 * await cb.close(); // stop accepting, deliver what is queued
 */
export class ThreadsafeCallback {
  /** Always `true`. */
  readonly threadsafe = true;
  /** Calls the queue holds. */
  readonly capacity: number;
  /** What producers do when the queue is full. */
  readonly backpressure: Backpressure;
  #ptr: Pointer | null;
  #handle: NativeHandle;
  #slot: number;
  #generation: number;
  #delivery: Delivery;
  #counts = { delivered: 0, batches: 0, errors: 0 };
  #native = new Float64Array(6);
  #rejected = 0;
  #closed = false;
  #finished = false;
  #finishedPromise: Promise<void>;
  #resolveFinished!: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #entries: JSCallback[] = [];

  constructor(callback: (...args: any[]) => unknown, options: ThreadsafeCallbackOptions = {}) {
    if (typeof callback !== "function") {
      throw invalidArgType(`Expected callback function. Received ${describeReceived(callback)}`);
    }
    if (options === null || typeof options !== "object") {
      throw invalidArgType(`new ThreadsafeCallback(): options must be an object. Received ${describeReceived(options)}`);
    }
    const sig = resolveSignature(options, "new ThreadsafeCallback()", true);
    const { capacity = DEFAULT_CAPACITY, backpressure = "block", onError, ref = true } = options;
    if (typeof capacity !== "number") {
      throw invalidArgType(`new ThreadsafeCallback(): options.capacity must be a number. Received ${describeReceived(capacity)}`);
    }
    if (!Number.isInteger(capacity) || capacity < 2 || capacity > MAX_CAPACITY) {
      throw outOfRange(`new ThreadsafeCallback(): options.capacity must be an integer from 2 to ${MAX_CAPACITY}. Received ${describeReceived(capacity)}`);
    }
    const queueBytes = capacity * (16 + 8 * sig.args.length);
    if (queueBytes > MAX_QUEUE_BYTES) {
      throw outOfRange(
        `new ThreadsafeCallback(): options.capacity ${capacity} with ${sig.args.length} arguments needs ${queueBytes} bytes of queue; at most ${MAX_QUEUE_BYTES} (1 GiB) are allowed`,
      );
    }
    if (typeof backpressure !== "string" || !Object.hasOwn(POLICIES, backpressure)) {
      throw invalidArgValue(
        `new ThreadsafeCallback(): options.backpressure must be "block", "drop" or "fail". Received ${describeReceived(backpressure)}`,
      );
    }
    if (onError !== undefined && typeof onError !== "function") {
      throw invalidArgType(`new ThreadsafeCallback(): options.onError must be a function. Received ${describeReceived(onError)}`);
    }
    if (!native.supported) {
      throw new FFIError("ERR_FFI_UNSUPPORTED_PLATFORM", `new ThreadsafeCallback(): not supported on ${process.platform}-${process.arch}`);
    }
    if (!fitsTrampoline(sig.args)) {
      throw new FFIError(
        "ERR_FFI_UNSUPPORTED_TYPE",
        `new ThreadsafeCallback(): too many arguments (${sig.args.length}); at most ${native.gpRegisters} integer/pointer and ` +
          `${native.fpRegisters} floating-point arguments in registers, plus ${native.stackSlots} more of either kind on the stack`,
      );
    }
    this.capacity = capacity;
    this.backpressure = backpressure as Backpressure;
    this.#finishedPromise = new Promise((resolve) => (this.#resolveFinished = resolve));
    const report = onError === undefined ? rethrowLater : (e: unknown) => {
      try {
        onError(e);
      } catch (again) {
        rethrowLater(again);
      }
    };
    const delivery = compileDelivery(
      callback as (...args: unknown[]) => unknown,
      sig.args,
      sig.returns,
      {
        error: report,
        again: (delay) => {
          if (delay === 0) setImmediate(delivery.pump);
          else if (this.#timer === undefined) {
            this.#timer = setTimeout(() => {
              this.#timer = undefined;
              delivery.pump();
            }, delay);
          }
        },
        finished: () => this.#finish(),
        counts: this.#counts,
      },
      native.drain as (h: unknown, maySleep: boolean) => number,
      native.reply as (h: unknown, i: number) => void,
    );
    // JS-thread entry points, through koffi (it knows how to return to V8's stack from inside a koffi call).
    const pumpEntry = new JSCallback(delivery.pump, { args: [], returns: "void" });
    let syncEntry: JSCallback | undefined;
    if (sig.returns !== FFIType.void) {
      const check = planArgument(sig.returns, "threadsafe callback return value").slow ?? ((x: unknown) => x);
      const zero = zeroValue(sig.returns);
      const counts = this.#counts;
      syncEntry = new JSCallback(
        (...a: unknown[]) => {
          try {
            const r = callback(...a);
            check(r);
            return r;
          } catch (e) {
            counts.errors++;
            report(e);
            return zero;
          }
        },
        { args: sig.args as never, returns: sig.returns as never },
      );
    }
    this.#entries = syncEntry ? [pumpEntry, syncEntry] : [pumpEntry];
    let created;
    try {
      created = native.create(sig.args, sig.returns, capacity, POLICIES[backpressure]!, delivery.pump, pumpEntry.ptr as number, (syncEntry?.ptr as number) ?? 0);
    } catch (e) {
      for (const entry of this.#entries) entry.close();
      if ((e as { code?: string }).code === "ERR_FFI_CALLBACK_LIMIT") {
        throw new FFIError(
          "ERR_FFI_CALLBACK_LIMIT",
          `new ThreadsafeCallback(): ${native.poolSize} threadsafe callbacks are open at once, the pool's size; close() the ones you no longer need`,
        );
      }
      throw new FFIError("ERR_FFI_CALLBACK_CREATE", `new ThreadsafeCallback(): ${(e as Error)?.message ?? String(e)}`, { cause: e });
    }
    delivery.bind(created.handle, created.batch, created.stride);
    this.#delivery = delivery;
    this.#handle = created.handle;
    this.#slot = created.slot;
    this.#generation = created.generation;
    this.#ptr = created.ptr as Pointer;
    if (!ref) native.setRef(this.#handle, false);
  }

  /** The C function pointer; `null` once closed (calls through the old pointer return the zero value). */
  get ptr(): Pointer | null {
    return this.#ptr;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Keeps the event loop alive while the callback is open (the default). Returns `this`. */
  ref(): this {
    if (!this.#finished) native.setRef(this.#handle, true);
    return this;
  }

  /** Lets the process exit while the callback is open; calls still queued at exit are discarded. Returns `this`. */
  unref(): this {
    if (!this.#finished) native.setRef(this.#handle, false);
    return this;
  }

  /**
   * Stops accepting calls (`ptr` becomes `null`; later calls return the zero value and are counted), then delivers
   * what is queued (`pending: "drain"`, the default) or discards it. The promise resolves once nothing is left.
   * Idempotent; safe while native threads are still calling.
   */
  close(options: { readonly pending?: PendingCalls } = {}): Promise<void> {
    if (options === null || typeof options !== "object") {
      throw invalidArgType(`ThreadsafeCallback.close(): options must be an object. Received ${describeReceived(options)}`);
    }
    const { pending = "drain" } = options;
    if (pending !== "drain" && pending !== "discard") {
      throw invalidArgValue(`ThreadsafeCallback.close(): options.pending must be "drain" or "discard". Received ${describeReceived(pending)}`);
    }
    if (this.#finished) return this.#finishedPromise;
    this.#closed = true;
    this.#ptr = null;
    if (pending === "discard") {
      const from = this.#delivery.skipRest();
      if (native.close(this.#handle, true, from)) this.#finish();
    } else {
      native.close(this.#handle, false, 0);
      setImmediate(this.#delivery.pump);
    }
    return this.#finishedPromise;
  }

  /** A snapshot of the counters. */
  stats(): CallbackStats {
    if (!this.#finished) native.stats(this.#handle, this.#native);
    const r = native.rejected(this.#slot, this.#generation);
    if (r >= 0) this.#rejected = r;
    const s = this.#native;
    return {
      delivered: this.#counts.delivered,
      dropped: s[0]!,
      failed: s[1]!,
      rejectedAfterClose: this.#rejected,
      discarded: s[2]!,
      highWaterMark: s[3]!,
      batches: this.#counts.batches,
      pending: this.#finished ? 0 : s[5]!,
      errors: this.#counts.errors,
    };
  }

  /** `using cb = new ThreadsafeCallback(...)` closes it (draining) at the end of the block. */
  [Symbol.dispose](): void {
    void this.close();
  }

  #finish(): void {
    if (this.#finished) return;
    native.stats(this.#handle, this.#native);
    this.#finished = true;
    this.#closed = true;
    this.#ptr = null;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const entry of this.#entries) entry.close();
    this.#resolveFinished();
  }
}

/** Whether a signature's arguments fit the trampolines' registers and stack slots (the addon's own counts). */
export function fitsTrampoline(args: readonly number[]): boolean {
  const { gpRegisters, fpRegisters, stackSlots } = native;
  let gp = 0;
  let fp = 0;
  let stack = 0;
  for (const t of args) {
    if (t === FFIType.f32 || t === FFIType.f64) {
      if (fp < fpRegisters) fp++;
      else stack++;
    } else if (gp < gpRegisters) gp++;
    else stack++;
  }
  return stack <= stackSlots;
}

registerAddressCarrier(
  (v) => v instanceof ThreadsafeCallback,
  (v) => {
    const cb = v as ThreadsafeCallback;
    if (cb.ptr === null) throw new FFIError("ERR_FFI_CALLBACK_CLOSED", "This ThreadsafeCallback is closed: it cannot be passed to native code");
    return cb.ptr;
  },
);
