/**
 * The isolated child process of the fuzzer: opens the library, declares the one symbol, and runs the inputs it
 * is sent, reporting each call through synchronous writes to the result pipe (see child-protocol.ts). If a call
 * crashes the process, the parent knows which input it was from the last `start` frame.
 */
import { fstatSync, writeSync } from "node:fs";
import { CString, dlopen } from "@ffi-kit/core";
import { encodeFrame, encodeStart, type CallResult, type Frame, type ToChild } from "./child-protocol.js";

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

process.on("message", (message: ToChild) => {
  if (message.type === "init") {
    send({ type: "opening" });
    try {
      const lib = dlopen(message.library, { [message.symbol]: { args: message.args as never, returns: message.returns as never } });
      call = lib.symbols[message.symbol] as unknown as (...args: unknown[]) => unknown;
      send({ type: "ready" });
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
      result = { kind: "returned", value: portable(fn(...input)) };
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
