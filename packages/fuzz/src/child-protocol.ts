/**
 * The wire format between the fuzzer and its isolated child processes. Inputs go to the child over IPC
 * (advanced serialization: bigints and typed arrays survive). Everything the child reports comes back as frames
 * written synchronously to file descriptor 3, so that a frame written before a crash is never lost: an 8-byte
 * `start` breadcrumb before each call (it names the input in flight when the child dies), and the results of the
 * calls in groups (a crash loses at most one group of results, whose inputs are simply run again).
 */
import { deserialize, serialize } from "node:v8";

/** What the child does with one call: it returned, or it threw (a conversion error, for example). */
export type CallResult =
  | { readonly kind: "returned"; readonly value: unknown }
  | { readonly kind: "threw"; readonly error: { readonly name: string; readonly message: string; readonly code?: string } };

/** Parent → child messages. */
export type ToChild =
  | { readonly type: "init"; readonly library: string; readonly symbol: string; readonly args: readonly unknown[]; readonly returns: unknown }
  | { readonly type: "batch"; readonly inputs: readonly (readonly unknown[])[] };

/** Child → parent frames. */
export type Frame =
  | { readonly type: "ready" }
  | { readonly type: "init-failed"; readonly message: string }
  | { readonly type: "start"; readonly index: number }
  | { readonly type: "results"; readonly items: ReadonlyArray<readonly [index: number, result: CallResult]> }
  | { readonly type: "done" };

/** Marks a start breadcrumb in place of a length: `START_MARK`, then the call's index, both little-endian u32. */
const START_MARK = 0xffffffff;

/** Encodes a start breadcrumb (8 bytes, no serialization). */
export function encodeStart(index: number, into: Buffer): Buffer {
  into.writeUInt32LE(START_MARK, 0);
  into.writeUInt32LE(index, 4);
  return into;
}

/** Encodes a frame: a 4-byte little-endian length, then the V8-serialized frame. */
export function encodeFrame(frame: Frame): Buffer {
  const body = serialize(frame);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** Splits a byte stream into frames; keeps the incomplete tail for the next chunk. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 4) {
      const length = this.#pending.readUInt32LE(0);
      if (length === START_MARK) {
        if (this.#pending.length < 8) break;
        const index = this.#pending.readUInt32LE(4);
        this.#pending = this.#pending.subarray(8);
        onFrame({ type: "start", index });
        continue;
      }
      if (this.#pending.length < 4 + length) break;
      const frame = deserialize(this.#pending.subarray(4, 4 + length)) as Frame;
      this.#pending = this.#pending.subarray(4 + length);
      onFrame(frame);
    }
  }
}
