/**
 * Non-blocking calls (`nonblocking: true` on a declaration, Deno's name): the symbol converts its arguments on the
 * JS thread, exactly as a blocking call does (same errors, thrown synchronously), and returns a Promise of the
 * converted result. The call itself runs on libuv's thread pool through koffi's `.async`.
 *
 * koffi throws once 256 async calls are in flight. In front of it sits a queue that waits instead: at most
 * `maxInFlight` calls are handed to koffi at once, the others wait in submission order, each holding only its
 * converted arguments (which keeps views and strings alive until its call completes). `ordered: true` runs the
 * calls of one symbol one at a time, in submission order.
 *
 * A JSCallback that C calls from a pool thread runs on the JS thread (koffi relays it there while the pool thread
 * waits). If it throws, C gets the zero value of its return type (as in a blocking call) and the error rejects the
 * Promise of the nonblocking call, once that call has returned. koffi does not say which pool thread called: the
 * error goes to the first call to complete among those that were running when it was thrown (the calling thread
 * resumes as soon as the callback returns, so that is the call that made the callback, unless another finishes at
 * the same instant).
 */
import { koffi } from "./koffi-engine.js";
import { FFIType } from "./ffi-type.js";
import { compileUnit, identifierFor, mergeBindings, type Unit } from "./codegen.js";
import { conversionMayRunUserCode, planArgument, planReturn, type ArgumentPlan } from "./conversion-codegen.js";
import { generatedGlobals } from "./globals.js";
import { FFIError, describeReceived, invalidArgType, outOfRange, withCode } from "./errors.js";
import { isArrayBuffer, isDetachedBuffer, isView, underlyingBuffer } from "./view-geometry.js";
import type { Guard } from "./library-handle.js";
import type { Signature } from "./signature.js";
import { restacked, takesView, type Entry } from "./call-wrapper.js";
import { callbackActivity } from "./callback-activity.js";

/** koffi's limit of async calls in flight (its default `max_async_calls`). */
export const KOFFI_ASYNC_LIMIT = 256;

/** What keeps a library loaded while its calls wait or run; `closed` tells whether waiting calls are to be rejected. */
export interface NonblockingOwner {
  retain(): void;
  release(): void;
  /** Set by `close({ rejectPending: true })`: calls not started yet reject with `ERR_FFI_LIBRARY_CLOSED`. */
  rejectPending: boolean;
  /** The error for a rejected pending call. */
  closedError(): Error;
}

/** An owner for functions that own no library (CFunction, linkSymbols): nothing to keep loaded. */
export function standaloneOwner(closedError: () => Error): NonblockingOwner {
  return { retain() {}, release() {}, rejectPending: false, closedError };
}

interface Lane {
  busy: boolean;
  readonly waiting: Job[];
}

interface Target {
  /** Calls koffi's `.async` with the converted arguments and the completion callback (generated per arity: no spread). */
  readonly invoke: (args: unknown[], done: (err: unknown, result: unknown) => void) => void;
  readonly convert: (r: unknown) => unknown;
  readonly owner: NonblockingOwner;
  readonly lane: Lane | undefined;
  readonly symbol: string;
}

interface Job {
  /** Its number in start order (set when it is handed to koffi). */
  seq: number;
  readonly target: Target;
  readonly args: unknown[];
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/** The threads of libuv's pool: `UV_THREADPOOL_SIZE` as libuv reads it (4 unless set; at most 1024). */
export function uvThreadpoolSize(): number {
  const n = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? "", 10);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/** How many async calls koffi serves from memory it keeps (more in flight map a fresh stack and heap per call). */
function koffiResidentPools(): number {
  const n = (koffi.config() as { resident_async_pools?: unknown }).resident_async_pools;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : 1;
}

/**
 * Twice the pool's threads, so a thread that finishes a call finds the next one queued in libuv without waiting
 * for the JS thread; at least koffi's resident pools (which cost nothing more); at most koffi's limit.
 */
const defaultMaxInFlight = Math.max(1, Math.min(KOFFI_ASYNC_LIMIT, Math.max(koffiResidentPools(), 2 * uvThreadpoolSize())));
let maxInFlight = defaultMaxInFlight;
let inFlight = 0;
let highWater = 0;
/** Waiting jobs, first at `head` (an array used as a queue; compacted as it drains). */
let queue: Job[] = [];
let head = 0;
/** Calls handed to koffi so far (the next call's `seq`). */
let started = 0;

/**
 * Errors of callbacks relayed from other threads while nonblocking calls ran, oldest first. Each goes to the first
 * call to complete among those running when it was thrown (`seq` below `mark`; `left` of them still running).
 */
const callbackErrors: Array<{ error: unknown; mark: number; left: number }> = [];
callbackActivity.adopter = {
  adopt(error: unknown): boolean {
    if (inFlight === 0) return false;
    callbackErrors.push({ error, mark: started, left: inFlight });
    return true;
  },
};

/**
 * The callback error that the completing call `job` reports, if any. A record whose calls have all completed is
 * dropped: one of them already reported an earlier error (a call reports its first, as a blocking call does).
 */
function callbackErrorFor(job: Job): { error: unknown } | undefined {
  let taken: { error: unknown } | undefined;
  for (let i = 0; i < callbackErrors.length; i++) {
    const record = callbackErrors[i]!;
    if (job.seq >= record.mark) continue;
    if (taken === undefined) {
      taken = { error: record.error };
      callbackErrors.splice(i--, 1);
    } else if (--record.left === 0) callbackErrors.splice(i--, 1);
  }
  return taken;
}

/** Options of {@link configureNonblocking}. */
export interface NonblockingConfig {
  /**
   * Calls handed to the thread pool at once (1 to 256). Default: twice libuv's threads (`UV_THREADPOOL_SIZE`, 4
   * unless set), at least 8 (koffi keeps memory for 8 async calls; each call beyond maps a fresh stack and heap).
   */
  readonly maxInFlight?: number;
}

/**
 * Sets how many nonblocking calls are handed to the thread pool at once (the others wait in order; none ever
 * fails for being busy). Returns the settings now in force. libuv's pool has `UV_THREADPOOL_SIZE` threads (4
 * unless set before Node starts): calls handed over beyond its threads wait inside libuv, ready for the next free
 * thread.
 *
 * @example
 * configureNonblocking({ maxInFlight: 8 });
 */
export function configureNonblocking(config: NonblockingConfig = {}): Required<NonblockingConfig> {
  if (config === null || typeof config !== "object") {
    throw invalidArgType(`configureNonblocking(): the options must be an object. Received ${describeReceived(config)}`);
  }
  const { maxInFlight: m } = config;
  if (m !== undefined) {
    if (typeof m !== "number" || !Number.isInteger(m) || m < 1 || m > KOFFI_ASYNC_LIMIT) {
      throw outOfRange(`configureNonblocking(): maxInFlight must be an integer from 1 to ${KOFFI_ASYNC_LIMIT}. Received ${describeReceived(m)}`);
    }
    maxInFlight = m;
    dispatch();
  }
  return { maxInFlight };
}

/** What the nonblocking queue holds now: calls running, calls waiting, and the most ever running at once. */
export function nonblockingStats(): { inFlight: number; waiting: number; maxInFlightSeen: number; maxInFlight: number } {
  let waiting = queue.length - head;
  for (const lane of lanes) waiting += lane.waiting.length;
  return { inFlight, waiting, maxInFlightSeen: highWater, maxInFlight };
}

/** Ordered lanes with waiting calls (for the stats only). */
const lanes = new Set<Lane>();

function enqueue(job: Job): void {
  queue.push(job);
  dispatch();
}

/** Hands waiting jobs to koffi while there is room. */
function dispatch(): void {
  while (inFlight < maxInFlight && head < queue.length && retryTimer === undefined) {
    const job = queue[head]!;
    queue[head++] = undefined as never;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    start(job);
  }
}

function start(job: Job): void {
  const { target } = job;
  if (target.owner.rejectPending) return finish(job, target.owner.closedError(), undefined, false);
  // A view detached (transferred, or freed by its owner) while the call waited must not reach C.
  for (const a of job.args) {
    if (typeof a === "object" && a !== null && (isView(a) || isArrayBuffer(a)) && isDetachedBuffer(underlyingBuffer(a))) {
      const error = withCode(
        new TypeError(`${target.symbol}(): a view's ArrayBuffer was detached (transferred or freed) while the nonblocking call waited; its memory cannot be passed to native code`),
        "ERR_INVALID_ARG_VALUE",
      );
      return finish(job, error, undefined, false);
    }
  }
  inFlight++;
  if (inFlight > highWater) highWater = inFlight;
  job.seq = started++;
  try {
    target.invoke(job.args, (err: unknown, result: unknown) => {
      inFlight--;
      const thrown = callbackErrors.length > 0 ? callbackErrorFor(job) : undefined;
      if (thrown !== undefined) settle(job, true, thrown.error, true);
      else finish(job, err, result, true);
      // koffi frees the call's slot when this callback has returned: the next waiting call goes after that.
      if (head < queue.length) dispatchSoon();
    });
  } catch (e) {
    inFlight--;
    if (/Too many asynchronous calls/.test(String((e as Error)?.message))) {
      // Other code uses koffi's async calls too: wait for a slot, keeping this call first in line.
      queue[--head] = job;
      busyRetry();
      return;
    }
    finish(job, e, undefined, false);
  }
}

let dispatchScheduled = false;
function dispatchSoon(): void {
  if (dispatchScheduled) return;
  dispatchScheduled = true;
  queueMicrotask(() => {
    dispatchScheduled = false;
    dispatch();
  });
}

let retryTimer: ReturnType<typeof setTimeout> | undefined;
function busyRetry(): void {
  if (retryTimer !== undefined) return;
  retryTimer = setTimeout(() => {
    retryTimer = undefined;
    dispatch();
  }, 1);
}

/** Settles a job and lets the next call of its ordered lane go. */
function finish(job: Job, err: unknown, result: unknown, ran: boolean): void {
  if (err !== null && err !== undefined) settle(job, true, err, ran);
  else settle(job, false, result, ran);
}

/** Rejects a job with `value` (`failed`: any value, even `undefined`, as a callback may throw it) or resolves it with the converted `value`. */
function settle(job: Job, failed: boolean, value: unknown, ran: boolean): void {
  const { target } = job;
  try {
    if (failed) job.reject(value);
    else {
      try {
        job.resolve(target.convert(value));
      } catch (e) {
        job.reject(e);
      }
    }
  } finally {
    target.owner.release();
    const lane = target.lane;
    if (lane !== undefined) {
      const next = lane.waiting.shift();
      if (next === undefined) {
        lane.busy = false;
        lanes.delete(lane);
      } else if (ran) queue.push(next); // started by the dispatch that follows this call's completion
      else queueMicrotask(() => enqueue(next));
    }
  }
}

/** Submits one converted call; returns the Promise of its converted result. */
function submit(target: Target, args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    target.owner.retain();
    const job: Job = { seq: 0, target, args, resolve, reject };
    const lane = target.lane;
    if (lane !== undefined) {
      if (lane.busy) {
        lane.waiting.push(job);
        lanes.add(lane);
        return;
      }
      lane.busy = true;
    }
    // Room and nobody waiting: straight to the pool.
    if (inFlight < maxInFlight && head === queue.length && retryTimer === undefined) start(job);
    else enqueue(job);
  });
}


/** The wrapper's unit: conversions as in a blocking wrapper, then `Q(T, [converted...])` instead of the call. */
function wrapperUnit(library: string, symbol: string, sig: Signature, target: unknown, guard: Guard, entry: Entry): Unit {
  const site = `${symbol}()`;
  const plans = sig.args.map((t, i) => restacked(planArgument(t, `${site}: argument ${i + 1}`, `a${i}`, `S${i}`), `S${i}`, entry));
  const bindings = mergeBindings({ Q: submit, T: target, G: guard, $viewLength: generatedGlobals.$viewLength }, ...plans.map((p) => p.bindings));
  const id = identifierFor(symbol, bindings);
  const lastUserCode = sig.args.findLastIndex(conversionMayRunUserCode);
  const remeasured = sig.args.map((t, i) => i < lastUserCode && takesView(t));
  let body = plans.map((p, i) => `  ${remeasured[i] ? "let" : "const"} c${i} = ${p.expression};\n`).join("");
  body += remeasured
    .map((yes, i) => (yes ? `  if (typeof c${i} === "object" && c${i} !== null && !($viewLength(c${i}) > 0)) c${i} = S${i}(c${i});\n` : ""))
    .join("");
  if (lastUserCode >= 0) body += "  if (G.closed) G.fail();\n";
  body += `  return Q(T, [${plans.map((_, i) => `c${i}`).join(", ")}]);\n`;
  const params = sig.args.map((_, i) => `a${i}`).join(", ");
  return { library, symbol, kind: "function", text: `function ${id}(${params}) {\n  if (G.closed) G.fail();\n${body}}`, bindings };
}

/** The compiled result conversion of a return type (`r` → what a blocking call returns). */
function resultConverter(library: string, symbol: string, returns: number): (r: unknown) => unknown {
  const ret = planReturn(returns, "r");
  const text = `function ${identifierFor(`${symbol}_result`, ret.bindings)}(r) {\n  return ${ret.expression};\n}`;
  return compileUnit<(r: unknown) => unknown>({ library, symbol: `${symbol}.result`, kind: "function", text, bindings: ret.bindings });
}

/**
 * Compiles the nonblocking wrapper of a declaration with `nonblocking: true`: `raw` is koffi's function (its
 * `.async` runs the call on the pool).
 */
export function compileNonblockingCall(
  library: string,
  symbol: string,
  sig: Signature,
  raw: (...args: unknown[]) => unknown,
  guard: Guard,
  owner: NonblockingOwner,
): { fn: (...args: unknown[]) => Promise<unknown>; source: string } {
  const async = (raw as unknown as { async?: (...args: unknown[]) => void }).async;
  if (typeof async !== "function") throw new FFIError("ERR_FFI_UNSUPPORTED_TYPE", `${symbol}(): this function cannot be called nonblocking`);
  const arity = sig.args.length;
  const params = Array.from({ length: arity }, (_, i) => `a[${i}]`);
  const invoke = compileUnit<Target["invoke"]>({
    library,
    symbol: `${symbol}.async`,
    kind: "function",
    text: `function ${identifierFor(`${symbol}_async`, { A: 0, R: 0 })}(a, done) {\n  A.call(R, ${[...params, "done"].join(", ")});\n}`,
    bindings: { A: async, R: raw },
  });
  const target: Target = {
    invoke,
    convert: sig.returns === FFIType.void ? () => undefined : resultConverter(library, symbol, sig.returns),
    owner,
    lane: sig.ordered ? { busy: false, waiting: [] } : undefined,
    symbol,
  };
  const entry: Entry = { fn: undefined };
  const unit = wrapperUnit(library, symbol, sig, target, guard, entry);
  const fn = compileUnit<(...args: unknown[]) => Promise<unknown>>(unit);
  entry.fn = fn;
  if (fn.name !== symbol) Object.defineProperty(fn, "name", { value: symbol, configurable: true });
  return { fn, source: unit.text };
}

/** The source of a nonblocking declaration's wrapper (what `viewSource` shows). */
export function nonblockingWrapperSource(symbol: string, sig: Signature): string {
  const guard: Guard = { closed: false, fail: (): never => { throw new Error("not compiled"); } };
  return wrapperUnit("", symbol, sig, null, guard, { fn: undefined }).text;
}
