/**
 * The bookkeeping behind every owned buffer: one {@link Allocation} record per adoption, linked into a list of
 * live allocations, found from its ArrayBuffer through a private field, and released exactly once whichever of
 * dispose, garbage collection or process exit comes first.
 */
import { privateSlot } from "@ffi-kit/core/internal";
import { native } from "./native-addon.js";

/** How an allocation is freed. */
export const FreeKind = {
  /** A JS function (or a core symbol / CFunction): `free(address, byteLength)`. */
  Js: 0,
  /** A native function pointer: `free(address, context)`, called by the addon (its entry, like a deallocator buffer). */
  Native: 1,
  /** A native deallocator buffer (core's 5-argument toArrayBuffer): the addon's entry frees it. */
  Deallocator: 2,
} as const;
export type FreeKind = (typeof FreeKind)[keyof typeof FreeKind];

/** Where an allocation is in its life. */
export const State = {
  Live: 0,
  Disposed: 1,
  Collected: 2,
  Exit: 3,
  /** Copying mode: the native memory was freed at adoption; the view holds a JS-owned copy. */
  Copied: 4,
} as const;
export type State = (typeof State)[keyof typeof State];

/** Set by leak tracking: the stack of the adopting call is captured here when enabled. */
export const tracking = { enabled: false };

/** One adopted piece of native memory. Holds no reference to its view (that would keep it alive). */
export class Allocation {
  state: State = State.Live as State;
  prev: Allocation | null = null;
  next: Allocation | null = null;
  /** An Error whose stack is the adopting call's, when leak tracking was on. */
  origin: Error | undefined = undefined;
  createdAt = 0;
  constructor(
    readonly id: number,
    readonly address: number,
    readonly byteLength: number,
    readonly kind: FreeKind,
    readonly free: ((address: number, byteLength: number) => unknown) | number | bigint | null,
    readonly context: number | bigint | null,
  ) {}
}

/** Counters since the process started (or since the package was first imported). */
export const counters = {
  allocated: 0,
  freedByDispose: 0,
  freedByGC: 0,
  freedAtExit: 0,
  copied: 0,
  freeErrors: 0,
  live: 0,
  bytesLive: 0,
};

let nextId = 1;
/** The id the next allocation will get. */
export function peekNextId(): number {
  return nextId;
}
export function takeId(): number {
  return nextId++;
}

/** Head of the doubly linked list of live allocations (newest first). */
export let head: Allocation | null = null;

export function link(record: Allocation): void {
  record.next = head;
  if (head !== null) head.prev = record;
  head = record;
  counters.allocated++;
  counters.live++;
  counters.bytesLive += record.byteLength;
  if (tracking.enabled) {
    record.origin = new Error("allocated here");
    record.createdAt = performance.now();
  }
}

function unlink(record: Allocation): void {
  if (record.prev !== null) record.prev.next = record.next;
  else head = record.next;
  if (record.next !== null) record.next.prev = record.prev;
  record.prev = record.next = null;
  counters.live--;
  counters.bytesLive -= record.byteLength;
}

// ---- finding the record of a buffer: a private field installed on the ArrayBuffer (core's privateSlot) ----

const records = privateSlot<Allocation>();

/** Marks `buffer` as owned by `record`. */
export function stamp(buffer: ArrayBuffer, record: Allocation): void {
  records.write(buffer, record);
}

const { isView } = ArrayBuffer;

/** The record behind an owned ArrayBuffer, TypedArray, DataView or Buffer; undefined if not ours. */
export function allocationOf(view: unknown): Allocation | undefined {
  if (typeof view !== "object" || view === null) return undefined;
  if (isView(view)) return records.read(view.buffer);
  return records.read(view);
}

/** The ArrayBuffer behind a view (the view itself if it is one). */
export function bufferOf(view: object): ArrayBuffer | undefined {
  if (isView(view)) return view.buffer as ArrayBuffer;
  return view instanceof ArrayBuffer ? view : undefined;
}

// ---- GC pressure: bytes freed through JS functions are reported with the next adoption, or in batches ----

let pendingFreed = 0;
const FLUSH_AT = 8 * 1024 * 1024;

/** The adjustment to report with an adoption of `byteLength` bytes (bytes freed since the last report deducted). */
export function adjustmentFor(byteLength: number): number {
  const delta = byteLength - pendingFreed;
  pendingFreed = 0;
  return delta;
}

// ---- release: the single place where memory is freed ----

/**
 * Whether a buffer the addon frees (deallocator buffers, own() with a native free) is freed as soon as the
 * registry sees its ArrayBuffer collected, or left to the addon's finalizer (which runs a little later, when V8
 * releases the bytes). Freeing at collection keeps the counters and the allocator in step; it is safe only where
 * the bytes cannot outlive their ArrayBuffer object, i.e. without `ArrayBuffer.prototype.transfer` (Node 20).
 */
const freeAtCollection = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer !== "function";

const registry = new FinalizationRegistry<Allocation>(collected);

/** Starts watching `buffer` for collection on behalf of `record`. */
export function watch(buffer: ArrayBuffer, record: Allocation): void {
  // No unregister token: dispose() does not unregister (that costs a hash-table removal per dispose); the callback
  // of a disposed record finds it freed and does nothing.
  registry.register(buffer, record);
}

function collected(record: Allocation): void {
  if (record.state !== State.Live) return;
  try {
    release(record, State.Collected, undefined);
  } catch (error) {
    counters.freeErrors++;
    process.emitWarning(
      `@ffi-kit/memory: freeing ${record.byteLength} bytes at 0x${record.address.toString(16)} after garbage collection threw: ${
        (error as Error)?.message ?? String(error)
      }`,
      { type: "FFIKitMemoryWarning", code: "FFI_KIT_FREE_FAILED" },
    );
  }
}

/**
 * Frees `record` now unless already freed; `buffer` (if reachable) is detached first so no view can read the
 * freed bytes. Returns whether this call freed it. An error thrown by a JS `free` propagates after the record is
 * marked freed (it is never retried: a second attempt could double-free).
 */
export function release(record: Allocation, how: State, buffer: ArrayBuffer | undefined): boolean {
  if (record.state !== State.Live) return false;
  record.state = how;
  unlink(record);
  if (how === State.Disposed) counters.freedByDispose++;
  else if (how === State.Collected) counters.freedByGC++;
  else if (how === State.Copied) counters.copied++;
  else counters.freedAtExit++;
  switch (record.kind) {
    case FreeKind.Deallocator:
      if (how !== State.Collected || freeAtCollection) native.release(record.id, buffer);
      return true;
    case FreeKind.Native:
      // Copying mode: the bytes were copied at adoption; free them now (never reported to V8).
      if (how === State.Copied) native.detachAndFree(undefined, record.free as number | bigint, record.address, record.context, 0);
      // Otherwise like a deallocator buffer: the addon's entry frees (and detaches) once.
      else if (how !== State.Collected || freeAtCollection) native.release(record.id, buffer);
      return true;
    default:
      if (buffer !== undefined) native.detach(buffer);
      if (how !== State.Copied) pendingFreed += record.byteLength;
      if (pendingFreed >= FLUSH_AT) {
        native.adjust(-pendingFreed);
        pendingFreed = 0;
      }
      (record.free as (address: number, byteLength: number) => unknown)(record.address, record.byteLength);
      return true;
  }
}

/**
 * Process exit: frees every allocation still live, then the native leftovers. Buffers are not detached (holding
 * them weakly would keep every view alive until the end of its job, see README); an 'exit' listener that runs
 * after this one must not read owned views, and our API (addressOf, readOwned) throws ERR_FFI_USE_AFTER_FREE.
 */
export function releaseAllAtExit(): void {
  for (let record = head; record !== null; record = head) {
    try {
      release(record, State.Exit, undefined);
    } catch {
      counters.freeErrors++;
    }
  }
  native.releaseAll();
}
