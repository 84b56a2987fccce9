/**
 * The isolated child process of the fuzzer: opens the library, declares the one symbol, and runs the inputs it
 * is sent, reporting each call through synchronous writes to the result pipe (see child-protocol.ts). If a call
 * crashes the process, the parent knows which input it was from the last `start` frame.
 */
import { fstatSync, writeSync } from "node:fs";
import { CString, dlopen, toArrayBuffer } from "@ffi-kit/core";
import { typeName } from "./type-names.js";
import { encodeFrame, encodeStart, type CallCoverage, type CallResult, type ChildCoverage, type Frame, type ToChild } from "./child-protocol.js";

/** The result pipe arrives as fd 3. */
const INHERITED_FD = 3;
/** Descriptors the pipe is moved to (the first one that is free), out of the way of a target's fd games. */
const HIGH_FDS = [1013, 767, 509, 251, 127, 63];
const LIBC = process.platform === "darwin" ? ["libSystem.B.dylib"] : ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"];

function free(fd: number): boolean {
  try {
    fstatSync(fd);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EBADF";
  }
}

/**
 * Moves the result pipe from fd 3 to a free high descriptor and closes 3, so a target writing to fd 3 (or
 * closing it, or dup2-ing over it) cannot corrupt or cut the reports. Stays on fd 3 if libc cannot be opened.
 */
function movePipe(): number {
  for (const name of LIBC) {
    let libc;
    try {
      libc = dlopen(name, { dup2: { args: ["i32", "i32"], returns: "i32" }, close: { args: ["i32"], returns: "i32" } });
    } catch {
      continue;
    }
    for (const fd of HIGH_FDS) {
      if (!free(fd)) continue;
      if (libc.symbols.dup2(INHERITED_FD, fd) === fd) {
        libc.symbols.close(INHERITED_FD);
        return fd;
      }
    }
    return INHERITED_FD;
  }
  return INHERITED_FD;
}

const FD = movePipe();
/** Results are written in groups of this many calls (a crash loses at most one group: those inputs run again). */
const GROUP = 64;
const startBuffer = Buffer.alloc(12);

function send(frame: Frame): void {
  write(encodeFrame(frame));
}

function write(bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(FD, bytes, offset, bytes.length - offset);
    } catch (error) {
      // A full non-blocking pipe: wait for the parent to drain it.
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** Makes a result safe to send: CStrings become their text. */
function portable(value: unknown): unknown {
  if (value instanceof CString) return String(value);
  return value;
}

let call: ((...args: unknown[]) => unknown) | undefined;
/** In coverage mode: reads what the runtime saw around each call. */
let around: ((input: readonly unknown[], fn: (...args: unknown[]) => unknown) => { value: unknown; cov: CallCoverage }) | undefined;

type Fn = (...args: never[]) => unknown;
const POINTERS = new Set(["ptr", "buffer", "cstring"]);

/**
 * Opens the (preloaded) coverage runtime and returns the wrapper of each call: reset the counters, call, collect
 * the features and comparison tables. With AddressSanitizer, buffer arguments are copied into exact-size blocks of
 * its malloc (redzones around them) and copied back after the call.
 */
function coverageWrapper(coverage: ChildCoverage, args: readonly unknown[]): { wrap: NonNullable<typeof around>; args: readonly unknown[]; total: () => number } {
  const rt = dlopen(coverage.runtime, {
    ffikit_cov_version: { args: [], returns: "u32" },
    ffikit_cov_reset: { args: [], returns: "void" },
    ffikit_cov_collect: { args: [], returns: "u32" },
    ffikit_cov_features: { args: [], returns: "ptr" },
    ffikit_cov_cmp_count: { args: [], returns: "u32" },
    ffikit_cov_cmps: { args: [], returns: "ptr" },
    ffikit_cov_str_count: { args: [], returns: "u32" },
    ffikit_cov_strs: { args: [], returns: "ptr" },
    ffikit_cov_total: { args: [], returns: "u32" },
  }).symbols as unknown as Record<string, Fn>;
  const reset = rt.ffikit_cov_reset as () => void;
  const collect = rt.ffikit_cov_collect as () => number;
  const cmpCount = rt.ffikit_cov_cmp_count as () => number;
  const strCount = rt.ffikit_cov_str_count as () => number;
  const featuresAt = (rt.ffikit_cov_features as () => never)();
  const cmpsAt = (rt.ffikit_cov_cmps as () => never)();
  const strsAt = (rt.ffikit_cov_strs as () => never)();
  const copy = (at: never, bytes: number) => new Uint8Array(toArrayBuffer(at, 0, bytes).slice(0));
  const gather = (): CallCoverage => {
    const n = collect();
    const features = n === 0 ? new Uint32Array(0) : new Uint32Array(toArrayBuffer(featuresAt, 0, n * 4).slice(0));
    const c = cmpCount();
    const s = strCount();
    return { features, ...(c > 0 ? { cmps: copy(cmpsAt, c * 24) } : {}), ...(s > 0 ? { strs: copy(strsAt, s * 136) } : {}) };
  };
  const names = args.map((t) => typeName(t) as string);
  const pointerArgs = names.map((n, i) => (POINTERS.has(n) ? i : -1)).filter((i) => i >= 0);
  if (coverage.asan === undefined || pointerArgs.length === 0) {
    return {
      args,
      total: rt.ffikit_cov_total as () => number,
      wrap: (input, fn) => {
        reset();
        let value: unknown;
        try {
          value = fn(...input);
        } catch (error) {
          gather();
          throw error;
        }
        return { value, cov: gather() };
      },
    };
  }
  // ASan's own malloc (the preloaded runtime's), not libc's: only its blocks have redzones.
  const asan = dlopen(coverage.asan, { malloc: { args: ["usize"], returns: "ptr" }, free: { args: ["ptr"], returns: "void" } }).symbols as unknown as {
    malloc: (n: number) => number | bigint | null;
    free: (p: unknown) => void;
  };
  const declared = args.map((t, i) => (pointerArgs.includes(i) ? "ptr" : t));
  return {
    args: declared,
    total: rt.ffikit_cov_total as () => number,
    wrap: (input, fn) => {
      const actual = [...input];
      const blocks: Array<{ index: number; at: unknown; view: Uint8Array }> = [];
      for (const i of pointerArgs) {
        const view = input[i];
        if (!(view instanceof Uint8Array)) continue;
        const at = asan.malloc(view.length);
        if (at === null || at === 0 || at === 0n) throw new Error(`malloc(${view.length}) failed`);
        if (view.length > 0) new Uint8Array(toArrayBuffer(at as never, 0, view.length)).set(view);
        blocks.push({ index: i, at, view });
        actual[i] = at;
      }
      reset();
      let value: unknown;
      try {
        value = fn(...actual);
      } finally {
        const cov = gather();
        for (const b of blocks) {
          if (b.view.length > 0) b.view.set(new Uint8Array(toArrayBuffer(b.at as never, 0, b.view.length)));
          asan.free(b.at);
        }
        value = { value, cov };
      }
      return value as { value: unknown; cov: CallCoverage };
    },
  };
}

process.on("message", (message: ToChild) => {
  if (message.type === "init") {
    send({ type: "opening" });
    try {
      let args = message.args;
      let total: (() => number) | undefined;
      if (message.coverage !== undefined) {
        const c = coverageWrapper(message.coverage, message.args);
        around = c.wrap;
        args = c.args;
        total = c.total;
      }
      const lib = dlopen(message.library, { [message.symbol]: { args: args as never, returns: message.returns as never } });
      call = lib.symbols[message.symbol] as unknown as (...args: unknown[]) => unknown;
      send(total !== undefined ? { type: "ready", totalEdges: total() } : { type: "ready" });
    } catch (error) {
      send({ type: "init-failed", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
    return;
  }
  const fn = call!;
  let group: Array<readonly [number, CallResult]> = [];
  message.inputs.forEach((input, index) => {
    write(encodeStart(index, startBuffer));
    let result: CallResult;
    try {
      if (around !== undefined) {
        const r = around(input, fn);
        result = { kind: "returned", value: portable(r.value), cov: r.cov };
      } else result = { kind: "returned", value: portable(fn(...input)) };
    } catch (error) {
      const e = error as { name?: unknown; message?: unknown; code?: unknown };
      result = {
        kind: "threw",
        error: { name: String(e?.name ?? "Error"), message: String(e?.message ?? error), ...(typeof e?.code === "string" ? { code: e.code } : {}) },
      };
    }
    group.push([index, result]);
    if (group.length >= GROUP) {
      send({ type: "results", items: group });
      group = [];
    }
  });
  if (group.length > 0) send({ type: "results", items: group });
  send({ type: "done" });
});

process.on("disconnect", () => process.exit(0));
