/**
 * The wire format between the fuzzer and its isolated child processes. Inputs go to the child over IPC
 * (advanced serialization: bigints and typed arrays survive). Everything the child reports comes back as frames
 * written synchronously to file descriptor 3, so that a frame written before a crash is never lost: a `start`
 * frame before each call (the breadcrumb that names the input in flight when the child dies) and a `result`
 * frame after it.
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
  | { readonly type: "result"; readonly index: number; readonly result: CallResult }
  | { readonly type: "done" };

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
      if (this.#pending.length < 4 + length) break;
      const frame = deserialize(this.#pending.subarray(4, 4 + length)) as Frame;
      this.#pending = this.#pending.subarray(4 + length);
      onFrame(frame);
    }
  }
}
