/**
 * Runs calls of one native function in child processes, so that a segfault, an abort or a hang is a result
 * (with its signal) instead of the end of the fuzzer. Calls are sent in batches to a reused child for speed; the
 * child reports each call before and after it runs through synchronous writes, so the input in flight when a
 * child dies is known exactly. A warm spare child is kept ready, so replacing a crashed child costs no wait.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Readable } from "node:stream";
import { FFIError, outOfRange } from "./errors.js";
import { FrameReader, type CallResult, type ChildCoverage, type Frame, type ToChild } from "./child-protocol.js";

/** The function to call: a library, a symbol and its signature (FFI types, as `dlopen` takes them). */
export interface IsolatedTarget {
  readonly library: string;
  readonly symbol: string;
  readonly args: readonly unknown[];
  readonly returns: unknown;
  /**
   * Coverage mode: the child preloads ffi-kit's coverage runtime (and, first, the AddressSanitizer runtime of a
   * sanitizer build) and returns with each call the features it hit and the comparison operands it saw.
   */
  readonly coverage?: ChildCoverage;
}

/** What one isolated call did: returned, threw, crashed the child (with its signal or exit code), or hung. */
export type IsolatedResult =
  | CallResult
  | {
      readonly kind: "crashed";
      readonly signal: NodeJS.Signals | null;
      readonly exitCode: number | null;
      readonly stderr: string;
      /** The crashing call was the first the child ran: the crash needs no other call to reproduce. */
      readonly isolated: boolean;
      /**
       * Set when the child was killed because its result pipe carried bytes that are not a frame (the target
       * wrote to the fuzzer's descriptor): what was wrong.
       */
      readonly protocolError?: string;
    }
  | { readonly kind: "timeout"; readonly timeoutMs: number; readonly stderr: string; readonly isolated: boolean };

/** Options for {@link IsolatedRunner}. */
export interface IsolatedRunnerOptions {
  /** A call running longer than this is a hang: the child is killed (default 5000 ms). */
  readonly timeoutMs?: number;
  /** How many initialised children to keep ready to replace crashed ones (default 2). */
  readonly spares?: number;
}

/** The longest timeout Node's timers take (2^31 − 1 ms, about 24.8 days); longer ones would fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** How long a child may take to start Node and load this package, before it opens the library. */
const BOOT_TIMEOUT_MS = 60_000;
/** Opening the library counts against the hang timeout, but gets at least this long (children start together). */
const MIN_OPEN_TIMEOUT_MS = 2000;

/**
 * A timer that fires only after the I/O already waiting has been handled: when this process was busy past the
 * deadline, a frame that arrived in time (sitting in the pipe) is read before the timeout is declared.
 */
function deadline(ms: number, stillWaiting: () => boolean, fire: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(() => (stillWaiting() ? fire() : undefined)), ms);
}

/** Every child still alive, in any runner: killed when this process exits (see {@link killChildren}). */
const live = new Set<ChildProcess>();
let exitHook = false;

/**
 * Kills (SIGKILL) every fuzzing child this process started that is still alive. Children stuck in native code
 * ignore everything else. Runs by itself when the process exits; call it from your own signal handlers.
 */
export function killChildren(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

/**
 * The environment of a coverage child: our runtime preloaded first (so the target's __sanitizer_cov_* resolve to
 * it, not to the empty weak ones of a sanitizer runtime), then the AddressSanitizer runtime, whose link-order
 * check is turned off for that reason; ASan reports go to stderr and end the child (exit code 1).
 */
function coverageEnv(coverage: ChildCoverage): NodeJS.ProcessEnv {
  const preload = [coverage.runtime, ...(coverage.asan !== undefined ? [coverage.asan] : []), ...(process.env.LD_PRELOAD ? [process.env.LD_PRELOAD] : [])];
  const env: NodeJS.ProcessEnv = { ...process.env, LD_PRELOAD: preload.join(":") };
  if (coverage.asan !== undefined) {
    env.ASAN_OPTIONS = ["verify_asan_link_order=0", "detect_leaks=0", "handle_segv=1", "allow_user_segv_handler=1", "print_summary=1", process.env.ASAN_OPTIONS].filter(Boolean).join(":");
  }
  return env;
}

const CHILD_ENTRY = fileURLToPath(new URL("./child-entry.js", import.meta.url));
/** The tail of a child's stderr kept (enough for a sanitizer report with Node's frames under it). */
const STDERR_KEPT = 65536;

interface BatchEnd {
  readonly results: Map<number, CallResult>;
  /** Index of the last call started: the one in flight when the child died, or -1. */
  readonly inFlight: number;
  /** Calls started. */
  readonly started: number;
  readonly status: "done" | "died" | "timeout";
}

class Child {
  readonly process: ChildProcess;
  readonly ready: Promise<void>;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = "";
  /** Calls this child has started. */
  callsRun = 0;
  #reader = new FrameReader();
  #onFrame: ((frame: Frame) => void) | undefined;
  #readyResolve!: () => void;
  #readyReject!: (e: Error) => void;
  #initTimer: NodeJS.Timeout | undefined;
  #initFailure: FFIError | undefined;
  dead = false;
  /** Why the result pipe was refused, when it carried bytes that are not frames. */
  protocolError: string | undefined;
  /** Called for each call the child starts. */
  onStart: (() => void) | undefined;

  /** Instrumented edges the coverage runtime registered (coverage mode), once ready. */
  totalEdges: number | undefined;

  constructor(target: IsolatedTarget, timeoutMs: number) {
    this.process = fork(CHILD_ENTRY, [], {
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "pipe", "ipc"],
      execArgv: [],
      ...(target.coverage !== undefined ? { env: coverageEnv(target.coverage) } : {}),
    });
    live.add(this.process);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", killChildren);
    }
    const openTimeoutMs = Math.max(timeoutMs, MIN_OPEN_TIMEOUT_MS);
    let opened = false;
    const failInit = (error: FFIError) => {
      this.#initFailure ??= error;
      this.process.kill("SIGKILL");
    };
    // Until the library is open: Node's start-up, then dlopen (a constructor that hangs counts against timeoutMs).
    this.#initTimer = setTimeout(
      () => failInit(new FFIError("ERR_FFI_FUZZ_TARGET", `The fuzzing child did not start within ${BOOT_TIMEOUT_MS} ms`)),
      Math.min(MAX_TIMEOUT_MS, BOOT_TIMEOUT_MS + timeoutMs),
    );
    this.ready = new Promise<void>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    this.ready.catch(() => undefined);
    this.process.stderr!.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-STDERR_KEPT);
    });
    (this.process.stdio[3] as Readable).on("data", (chunk: Buffer) =>
      this.#reader.push(
        chunk,
        (frame) => {
          if (frame.type === "opening") {
            clearTimeout(this.#initTimer);
            this.#initTimer = deadline(
              openTimeoutMs,
              () => !opened,
              () =>
                failInit(
                  new FFIError(
                    "ERR_FFI_FUZZ_TARGET",
                    `Cannot fuzz ${target.symbol} in ${target.library}: opening the library did not finish within ${openTimeoutMs} ms (does a constructor of the library hang?)`,
                  ),
                ),
            );
          } else if (frame.type === "ready") {
            opened = true;
            this.totalEdges = frame.totalEdges;
            clearTimeout(this.#initTimer);
            this.#readyResolve();
          } else if (frame.type === "init-failed") {
            opened = true;
            clearTimeout(this.#initTimer);
            this.#readyReject(new FFIError("ERR_FFI_FUZZ_TARGET", `Cannot fuzz ${target.symbol} in ${target.library}: ${frame.message}`));
          } else {
            if (frame.type === "start") this.onStart?.();
            this.#onFrame?.(frame);
          }
        },
        (error) => {
          this.protocolError = error.message;
          failInit(new FFIError("ERR_FFI_FUZZ_TARGET", `Cannot fuzz ${target.symbol} in ${target.library}: the child's result pipe received ${error.message} while the library was opening`));
        },
      ),
    );
    this.process.on("error", () => undefined);
    this.closed = new Promise((resolve) => {
      this.process.on("close", (code, signal) => {
        this.dead = true;
        live.delete(this.process);
        clearTimeout(this.#initTimer);
        this.#readyReject(
          this.#initFailure ?? new FFIError("ERR_FFI_FUZZ_TARGET", `The fuzzing child exited (${signal ?? `code ${code}`}) before it was ready: ${this.stderr.trim()}`),
        );
        resolve({ code, signal });
      });
    });
    const init: ToChild = {
      type: "init",
      library: target.library,
      symbol: target.symbol,
      args: target.args,
      returns: target.returns,
      ...(target.coverage !== undefined ? { coverage: target.coverage } : {}),
    };
    this.process.send(init);
  }

  run(inputs: readonly (readonly unknown[])[], timeoutMs: number): Promise<BatchEnd> {
    return new Promise<BatchEnd>((resolve) => {
      const results = new Map<number, CallResult>();
      let inFlight = -1;
      let started = 0;
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      let finished = false;
      const arm = () => {
        clearTimeout(timer);
        const call = started;
        timer = deadline(
          timeoutMs,
          () => !finished && started === call,
          () => {
            timedOut = true;
            this.process.kill("SIGKILL");
          },
        );
      };
      const finish = (status: BatchEnd["status"]) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.#onFrame = undefined;
        resolve({ results, inFlight, status, started });
      };
      this.#onFrame = (frame) => {
        if (frame.type === "start") {
          inFlight = frame.index;
          started++;
          arm();
        } else if (frame.type === "results") {
          for (const [index, result] of frame.items) results.set(index, result);
        } else if (frame.type === "done") finish("done");
      };
      void this.closed.then(() => finish(timedOut ? "timeout" : "died"));
      const message: ToChild = { type: "batch", inputs };
      this.process.send(message);
    });
  }

  kill(): void {
    if (!this.dead) this.process.kill("SIGKILL");
  }
}

function checkTimeout(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw outOfRange(`${what} must be an integer from 1 to ${MAX_TIMEOUT_MS} (ms). Received ${String(value)}`);
  }
  return value;
}

/**
 * Calls one native function in isolated child processes.
 *
 * @example
 * const runner = new IsolatedRunner({ library, symbol: "parse", args: ["buffer", "u32"], returns: "i32" });
 * const [r] = await runner.run([[new Uint8Array([1, 2]), 2]]);
 * if (r.kind === "crashed") console.log(r.signal); // "SIGSEGV"
 * await runner.close();
 */
export class IsolatedRunner {
  readonly target: IsolatedTarget;
  readonly timeoutMs: number;
  readonly #spareCount: number;
  #current: Child | undefined;
  #spares: Child[] = [];
  /** Children started so far and calls sent. */
  readonly stats = { children: 0, calls: 0 };
  /** Instrumented edges the coverage runtime registered in the last child that started (coverage mode). */
  totalEdges: number | undefined;

  constructor(target: IsolatedTarget, options: IsolatedRunnerOptions = {}) {
    this.target = target;
    this.timeoutMs = checkTimeout(options.timeoutMs ?? 5000, "timeoutMs");
    const spares = options.spares ?? 2;
    if (!Number.isInteger(spares) || spares < 0 || spares > 16) throw outOfRange(`spares must be an integer from 0 to 16. Received ${String(spares)}`);
    this.#spareCount = spares;
  }

  #spawn(): Child {
    this.stats.children++;
    const child = new Child(this.target, this.timeoutMs);
    child.onStart = () => this.stats.calls++;
    return child;
  }

  #takeFresh(): Child {
    this.#spares = this.#spares.filter((c) => !c.dead);
    const child = this.#spares.shift() ?? this.#spawn();
    while (this.#spares.length < this.#spareCount) this.#spares.push(this.#spawn());
    return child;
  }

  /** Starts the first child and waits until the library is open (throws `ERR_FFI_FUZZ_TARGET` if it cannot be). */
  async start(): Promise<void> {
    if (this.#current === undefined || this.#current.dead) this.#current = this.#takeFresh();
    await this.#current.ready;
    this.totalEdges = this.#current.totalEdges;
  }

  /**
   * Runs the inputs in order and returns one result per input. With `fresh`, the calls run in a child that has
   * run nothing before and is discarded afterwards (for confirming a failure in isolation). With
   * `stopAfterCrash`, the first crash or hang ends the run: the inputs after it are not run, and the results
   * returned stop at it.
   */
  async run(inputs: readonly (readonly unknown[])[], options: { fresh?: boolean; stopAfterCrash?: boolean } = {}): Promise<IsolatedResult[]> {
    const results: (IsolatedResult | undefined)[] = new Array(inputs.length);
    // Indices still to run, in order. After a crash, the inputs whose results died with the child run again.
    let pending = inputs.map((_, i) => i);
    let limit = inputs.length;
    while (pending.length > 0) {
      let child: Child;
      if (options.fresh) child = this.#takeFresh();
      else {
        if (this.#current === undefined || this.#current.dead) this.#current = this.#takeFresh();
        child = this.#current;
      }
      await child.ready;
      const before = child.callsRun;
      const end = await child.run(pending.map((i) => inputs[i]!), this.timeoutMs);
      child.callsRun += end.started;
      for (const [i, r] of end.results) results[pending[i]!] = r;
      if (end.status === "done") {
        if (options.fresh) child.kill();
        break;
      }
      if (end.inFlight < 0) {
        throw new FFIError("ERR_FFI_FUZZ_TARGET", `The fuzzing child died outside a call: ${child.stderr.trim() || "no output"}`);
      }
      const { code, signal } = await child.closed;
      const isolated = before === 0 && end.inFlight === 0;
      const crashed = pending[end.inFlight]!;
      results[crashed] =
        end.status === "timeout"
          ? { kind: "timeout", timeoutMs: this.timeoutMs, stderr: child.stderr, isolated }
          : child.protocolError !== undefined
            ? { kind: "crashed", signal: null, exitCode: null, stderr: child.stderr, isolated, protocolError: child.protocolError }
            : { kind: "crashed", signal, exitCode: code, stderr: child.stderr, isolated };
      if (options.stopAfterCrash) limit = Math.min(limit, crashed + 1);
      pending = pending.filter((i) => results[i] === undefined && i < limit);
    }
    return results.slice(0, limit) as IsolatedResult[];
  }

  /** Stops every child. */
  async close(): Promise<void> {
    const children = [this.#current, ...this.#spares].filter((c): c is Child => c !== undefined);
    this.#current = undefined;
    this.#spares = [];
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.closed));
  }
}
