/**
 * Model-based testing of native memory ownership with `fc.commands`: random sequences of alloc, read,
 * addressOf, dispose, drop and gc run against @ffi-kit/memory and a model of what must hold after each step:
 * memory is freed exactly once, never while a live view holds it, always on dispose; a freed view refuses to be
 * read (`ERR_FFI_USE_AFTER_FREE`); and once everything is dropped and collected, nothing is left. Reusable with
 * any native allocator: give it `alloc` and the ways to free.
 */
import fc from "fast-check";
import { FFIError } from "@ffi-kit/core";
import type * as MemoryModule from "@ffi-kit/memory";
import { show } from "./outcome.js";

type FreeFunction = MemoryModule.FreeFunction;

/** The native allocator under test and the ways its memory may be freed. */
export interface MemoryModelTarget {
  /** Allocates `size` bytes natively and returns the address. */
  readonly alloc: (size: number) => number | bigint;
  /** Ways to free (a JS function `(address, byteLength) => void`, or a native function pointer): each Alloc picks one. */
  readonly frees: readonly FreeFunction[];
  /** The allocator's own count of live allocations, if it keeps one: it must match @ffi-kit/memory's. */
  readonly live?: () => number;
  /** The allocator's count of frees of memory it did not hand out (double frees), if it keeps one: must stay 0. */
  readonly badFrees?: () => number;
}

/** Options of {@link checkMemoryModel}. */
export interface MemoryModelOptions {
  readonly target: MemoryModelTarget;
  /** The @ffi-kit/memory module (default: imported). */
  readonly memory?: typeof MemoryModule;
  readonly numRuns?: number;
  readonly seed?: number;
  /** Replay a failure: with `seed`, the `path` and `replayPath` of its report. */
  readonly path?: string;
  readonly replayPath?: string;
  /** Longest command sequence (default 40). */
  readonly maxCommands?: number;
  /** Largest allocation in bytes (default 256). */
  readonly maxSize?: number;
  /** Forces a full garbage collection (default: `globalThis.gc`, which `node --expose-gc` provides). */
  readonly gc?: () => void;
  /**
   * How long a disagreement between the allocator's live count and @ffi-kit/memory's may wait for native frees
   * still pending in external-buffer finalizers, in milliseconds (default 10,000).
   */
  readonly settleTimeoutMs?: number;
}

/** The result of {@link checkMemoryModel}. */
export interface MemoryModelReport {
  readonly ok: boolean;
  readonly runs: number;
  readonly seed: number;
  /** fast-check's path to the shrunk failing sequence. */
  readonly path?: string;
  /** The shrunk command sequence, e.g. `Alloc(16, free#0), Dispose(0), Read(0, 3)`. */
  readonly counterexample?: string;
  /** fast-check's replay path of the command sequence (give it back with `seed` and `path` to replay). */
  readonly replayPath?: string;
  readonly message?: string;
}

interface Slot {
  view: Uint8Array | null;
  /** The view without keeping it alive, for the teardown after a failed run. */
  readonly weak: WeakRef<Uint8Array>;
  readonly address: number;
  readonly size: number;
  readonly pattern: number;
  disposed: boolean;
}

/** What the model knows: how many allocations were made (commands refer to them by index). */
interface Model {
  allocations: number;
}

interface Real {
  readonly memory: typeof MemoryModule;
  readonly target: MemoryModelTarget;
  readonly slots: Slot[];
  readonly base: { live: number; native: number; bad: number; entries: number };
  readonly gc: () => void;
  readonly settleTimeoutMs: number;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

class ModelViolation extends Error {
  override get name(): string {
    return "ModelViolation";
  }
}

function expectThat(ok: boolean, message: () => string): void {
  if (!ok) throw new ModelViolation(message());
}

const byteOf = (pattern: number, i: number): number => (pattern + i * 7) & 255;

function useAfterFree(fn: () => unknown, what: string): void {
  try {
    const v = fn();
    throw new ModelViolation(`${what} on freed memory returned ${show(v)} instead of throwing ERR_FFI_USE_AFTER_FREE`);
  } catch (error) {
    if (error instanceof ModelViolation) throw error;
    expectThat((error as { code?: string }).code === "ERR_FFI_USE_AFTER_FREE", () => `${what} on freed memory threw ${show(error)}, not ERR_FFI_USE_AFTER_FREE`);
  }
}

/** The addon's buffers whose native free has not run yet (own() with a native free, deallocator buffers). */
const addonEntries = (memory: typeof MemoryModule): number => memory.memoryStats().native?.live ?? 0;

/**
 * Waits until the allocator's live count agrees with @ffi-kit/memory's, as long as the difference can be native
 * frees still pending. Why a wait: on runtimes with `ArrayBuffer.prototype.transfer` (Node 22+) the native free
 * of a collected view is left to its external buffer's finalizer, and V8 releases the backing store on its
 * background ArrayBuffer sweeper, then Node runs the finalizer on a later turn of the event loop: no number of
 * event-loop turns is guaranteed to be enough. The wait is on the event that matters (the allocator's own count)
 * and bounded by `settleTimeoutMs`; it only waits while the allocator has more live than @ffi-kit/memory counts
 * and the addon still holds at least that many unfreed buffers, so an allocator that truly disagrees (a free that
 * frees nothing, a double free) fails at once.
 */
async function settle(r: Real): Promise<void> {
  const live = r.target.live;
  if (live === undefined) return;
  const surplus = () => live() - r.base.native - (r.memory.memoryStats().live - r.base.live);
  const deadline = Date.now() + r.settleTimeoutMs;
  for (let turn = 0; surplus() > 0 && surplus() <= addonEntries(r.memory) - r.base.entries && Date.now() < deadline; turn++) {
    // A few immediate turns first (the common case on Node 20), then short sleeps for the background sweeper.
    await (turn < 20 ? tick() : sleep(2));
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Checks the accounting after every command (see {@link settle} for the wait on pending native frees). */
async function checkInvariants(r: Real, after: string): Promise<void> {
  await settle(r);
  const stats = r.memory.memoryStats();
  const live = stats.live - r.base.live;
  const held = r.slots.filter((s) => s.view !== null && !s.disposed).length;
  const mayBeLive = r.slots.filter((s) => !s.disposed).length;
  expectThat(live >= held, () => `after ${after}: ${held} views are held and not disposed, but only ${live} allocations are live (freed while in use)`);
  expectThat(live <= mayBeLive, () => `after ${after}: ${live} allocations live, but at most ${mayBeLive} were never disposed (a disposed one was not freed)`);
  if (r.target.live !== undefined) {
    const native = r.target.live() - r.base.native;
    expectThat(native === live, () => `after ${after}: the allocator has ${native} live allocations, @ffi-kit/memory counts ${live}`);
  }
  if (r.target.badFrees !== undefined) {
    const bad = r.target.badFrees() - r.base.bad;
    expectThat(bad === 0, () => `after ${after}: ${bad} free(s) of memory that was not live (double free)`);
  }
}

type Command = fc.AsyncCommand<Model, Real, false>;

class Alloc implements Command {
  constructor(readonly size: number, readonly freeIndex: number, readonly pattern: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const address = Number(r.target.alloc(this.size));
    const free = r.target.frees[this.freeIndex % r.target.frees.length]!;
    const view = r.memory.own(address, this.size, free);
    for (let i = 0; i < this.size; i++) view[i] = byteOf(this.pattern, i);
    r.slots.push({ view, weak: new WeakRef(view), address, size: this.size, pattern: this.pattern, disposed: false });
    m.allocations++;
    await checkInvariants(r, this.toString());
  }
  toString(): string {
    return `Alloc(${this.size}, free#${this.freeIndex}, pattern ${this.pattern})`;
  }
}

/** A command on an earlier allocation, picked by index modulo the number made so far. */
abstract class OnSlot implements Command {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>): boolean {
    return m.allocations > 0;
  }
  slot(r: Real): { slot: Slot; index: number } {
    const index = this.pick % r.slots.length;
    return { slot: r.slots[index]!, index };
  }
  abstract run(m: Model, r: Real): Promise<void>;
}

class Read extends OnSlot {
  constructor(pick: number, readonly at: number) {
    super(pick);
  }
  override async run(_m: Model, r: Real): Promise<void> {
    const { slot, index } = this.slot(r);
    if (slot.view === null) return;
    const offset = this.at % slot.size;
    if (slot.disposed) {
      useAfterFree(() => r.memory.readOwned.u8(slot.view!, offset), `readOwned.u8(#${index}, ${offset})`);
      expectThat(slot.view.byteLength === 0, () => `#${index} is disposed but its view still has ${slot.view!.byteLength} bytes`);
    } else {
      const got = r.memory.readOwned.u8(slot.view, offset);
      expectThat(got === byteOf(slot.pattern, offset), () => `readOwned.u8(#${index}, ${offset}) = ${got}, expected ${byteOf(slot.pattern, offset)}`);
      expectThat(slot.view[offset] === got, () => `#${index}[${offset}] differs from readOwned`);
    }
    await checkInvariants(r, this.toString());
  }
  override toString(): string {
    return `Read(${this.pick}, ${this.at})`;
  }
}

class AddressOf extends OnSlot {
  override async run(_m: Model, r: Real): Promise<void> {
    const { slot, index } = this.slot(r);
    if (slot.view === null) return;
    if (slot.disposed) useAfterFree(() => r.memory.addressOf(slot.view!), `addressOf(#${index})`);
    else {
      const a = r.memory.addressOf(slot.view);
      expectThat(a === slot.address, () => `addressOf(#${index}) = ${a}, allocated at ${slot.address}`);
    }
    await checkInvariants(r, this.toString());
  }
  override toString(): string {
    return `AddressOf(${this.pick})`;
  }
}

class Dispose extends OnSlot {
  override async run(_m: Model, r: Real): Promise<void> {
    const { slot, index } = this.slot(r);
    if (slot.view === null) return;
    const freedNow = r.memory.dispose(slot.view);
    expectThat(freedNow === !slot.disposed, () => `dispose(#${index}) returned ${freedNow} for a view ${slot.disposed ? "already disposed" : "not yet disposed"}`);
    slot.disposed = true;
    expectThat(r.memory.isFreed(slot.view), () => `isFreed(#${index}) is false after dispose`);
    await checkInvariants(r, this.toString());
  }
  override toString(): string {
    return `Dispose(${this.pick})`;
  }
}

class Drop extends OnSlot {
  override async run(_m: Model, r: Real): Promise<void> {
    this.slot(r).slot.view = null;
    await checkInvariants(r, this.toString());
  }
  override toString(): string {
    return `Drop(${this.pick})`;
  }
}

class Collect implements Command {
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.gc();
    await tick();
    await checkInvariants(r, this.toString());
  }
  toString(): string {
    return "GC";
  }
}

/** The collector to use: the option, else `globalThis.gc`; never flips V8 flags of the user's process. */
function collector(gc: (() => void) | undefined): () => void {
  if (gc !== undefined) {
    if (typeof gc !== "function") {
      throw Object.assign(new TypeError(`checkMemoryModel(): gc must be a function. Received ${show(gc)}`), { code: "ERR_INVALID_ARG_TYPE" });
    }
    return gc;
  }
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === "function") return existing as () => void;
  throw new FFIError(
    "ERR_FFI_GC_UNAVAILABLE",
    "checkMemoryModel() needs to force garbage collections: run node with --expose-gc (e.g. NODE_OPTIONS=--expose-gc), or pass the gc option",
  );
}

/**
 * The command arbitrary: Alloc, Read, AddressOf, Dispose, Drop and GC, weighted towards allocation and use.
 *
 * @example
 * fc.assert(fc.asyncProperty(memoryCommands({ frees: 2 }), (cmds) => fc.asyncModelRun(setup, cmds)))
 */
export function memoryCommands(options: { frees: number; maxCommands?: number; maxSize?: number; replayPath?: string }): fc.Arbitrary<Iterable<Command>> {
  const slot = fc.nat(1000);
  const alloc = fc.tuple(fc.integer({ min: 1, max: options.maxSize ?? 256 }), fc.nat(Math.max(0, options.frees - 1)), fc.nat(255)).map(([s, f, p]) => new Alloc(s, f, p));
  return fc.commands(
    [
      // Listed twice: allocations are a quarter of the commands, so sequences hold several live views at once.
      alloc,
      alloc,
      fc.tuple(slot, fc.nat(1000)).map(([i, at]) => new Read(i, at)),
      slot.map((i) => new AddressOf(i)),
      slot.map((i) => new Dispose(i)),
      slot.map((i) => new Drop(i)),
      fc.constant(new Collect()),
    ],
    { maxCommands: options.maxCommands ?? 40, size: "max", ...(options.replayPath !== undefined ? { replayPath: options.replayPath } : {}) },
  );
}

/**
 * Runs random command sequences against @ffi-kit/memory and the model; each run ends by disposing what is held,
 * dropping everything and collecting until nothing is live (a leak fails the run). Failures are shrunk and come
 * with their seed and path.
 *
 * @example
 * const report = await checkMemoryModel({ target: { alloc: lib.my_alloc, frees: [lib.my_free], live: lib.my_live } });
 */
export async function checkMemoryModel(options: MemoryModelOptions): Promise<MemoryModelReport> {
  const memory = options.memory ?? ((await import("@ffi-kit/memory")) as typeof MemoryModule);
  const { target } = options;
  if (target === null || typeof target !== "object" || typeof target.alloc !== "function" || !Array.isArray(target.frees) || target.frees.length === 0) {
    throw Object.assign(new TypeError(`checkMemoryModel(): target must have alloc(size) and a non-empty frees array. Received ${show(target)}`), {
      code: "ERR_INVALID_ARG_TYPE",
    });
  }
  const gc = collector(options.gc);
  const settleTimeoutMs = options.settleTimeoutMs ?? 10_000;
  const seed = options.seed ?? ((Math.random() * 2 ** 32) | 0);
  const property = fc.asyncProperty(
    memoryCommands({ frees: target.frees.length, ...(options.maxCommands ? { maxCommands: options.maxCommands } : {}), ...(options.maxSize ? { maxSize: options.maxSize } : {}), ...(options.replayPath !== undefined ? { replayPath: options.replayPath } : {}) }),
    async (commands) => {
      // Start from a collected heap so allocations of earlier runs do not blur the accounting.
      gc();
      await tick();
      const real: Real = {
        memory,
        target,
        slots: [],
        gc,
        settleTimeoutMs,
        base: { live: memory.memoryStats().live, native: target.live?.() ?? 0, bad: target.badFrees?.() ?? 0, entries: addonEntries(memory) },
      };
      let passed = false;
      try {
        await fc.asyncModelRun(() => ({ model: { allocations: 0 }, real }), commands);
        passed = true;
      } finally {
        // Teardown, also after a failure (so nothing of this run is freed during the next one): dispose what is
        // held, drop everything and collect; then dispose what a failed run left reachable; until nothing is live.
        for (const s of real.slots) {
          if (s.view !== null && !s.disposed) memory.dispose(s.view);
          if (s.view !== null) s.disposed = true;
          s.view = null;
        }
        for (let round = 0; round < 2 && memory.memoryStats().live > real.base.live; round++) {
          for (let i = 0; i < 25 && memory.memoryStats().live > real.base.live; i++) {
            gc();
            await tick();
          }
          for (const s of real.slots) {
            const view = s.weak.deref();
            if (view !== undefined && !memory.isFreed(view)) memory.dispose(view);
          }
        }
      }
      if (passed) {
        const left = memory.memoryStats().live - real.base.live;
        expectThat(left === 0, () => `${left} allocation(s) still live after every view was dropped and collected (leak)`);
        await checkInvariants(real, "teardown");
      }
    },
  );
  const details = await fc.check(property, { seed, numRuns: options.numRuns ?? 50, ...(options.path !== undefined ? { path: options.path } : {}) });
  if (!details.failed) return { ok: true, runs: details.numRuns, seed };
  const error = details.errorInstance;
  const commands = details.counterexample?.[0] as Iterable<Command> | undefined;
  const replayPath = commands ? /replayPath="([^"]*)"/.exec(String(commands))?.[1] : undefined;
  return {
    ok: false,
    runs: details.numRuns,
    seed: details.seed,
    path: details.counterexamplePath ?? "",
    counterexample: commands ? [...commands].map(String).join(", ") : "",
    ...(replayPath !== undefined ? { replayPath } : {}),
    message: error instanceof Error ? error.message : String(error),
  };
}
