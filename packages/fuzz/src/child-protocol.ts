/**
 * The wire format between the fuzzer and its isolated child processes. Inputs go to the child over IPC
 * (advanced serialization: bigints and typed arrays survive). Everything the child reports comes back as frames
 * written synchronously to a result pipe, so that a frame written before a crash is never lost: a `start`
 * breadcrumb before each call (it names the input in flight when the child dies), and the results of the calls in
 * groups (a crash loses at most one group of results, whose inputs are simply run again).
 *
 * The pipe is file descriptor 3 when the child starts; the child moves it to a high descriptor before it opens
 * the library and closes 3, so a target that writes to, closes or replaces fd 3 does not touch it. Every frame
 * starts with a magic number and its length, and the parent checks both: bytes that are not a frame (a target
 * writing to the moved descriptor) are a protocol error, reported as a crash of that child, never thrown.
 */
import { deserialize, serialize } from "node:v8";

/** What the child does with one call: it returned, or it threw (a conversion error, for example). */
export type CallResult =
  | { readonly kind: "returned"; readonly value: unknown; readonly cov?: CallCoverage }
  | { readonly kind: "threw"; readonly error: { readonly name: string; readonly message: string; readonly code?: string }; readonly cov?: CallCoverage };

/**
 * What the coverage runtime saw during one call (coverage mode): the features hit (edge index * 8 + hit-count
 * bucket), and the raw tables of comparison operands (24-byte entries: a, b: u64; size, kind: u32) and compared
 * strings (136-byte entries: len1, len2: u32; s1, s2: 64 bytes).
 */
export interface CallCoverage {
  readonly features: Uint32Array;
  readonly cmps?: Uint8Array;
  readonly strs?: Uint8Array;
}

/** How the child runs calls in coverage mode (its coverage runtime is preloaded). */
export interface ChildCoverage {
  /** Path of libffikit-sancov (already preloaded: opening it again gives the same instance). */
  readonly runtime: string;
  /** AddressSanitizer runtime (preloaded): buffer arguments are copied into exact-size allocations of its malloc. */
  readonly asan?: string;
}

/** Parent → child messages. */
export type ToChild =
  | { readonly type: "init"; readonly library: string; readonly symbol: string; readonly args: readonly unknown[]; readonly returns: unknown; readonly coverage?: ChildCoverage }
  | { readonly type: "batch"; readonly inputs: readonly (readonly unknown[])[] };

/** Child → parent frames. */
export type Frame =
  /** The child is about to open the library (from here on, a hang counts against the call timeout). */
  | { readonly type: "opening" }
  | { readonly type: "ready"; readonly totalEdges?: number }
  | { readonly type: "init-failed"; readonly message: string }
  | { readonly type: "start"; readonly index: number }
  | { readonly type: "results"; readonly items: ReadonlyArray<readonly [index: number, result: CallResult]> }
  | { readonly type: "done" };

/** "FFKF" little-endian: the first 4 bytes of every frame. */
export const FRAME_MAGIC = 0x464b4646;
/** Marks a start breadcrumb in place of a length. */
const START_MARK = 0xffffffff;
/** Larger frames are refused as corrupt (results of one group of calls are far smaller). */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** Encodes a start breadcrumb (12 bytes: magic, `START_MARK`, the call's index; no serialization). */
export function encodeStart(index: number, into: Buffer): Buffer {
  into.writeUInt32LE(FRAME_MAGIC, 0);
  into.writeUInt32LE(START_MARK, 4);
  into.writeUInt32LE(index, 8);
  return into;
}

/** Encodes a frame: magic, a 4-byte little-endian length, then the V8-serialized frame. */
export function encodeFrame(frame: Frame): Buffer {
  const body = serialize(frame);
  const out = Buffer.allocUnsafe(8 + body.length);
  out.writeUInt32LE(FRAME_MAGIC, 0);
  out.writeUInt32LE(body.length, 4);
  body.copy(out, 8);
  return out;
}

/** The result pipe carried bytes that are not a frame. */
export class ProtocolError extends Error {
  override get name(): string {
    return "ProtocolError";
  }
}

const FRAME_TYPES = new Set(["opening", "ready", "init-failed", "results", "done"]);

function checked(value: unknown): Frame {
  const frame = value as { type?: unknown; items?: unknown; message?: unknown } | null;
  if (frame === null || typeof frame !== "object" || !FRAME_TYPES.has(frame.type as string)) throw new ProtocolError("a frame of unknown type");
  if (frame.type === "results" && !Array.isArray(frame.items)) throw new ProtocolError("a results frame without items");
  if (frame.type === "init-failed" && typeof frame.message !== "string") throw new ProtocolError("an init-failed frame without a message");
  return frame as Frame;
}

/**
 * Splits a byte stream into frames; keeps the incomplete tail for the next chunk. After the first bytes that are
 * not a frame, it calls `onError` once and ignores everything else.
 */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);
  #broken = false;

  get broken(): boolean {
    return this.#broken;
  }

  push(chunk: Buffer, onFrame: (frame: Frame) => void, onError: (error: ProtocolError) => void): void {
    if (this.#broken) return;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    try {
      while (this.#pending.length >= 8) {
        if (this.#pending.readUInt32LE(0) !== FRAME_MAGIC) throw new ProtocolError(`bytes that are not a frame (${this.#pending.subarray(0, 16).toString("hex")}...)`);
        const length = this.#pending.readUInt32LE(4);
        if (length === START_MARK) {
          if (this.#pending.length < 12) break;
          const index = this.#pending.readUInt32LE(8);
          this.#pending = this.#pending.subarray(12);
          onFrame({ type: "start", index });
          continue;
        }
        if (length > MAX_FRAME_BYTES) throw new ProtocolError(`a frame of ${length} bytes`);
        if (this.#pending.length < 8 + length) break;
        let value: unknown;
        try {
          value = deserialize(this.#pending.subarray(8, 8 + length));
        } catch (error) {
          throw new ProtocolError(`a frame that does not deserialize (${(error as Error).message})`);
        }
        this.#pending = this.#pending.subarray(8 + length);
        onFrame(checked(value));
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#broken = true;
      this.#pending = Buffer.alloc(0);
      onError(error);
    }
  }
}
