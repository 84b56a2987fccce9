/**
 * The bookkeeping behind every owned buffer: one {@link Allocation} record per adoption, linked into a list of
 * live allocations, found from its ArrayBuffer through a private field, and released exactly once whichever of
 * dispose, garbage collection or process exit comes first.
 *
 * An allocation's state changes only in {@link transition}; memory is freed only in {@link release}.
 */
import { FFIError } from "@ffi-kit/core";
import { privateSlot, underlyingBuffer } from "@ffi-kit/core/internal";
import { native } from "./native-addon.js";

/**
 * Where an allocation is in its life:
 * - `"live"`: adopted, not freed;
 * - `"disposed"` / `"collected"` / `"exit"`: freed by dispose (or a scope), after garbage collection, at exit;
 * - `"copied"`: copying mode: the native memory was freed at adoption and the view holds a JS-owned copy (a later
 *   dispose drops the copy and moves it to `"disposed"`).
 */
export type State = "live" | "disposed" | "collected" | "exit" | "copied";

// The only moves (checked in transition): live -> disposed | collected | exit | copied, and copied -> disposed.

interface AllocationBase {
  readonly id: number;
  readonly address: number;
  readonly byteLength: number;
  /** Read anywhere; written only by {@link transition}. */
  readonly state: State;
  /** An Error whose stack is the adopting call's, when leak tracking was on. */
  readonly origin: Error | undefined;
  /** performance.now() at adoption, when leak tracking was on (else 0). */
  readonly createdAt: number;
}

/** `own(p, n, fn)` with a JS function (a core symbol or CFunction qualifies): `fn(address, byteLength)`. */
export interface JsFreeAllocation extends AllocationBase {
  readonly kind: "js";
  readonly free: (address: number, byteLength: number) => unknown;
}

/** `own(p, n, pointer)` with a native function pointer, called by the addon as `free(address, context)`. */
export interface NativeFreeAllocation extends AllocationBase {
  readonly kind: "native";
  readonly free: number | bigint;
  readonly context: number | bigint | null;
}

/** A buffer from core's 5-argument `toArrayBuffer`/`toBuffer`: the addon calls `deallocator(address, context)`. */
export interface DeallocatorAllocation extends AllocationBase {
  readonly kind: "deallocator";
  readonly free: number | bigint;
  readonly context: number | bigint | null;
}

/** One adopted piece of native memory, tagged by how it is freed. Holds no reference to its view. */
export type Allocation = JsFreeAllocation | NativeFreeAllocation | DeallocatorAllocation;

/** Allocation kinds the addon frees (it holds an entry for each, keyed by the record's id). */
export type NativeAllocation = NativeFreeAllocation | DeallocatorAllocation;

/** The mutable part of a record, private to this module. */
interface Record_ {
  id: number;
  address: number;
  byteLength: number;
  state: State;
  origin: Error | undefined;
  createdAt: number;
  kind: Allocation["kind"];
  free: unknown;
  context: number | bigint | null;
  prev: Record_ | null;
  next: Record_ | null;
}

/** Set by leak tracking: the stack of the adopting call is captured when enabled. */
export const tracking = { enabled: false };

/** Counters since the package was first imported. */
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

/** The live allocations: a doubly linked list (newest first), and the same records by address. */
const live: { head: Record_ | null } = { head: null };
/**
 * Live records by address. Freed records are left in place (overwritten when their address is adopted again) and
 * swept all at once when they outnumber the live ones: V8 rehashes a Map whose entries are deleted and re-added one
 * at a time far more often (measured: microseconds per adopt+dispose with 1,000 other allocations live).
 */
let byAddress = new Map<number, Record_>();
const sweep = { stale: 0 };

/** Every live allocation, newest first. */
export function* liveAllocations(): Generator<Allocation> {
  for (let r = live.head; r !== null; r = r.next) yield r as unknown as Allocation;
}

/**
 * Throws `ERR_FFI_ALREADY_OWNED` if the memory at `address` is owned already (adopting it twice would free it
 * twice). Called before anything is created for a new adoption.
 */
export function checkNotOwned(address: number, site: string): void {
  const owner = byAddress.get(address);
  if (owner === undefined || owner.state !== "live") return;
  if (owner.kind !== "js" && !native.isLive(owner.id)) {
    // The addon's finalizer freed it (its ArrayBuffer was collected) before the registry's callback told us: the
    // address is free and may have been handed out again. The record ends as collected now.
    transition(owner as unknown as Allocation, "collected");
    return;
  }
  {
    throw new FFIError(
      "ERR_FFI_ALREADY_OWNED",
      `${site}: the memory at 0x${address.toString(16)} is already owned (allocation #${owner.id}, ${owner.byteLength} bytes); ` +
        `adopting it twice would free it twice. Use the existing view, or dispose() it first`,
    );
  }
}

type NewAllocation =
  | { kind: "js"; free: (address: number, byteLength: number) => unknown; context?: null }
  | { kind: "native" | "deallocator"; free: number | bigint; context: number | bigint | null };

/** A new live record (not linked yet: {@link link} does that once its buffer exists). */
export function newAllocation<A extends NewAllocation>(
  address: number,
  byteLength: number,
  how: A,
): A["kind"] extends "js" ? JsFreeAllocation : A["kind"] extends "native" ? NativeFreeAllocation : DeallocatorAllocation {
  const record: Record_ = {
    id: nextId++,
    address,
    byteLength,
    state: "live",
    origin: undefined,
    createdAt: 0,
    kind: how.kind,
    free: how.free,
    context: how.context ?? null,
    prev: null,
    next: null,
  };
  return record as never;
}

/** Enters a live record into the list and the address map, once its buffer exists. */
export function link(allocation: Allocation): void {
  const record = allocation as unknown as Record_;
  record.next = live.head;
  if (live.head !== null) live.head.prev = record;
  live.head = record;
  if (byAddress.has(record.address)) sweep.stale--; // a freed record's entry, overwritten
  byAddress.set(record.address, record);
  counters.allocated++;
  counters.live++;
  counters.bytesLive += record.byteLength;
  if (tracking.enabled) {
    record.origin = new Error("allocated here");
    record.createdAt = performance.now();
  }
}

function unlink(record: Record_): void {
  if (record.prev !== null) record.prev.next = record.next;
  else live.head = record.next;
  if (record.next !== null) record.next.prev = record.prev;
  record.prev = record.next = null;
  if (byAddress.get(record.address) === record && ++sweep.stale > 1024 && sweep.stale > byAddress.size - sweep.stale) {
    // More freed entries than live ones: rebuild from the live list (amortized O(1) per free).
    const fresh = new Map<number, Record_>();
    for (let r = live.head; r !== null; r = r.next) fresh.set(r.address, r);
    byAddress = fresh;
    sweep.stale = 0;
  }
  counters.live--;
  counters.bytesLive -= record.byteLength;
}

/**
 * The only writer of an allocation's state. Moves `allocation` to `to` if that is a step its life allows from where
 * it is (see {@link State}); returns false, changing nothing, otherwise (a second dispose, a collection after
 * dispose). Leaving `"live"` takes it off the live list and counts how it ended.
 */
export function transition(allocation: Allocation, to: State): boolean {
  const record = allocation as unknown as Record_;
  const from = record.state;
  if (from !== "live" && (from !== "copied" || to !== "disposed")) return false;
  record.state = to;
  if (from === "live") {
    unlink(record);
    if (to === "disposed") counters.freedByDispose++;
    else if (to === "collected") counters.freedByGC++;
    else if (to === "copied") counters.copied++;
    else counters.freedAtExit++;
  }
  return true;
}

// ---- finding the record of a buffer: a private field installed on the ArrayBuffer (core's privateSlot) ----

const records = privateSlot<Allocation>();

/** Marks `buffer` as owned by `allocation`. */
export function stamp(buffer: ArrayBuffer, allocation: Allocation): void {
  records.write(buffer, allocation);
}

// ---- finding a view's buffer: through core's captured built-in getters (own properties and subclasses forging
// `buffer`, `byteOffset`, `byteLength` or `length` are never read, and reading them runs no user code) ----

/** The ArrayBuffer behind a view (the view itself if it is one); undefined for anything that is not an object. */
export function bufferOf(view: unknown): ArrayBuffer | undefined {
  if (typeof view !== "object" || view === null) return undefined;
  return underlyingBuffer(view as ArrayBufferView) as ArrayBuffer;
}

/** The record behind an owned ArrayBuffer, TypedArray, DataView or Buffer; undefined if not ours. */
export function allocationOf(view: unknown): Allocation | undefined {
  const buffer = bufferOf(view);
  return buffer === undefined ? undefined : records.read(buffer);
}

// ---- GC pressure: bytes freed through JS functions are reported with the next adoption, or in batches ----

const pressure = { pendingFreed: 0 };
const FLUSH_AT = 8 * 1024 * 1024;

/** The adjustment to report with an adoption of `byteLength` bytes (bytes freed since the last report deducted). */
export function adjustmentFor(byteLength: number): number {
  const delta = byteLength - pressure.pendingFreed;
  pressure.pendingFreed = 0;
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

/** Starts watching `buffer` for collection on behalf of `allocation`. */
export function watch(buffer: ArrayBuffer, allocation: Allocation): void {
  // No unregister token: dispose() does not unregister (that costs a hash-table removal per dispose); the callback
  // of a disposed record finds it freed and does nothing.
  registry.register(buffer, allocation);
}

function collected(allocation: Allocation): void {
  if (allocation.state !== "live") return;
  try {
    release(allocation, "collected", undefined);
  } catch (error) {
    counters.freeErrors++;
    process.emitWarning(
      `@ffi-kit/memory: freeing ${allocation.byteLength} bytes at 0x${allocation.address.toString(16)} after garbage collection threw: ${
        (error as Error)?.message ?? String(error)
      }`,
      { type: "FFIKitMemoryWarning", code: "FFI_KIT_FREE_FAILED" },
    );
  }
}

/**
 * Frees `allocation` now unless already freed; `buffer` (if reachable) is detached first so no view can read the
 * freed bytes. `how` is the state it ends in: `"disposed"`, `"collected"`, `"exit"`, or `"copied"` (copying mode:
 * the bytes were copied at adoption, the native memory goes now; `buffer` is the copy and stays attached).
 * Returns whether this call freed it. An error thrown by a JS `free` propagates after the record is marked freed
 * (it is never retried: a second attempt could double-free).
 */
export function release(allocation: Allocation, how: Exclude<State, "live">, buffer: ArrayBuffer | undefined): boolean {
  if (allocation.state === "copied") {
    // Copying mode: the native memory went at adoption; disposing drops the copy.
    if (how !== "disposed" || !transition(allocation, how)) return false;
    if (buffer !== undefined) native.detach(buffer);
    return true;
  }
  if (!transition(allocation, how)) return false;
  switch (allocation.kind) {
    case "deallocator":
      // The addon's entry frees (and detaches) once; a copied deallocator buffer has no entry (freed at adoption).
      if (how !== "copied" && (how !== "collected" || freeAtCollection)) native.release(allocation.id, buffer);
      return true;
    case "native":
      if (how === "copied") native.detachAndFree(undefined, allocation.free, allocation.address, allocation.context, 0);
      // Otherwise like a deallocator buffer: the addon's entry frees (and detaches) once.
      else if (how !== "collected" || freeAtCollection) native.release(allocation.id, buffer);
      return true;
    case "js":
      if (buffer !== undefined && how !== "copied") native.detach(buffer);
      if (how !== "copied") pressure.pendingFreed += allocation.byteLength;
      if (pressure.pendingFreed >= FLUSH_AT) {
        native.adjust(-pressure.pendingFreed);
        pressure.pendingFreed = 0;
      }
      allocation.free(allocation.address, allocation.byteLength);
      return true;
  }
}

/**
 * Process exit: frees every allocation still live, then the native leftovers. Buffers are not detached (holding
 * them weakly would keep every view alive until the end of its job, see README); an 'exit' listener that runs
 * after this one must not read owned views, and our API (addressOf, readOwned) throws ERR_FFI_USE_AFTER_FREE.
 */
export function releaseAllAtExit(): void {
  for (let record = live.head; record !== null; record = live.head) {
    try {
      release(record as unknown as Allocation, "exit", undefined);
    } catch {
      counters.freeErrors++;
    }
  }
  native.releaseAll();
}
