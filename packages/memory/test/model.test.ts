// Model-based test (fc.commands): random sequences of alloc, view, dispose, drop, gc and read against a model of
// what must hold: memory is freed exactly once (no bad frees), never while a live view holds it, always after
// dispose, and - after a collection - everything dropped is freed too.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { toArrayBuffer, FFIError } from "@ffi-kit/core";
import { own, dispose, readOwned, isFreed } from "@ffi-kit/memory";
import { ca, counts, deallocPtr, freePtr, patternByte } from "./fixtures/counting-alloc.mjs";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

type Path = "js" | "native" | "symbol" | "deallocator";

interface Slot {
  view: Uint8Array | ArrayBuffer | null; // null once dropped
  size: number;
  serial: number;
  disposed: boolean;
}
interface Real {
  slots: Slot[];
  base: ReturnType<typeof counts>;
}
interface Model {
  slots: number; // how many allocations were made
}

function bytesOf(view: Uint8Array | ArrayBuffer): Uint8Array {
  if (!(view instanceof ArrayBuffer)) return view;
  return view.byteLength === 0 ? new Uint8Array(0) : new Uint8Array(view); // a detached buffer has no bytes
}

/** The allocator's live count relative to the run's start must equal the views we hold and have not disposed. */
function heldLive(r: Real): number {
  return r.slots.filter((s) => s.view !== null && !s.disposed).length;
}

function checkInvariants(r: Real): void {
  const now = counts();
  expect(now.badFrees).toBe(0);
  // Never freed while held: the allocator holds at least every held, undisposed allocation.
  expect(now.live - r.base.live).toBeGreaterThanOrEqual(heldLive(r));
  // Each allocation is freed at most once.
  expect(now.frees - r.base.frees).toBeLessThanOrEqual(now.allocs - r.base.allocs);
}

class Alloc implements fc.AsyncCommand<Model, Real> {
  constructor(readonly size: number, readonly path: Path) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const p = ca.ca_alloc(this.size);
    const serial = Number(ca.ca_allocs());
    let view: Uint8Array | ArrayBuffer;
    if (this.path === "js") view = own(p, this.size, (address) => ca.ca_free(address));
    else if (this.path === "native") view = own(p, this.size, freePtr);
    else if (this.path === "symbol") view = own(p, this.size, ca.ca_free, { as: "arraybuffer" });
    else view = toArrayBuffer(p, 0, this.size, null, deallocPtr);
    r.slots.push({ view, size: this.size, serial, disposed: false });
    m.slots++;
    checkInvariants(r);
  }
  toString = () => `alloc(${this.size}, ${this.path})`;
}

class View implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.slots > 0;
  async run(m: Model, r: Real) {
    const slot = r.slots[this.index % r.slots.length]!;
    if (slot.view === null) return;
    const bytes = bytesOf(slot.view);
    if (slot.disposed) expect(bytes.length).toBe(0);
    else expect(Array.from(bytes)).toEqual(Array.from({ length: slot.size }, (_, i) => patternByte(slot.serial, i)));
    checkInvariants(r);
  }
  toString = () => `view(${this.index})`;
}

class Dispose implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.slots > 0;
  async run(m: Model, r: Real) {
    const slot = r.slots[this.index % r.slots.length]!;
    if (slot.view === null) return;
    const frees = counts().frees;
    expect(dispose(slot.view)).toBe(!slot.disposed);
    expect(counts().frees).toBe(frees + (slot.disposed ? 0 : 1));
    slot.disposed = true;
    expect(isFreed(slot.view)).toBe(true);
    checkInvariants(r);
  }
  toString = () => `dispose(${this.index})`;
}

class Drop implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.slots > 0;
  async run(m: Model, r: Real) {
    const slot = r.slots[this.index % r.slots.length]!;
    slot.view = null;
    checkInvariants(r);
  }
  toString = () => `drop(${this.index})`;
}

class Collect implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    // After collection, everything dropped is freed: the allocator's live count equals what we hold.
    for (let i = 0; i < 20 && counts().live - r.base.live !== heldLive(r); i++) {
      await tick();
      gc();
      await tick();
    }
    expect(counts().live - r.base.live).toBe(heldLive(r));
    checkInvariants(r);
  }
  toString = () => "gc";
}

class Read implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number, readonly offset: number) {}
  check = (m: Readonly<Model>) => m.slots > 0;
  async run(m: Model, r: Real) {
    const slot = r.slots[this.index % r.slots.length]!;
    if (slot.view === null) return;
    const at = this.offset % slot.size;
    if (slot.disposed) {
      let error: unknown;
      try {
        readOwned.u8(slot.view, at);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FFIError);
      expect((error as FFIError).code).toBe("ERR_FFI_USE_AFTER_FREE");
    } else {
      expect(readOwned.u8(slot.view, at)).toBe(patternByte(slot.serial, at));
    }
    checkInvariants(r);
  }
  toString = () => `read(${this.index}, ${this.offset})`;
}

const commands = [
  fc.tuple(fc.integer({ min: 1, max: 256 }), fc.constantFrom<Path>("js", "native", "symbol", "deallocator")).map(([size, path]) => new Alloc(size, path)),
  fc.nat(64).map((i) => new View(i)),
  fc.nat(64).map((i) => new Dispose(i)),
  fc.nat(64).map((i) => new Drop(i)),
  fc.constant(new Collect()),
  fc.tuple(fc.nat(64), fc.nat(1024)).map(([i, o]) => new Read(i, o)),
];

describe("model-based (fc.commands)", () => {
  it("alloc / view / dispose / drop / gc / read keep every invariant", async () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2147483647);
    console.log(`model.test.ts: fast-check seed=${seed} (replay with FC_SEED=${seed})`);
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
        const real: Real = { slots: [], base: counts() };
        await fc.asyncModelRun(() => ({ model: { slots: 0 }, real }), cmds);
        // End of run: dispose what is held, collect the rest; all freed exactly once.
        for (const slot of real.slots) if (slot.view !== null) dispose(slot.view);
        real.slots.length = 0;
        for (let i = 0; i < 20 && counts().live !== real.base.live; i++) {
          await tick();
          gc();
          await tick();
        }
        const end = counts();
        expect(end.live).toBe(real.base.live);
        expect(end.frees - real.base.frees).toBe(end.allocs - real.base.allocs);
        expect(end.badFrees).toBe(0);
      }),
      { seed, numRuns: 40 },
    );
  });
});
