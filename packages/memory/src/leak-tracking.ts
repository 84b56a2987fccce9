/**
 * Leak tracking: counters (always on, a few integer additions per allocation), and, when enabled with
 * `trackLeaks()` or `FFI_KIT_TRACK_LEAKS=1`, the JS stack of every adoption, a list of live allocations,
 * `assertNoLeaks()` for test suites, and a report at process exit.
 */
import { FFIError } from "@ffi-kit/core";
import { counters, liveAllocations, peekNextId, tracking, type Allocation } from "./allocation.js";
import { native, type NativeDeallocatorStats } from "./native-addon.js";

/** Counters of owned memory. */
export interface MemoryStats {
  /** Allocations adopted (own(), and toArrayBuffer/toBuffer with a deallocator). */
  readonly allocated: number;
  /** Freed by `dispose()`, `Symbol.dispose` or a scope. */
  readonly freedByDispose: number;
  /** Freed after garbage collection. */
  readonly freedByGC: number;
  /** Freed at process exit. */
  readonly freedAtExit: number;
  /** Adopted in copying mode (freed at once; the view holds a copy). */
  readonly copied: number;
  /** `free` functions that threw during garbage collection or exit (reported as process warnings). */
  readonly freeErrors: number;
  /** Allocations not freed yet. */
  readonly live: number;
  /** Bytes not freed yet. */
  readonly bytesLive: number;
  /** The addon's own counts for the buffers it frees (deallocator buffers, and own() with a native free). */
  readonly native: NativeDeallocatorStats;
}

/**
 * A snapshot of the counters.
 *
 * @example
 * const { live, bytesLive } = memoryStats();
 */
export function memoryStats(): MemoryStats {
  return { ...counters, native: native.stats() };
}

/** A live allocation, as {@link leaks} lists it. */
export interface LeakInfo {
  /** Increasing id (compare with a {@link leakCheckpoint}). */
  readonly id: number;
  readonly address: number;
  readonly byteLength: number;
  /** How it was adopted: `own()` or a native deallocator buffer (`toArrayBuffer`/`toBuffer`). */
  readonly via: "own" | "deallocator";
  /** The JS stack of the adopting call; empty when tracking was off at the time. */
  readonly stack: string;
  /** Milliseconds since adoption (0 when tracking was off). */
  readonly ageMs: number;
}

/**
 * Turns leak tracking (stack capture) on or off; also on when `FFI_KIT_TRACK_LEAKS=1`. With tracking on, live
 * allocations are reported on stderr at process exit.
 *
 * @example
 * trackLeaks(); // in a test setup file
 */
export function trackLeaks(enabled = true): void {
  tracking.enabled = enabled === true;
}

/** Whether leak tracking is on. */
export function isTrackingLeaks(): boolean {
  return tracking.enabled;
}

/** A point in the allocation sequence: pass it to {@link leaks} or {@link assertNoLeaks} to look only after it. */
export type LeakCheckpoint = { readonly nextId: number };

/**
 * Marks the current point in the allocation sequence.
 *
 * @example
 * const mark = leakCheckpoint(); runTest(); assertNoLeaks(mark);
 */
export function leakCheckpoint(): LeakCheckpoint {
  return Object.freeze({ nextId: peekNextId() });
}

function stackOf(record: Allocation): string {
  const stack = record.origin?.stack;
  if (stack === undefined) return "";
  // Drop the "Error: allocated here" line and our own frames.
  return stack
    .split("\n")
    .slice(1)
    .filter(
      (line) =>
        !/[\\/]memory[\\/](dist|src)[\\/](allocation|buffer-mode|owned|native-deallocator|scope)\.[jt]s/.test(line) &&
        !/[\\/]core[\\/](dist|src)[\\/]array-buffer\.[jt]s/.test(line),
    )
    .join("\n");
}

/**
 * The allocations still live (not disposed, collected or freed at exit), oldest first; only those adopted
 * after `since` if given. Memory that is merely unreachable counts until the GC has collected it.
 *
 * @example
 * for (const leak of leaks()) console.log(leak.byteLength, leak.stack);
 */
export function leaks(since?: LeakCheckpoint): LeakInfo[] {
  const from = since?.nextId ?? 0;
  const out: LeakInfo[] = [];
  const now = performance.now();
  for (const r of liveAllocations()) {
    if (r.id < from) continue;
    out.push({
      id: r.id,
      address: r.address,
      byteLength: r.byteLength,
      via: r.kind === "deallocator" ? "deallocator" : "own",
      stack: stackOf(r),
      ageMs: r.createdAt === 0 ? 0 : now - r.createdAt,
    });
  }
  return out.reverse();
}

function describe(list: readonly LeakInfo[], limit: number): string {
  const bytes = list.reduce((n, l) => n + l.byteLength, 0);
  const lines = [`${list.length} native allocation${list.length === 1 ? "" : "s"} (${bytes} bytes) not freed`];
  for (const l of list.slice(0, limit)) {
    lines.push(`  #${l.id}: ${l.byteLength} bytes at 0x${l.address.toString(16)} (${l.via})`);
    lines.push(l.stack ? l.stack.replace(/^/gm, "    ") : "    (no stack: enable trackLeaks() or FFI_KIT_TRACK_LEAKS=1)");
  }
  if (list.length > limit) lines.push(`  ... and ${list.length - limit} more`);
  return lines.join("\n");
}

/**
 * Throws `ERR_FFI_MEMORY_LEAK` (listing each leak with its stack) if allocations adopted after `since` are
 * still live.
 *
 * @example
 * afterEach(() => assertNoLeaks(mark));
 */
export function assertNoLeaks(since?: LeakCheckpoint): void {
  const list = leaks(since);
  if (list.length > 0) throw new FFIError("ERR_FFI_MEMORY_LEAK", `assertNoLeaks(): ${describe(list, 10)}`);
}

/** The exit report: printed when tracking is on and allocations are still live. */
export function exitReport(): string | undefined {
  if (!tracking.enabled) return undefined;
  const list = leaks();
  return list.length === 0 ? undefined : `@ffi-kit/memory at exit: ${describe(list, 20)} (freeing them now)`;
}
