/**
 * The optional fast-call engine: core's own addon (native/fast_engine.cc) whose entries V8 calls straight from
 * optimised code through its Fast API, for C functions of scalar signatures. koffi stays the engine of everything
 * else, and of every call while a callback that C can reach is open (a fast call must not run JavaScript, and a C
 * function may call any such callback). That rule holds on every supported Node: JavaScript run from inside a fast
 * call aborts the process on Node 20 and 22 (V8 checks it) and, when that JavaScript runs a full GC, segfaults on
 * Node 24 and 26 (measured with a C function calling a JSCallback through the fast entry).
 *
 * What counts (`engineState.callbacks`): every koffi registration (koffi.register is wrapped here, so callbacks
 * registered with koffi directly count too, until koffi.unregister), except those of closed JSCallbacks that have a
 * thunk. A JSCallback's pointer is a thunk of the addon (native/callback_thunks.cc, x86-64 Linux) that jumps to
 * koffi's trampoline while the callback is open and to a native stub returning zero once it is closed: C calling
 * the old pointer then runs no JavaScript, so closing the callback gives the fast engine back. koffi's trampoline
 * stays registered (a thread may be inside it when the callback closes; it gets the zero value from JavaScript,
 * relayed to the event loop, never inside a fast call). Without thunks (engine off, a platform without them, the
 * table of 8192 used up) a JSCallback's pointer is koffi's trampoline, and it counts as long as it is registered,
 * closed or not, as C calling it still runs JavaScript.
 *
 * The addon is built per Node major (V8's Fast API has no stable ABI) into
 * `fast-engine/<platform>-<arch>-abi<modules>/ffi_kit_fast.node`. When it is missing, fails to load, or its
 * declared layout is not the running V8's, core uses koffi for every call, silently. `FFI_KIT_ENGINE=koffi` turns
 * the engine off.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { FFIType } from "./ffi-type.js";
import { koffi } from "./koffi-engine.js";
import type { Signature } from "./signature.js";

interface FastAddon {
  readonly layoutMatches: boolean;
  readonly maxArity: number;
  readonly v8: string;
  /** Whether i64/u64 returns come back as BigInts from the fast entry (V8 12 and later). */
  readonly bigintReturns: boolean;
  /** 8 bytes of addon memory: a 64-bit result that is not a safe integer, when its entry returned NaN. */
  readonly slot: ArrayBuffer;
  entry(...codes: number[]): ((...args: unknown[]) => unknown) | undefined;
  counters(): [number, number];
  thunkOpen(target: number): number | undefined;
  thunkClose(address: number): boolean;
  thunkStats(): [number, number];
}

/** What a wrapper over the fast engine reads on every call: callbacks C can reach now (fast only at 0). */
export interface EngineState {
  callbacks: number;
}

/**
 * The count lives on the koffi module itself, so that every copy of core loaded in the process (two versions, or
 * a test runner's fresh module graphs) reads the same count, and koffi is wrapped once.
 */
const SHARED = Symbol.for("@ffi-kit/core fast engine: koffi callbacks registered");
type CountedKoffi = { register: (...a: unknown[]) => unknown; unregister: (...a: unknown[]) => unknown; [SHARED]?: EngineState };
export const engineState: EngineState = (koffi as unknown as CountedKoffi)[SHARED] ?? { callbacks: 0 };

/** The engine of a declaration: the fast entry for its shape and the target's address, or none (koffi). */
export interface FastTarget {
  readonly entry: (...args: unknown[]) => unknown;
  readonly address: number;
  /** The entry's shape code (return, then arguments: "nqiq"), which the wrapper's source names. */
  readonly shape: string;
  /**
   * For a 64-bit integer return that the entry gives as a double: where the value is when the entry returned NaN
   * (it was not a safe integer), as the declaration's signedness reads it.
   */
  readonly slot?: BigInt64Array | BigUint64Array;
}

// Argument codes of the addon: i int32, u uint32, f float, d double, p address (a number; a view goes to koffi),
// q 64-bit integer (a number the wrapper has converted to a safe integer; a BigInt goes to koffi).
const argCode: Partial<Record<number, string>> = {
  [FFIType.char]: "i",
  [FFIType.i8]: "i",
  [FFIType.i16]: "i",
  [FFIType.i32]: "i",
  [FFIType.u8]: "u",
  [FFIType.u16]: "u",
  [FFIType.u32]: "u",
  [FFIType.f32]: "f",
  [FFIType.f64]: "d",
  [FFIType.ptr]: "p",
  [FFIType.i64]: "q",
  [FFIType.u64]: "q",
  [FFIType.i64_fast]: "q",
  [FFIType.u64_fast]: "q",
};
// Return codes: the exact C type, so that narrow integers are widened as C defines them.
const returnCode: Partial<Record<number, string>> = {
  [FFIType.void]: "v",
  [FFIType.bool]: "b",
  [FFIType.char]: "c",
  [FFIType.i8]: "c",
  [FFIType.u8]: "C",
  [FFIType.i16]: "s",
  [FFIType.u16]: "S",
  [FFIType.i32]: "i",
  [FFIType.u32]: "u",
  [FFIType.f32]: "f",
  [FFIType.f64]: "d",
  // A BigInt, as bun:ffi returns i64/u64 (entries exist from V8 12 on, Node 22; before, see returnCodeOf).
  [FFIType.i64]: "l",
  [FFIType.u64]: "L",
  // A double: the value when it is a safe integer, else NaN and the value in the slot (n signed, N unsigned).
  [FFIType.i64_fast]: "n",
  [FFIType.u64_fast]: "N",
};

/**
 * What the wrapper checks of a converted argument before it takes the fast entry: "address" (a number, or a
 * non-empty TypedArray's cached address), "number" (a 64-bit integer converted to a number, not a BigInt), or
 * nothing.
 */
export function fastArgumentCheck(type: number): "address" | "number" | undefined {
  if (type === FFIType.ptr) return "address";
  if (type === FFIType.i64 || type === FFIType.u64 || type === FFIType.i64_fast || type === FFIType.u64_fast) return "number";
  return undefined;
}

/**
 * The engine is on unless `FFI_KIT_ENGINE=koffi`, and only under Node itself: the addon links against Node's own
 * V8 symbols, which another runtime that loads Node addons (Bun, Deno) does not have (the dynamic linker would end
 * the process at the first call).
 */
function wanted(): boolean {
  const versions = process.versions as Record<string, string | undefined>;
  return process.env.FFI_KIT_ENGINE !== "koffi" && versions.bun === undefined && versions.deno === undefined && typeof versions.v8 === "string";
}

function load(): FastAddon | undefined {
  if (!wanted()) return undefined;
  try {
    const dir = fileURLToPath(new URL("..", import.meta.url));
    const file = join(dir, "fast-engine", `${process.platform}-${process.arch}-abi${process.versions.modules}`, "ffi_kit_fast.node");
    const addon = createRequire(import.meta.url)(file) as FastAddon;
    if (addon.layoutMatches !== true || typeof addon.entry !== "function") return undefined;
    countKoffiCallbacks();
    return addon;
  } catch {
    return undefined; // no build for this Node: koffi serves every call
  }
}

/**
 * Counts koffi callbacks registered in this process (core's JSCallback, and any other user of this koffi), so
 * that wrappers call through koffi while any exists: C may call a registered callback, which runs JavaScript,
 * and V8 forbids that inside a fast call. A JSCallback closed behind its thunk stops counting (closeThunk).
 */
function countKoffiCallbacks(): void {
  const k = koffi as unknown as CountedKoffi;
  if (k[SHARED] !== undefined) return;
  Object.defineProperty(k, SHARED, { value: engineState });
  const register = k.register;
  const unregister = k.unregister;
  k.register = function (this: unknown, ...args: unknown[]) {
    const handle = register.apply(this, args);
    engineState.callbacks++;
    return handle;
  };
  k.unregister = function (this: unknown, ...args: unknown[]) {
    const result = unregister.apply(this, args);
    if (engineState.callbacks > 0) engineState.callbacks--;
    return result;
  };
}

const addon = load();
const signedSlot = addon === undefined ? undefined : new BigInt64Array(addon.slot);
const unsignedSlot = addon === undefined ? undefined : new BigUint64Array(addon.slot);

/**
 * The return code of `type`: on V8 11 (no BigInt results), i64/u64 take entries that put every result in the slot
 * and return NaN (m signed, M unsigned): the wrapper reads the BigInt from the slot.
 */
function returnCodeOf(type: number): string | undefined {
  const code = returnCode[type];
  if (addon !== undefined && !addon.bigintReturns) {
    if (code === "l") return "m";
    if (code === "L") return "M";
  }
  return code;
}

/** The slot a wrapper reads when the entry of `shape` returned NaN, for the 64-bit returns given as doubles. */
export function fastReturnSlot(shape: string): BigInt64Array | BigUint64Array | undefined {
  const c = shape[0];
  return c === "n" || c === "m" ? signedSlot : c === "N" || c === "M" ? unsignedSlot : undefined;
}


// Callback thunks (native/callback_thunks.cc): the pointer of a JSCallback is a thunk of the addon that jumps to
// koffi's trampoline while the callback is open and to a stub returning zero once it is closed, so that a closed
// JSCallback no longer counts: C calling its old pointer runs no JavaScript.
const thunks = addon !== undefined && typeof addon.thunkOpen === "function" && addon.thunkStats()[1] > 0 ? addon : undefined;

/**
 * A thunk that jumps to `target` (a koffi trampoline's address), or undefined: no thunks here (engine off, no
 * addon, a platform without them) or the table is used up. The registration behind it counts as before.
 */
export function openThunk(target: number): number | undefined {
  return thunks?.thunkOpen(target);
}

/**
 * Points a thunk at the zero stub for good and stops counting the koffi callback behind it (its trampoline stays
 * registered, for a thread that is inside it now, but C can no longer reach it). Returns whether it did.
 */
export function closeThunk(address: number): boolean {
  if (thunks?.thunkClose(address) !== true) return false;
  if (engineState.callbacks > 0) engineState.callbacks--;
  return true;
}

/**
 * Counts again a koffi callback whose thunk was closed, when core gives its trampoline to a new callback (it is
 * reachable again, through the new callback's thunk).
 */
export function recountCallback(): void {
  engineState.callbacks++;
}

/** Thunks handed out in this process so far, and the table's size (0 where there are none). */
export function thunkStats(): { used: number; size: number } {
  const [used, size] = thunks?.thunkStats() ?? [0, 0];
  return { used, size };
}
const entries = new Map<string, ((...args: unknown[]) => unknown) | undefined>();

function entryFor(shape: string): ((...args: unknown[]) => unknown) | undefined {
  if (!entries.has(shape)) entries.set(shape, addon!.entry(...[...shape].map((c) => c.charCodeAt(0))));
  return entries.get(shape);
}

/**
 * The shape code of a signature the fast engine takes ("iii": int32(int32, int32)), or undefined (also when this
 * V8 has no entry of that shape, e.g. BigInt returns before V8 12).
 */
export function fastShape(sig: Signature): string | undefined {
  if (addon === undefined || sig.args.length > addon.maxArity || sig.variadic || sig.nonblocking) return undefined;
  const ret = returnCodeOf(sig.returns);
  if (ret === undefined) return undefined;
  let shape = ret;
  for (const t of sig.args) {
    const c = argCode[t];
    if (c === undefined) return undefined;
    shape += c;
  }
  return entryFor(shape) === undefined ? undefined : shape;
}

/** The fast entry for `sig` at `address`, or undefined when koffi is the engine of that declaration. */
export function fastTarget(sig: Signature, address: number): FastTarget | undefined {
  const shape = fastShape(sig);
  if (shape === undefined || !(address > 0 && address < 2 ** 53)) return undefined;
  const entry = entryFor(shape);
  if (entry === undefined) return undefined;
  const slot = fastReturnSlot(shape);
  return slot === undefined ? { entry, address, shape } : { entry, address, shape, slot };
}

/** Calls taken by the fast entries and by their ordinary (slow) entries so far: `[fast, slow]`. For tests. */
export function fastEngineCounters(): [number, number] | undefined {
  return addon?.counters();
}

/** Whether the fast engine loaded (it is wanted, built for this Node, and its layout is the running V8's). */
export function fastEngineLoaded(): boolean {
  return addon !== undefined;
}

/** Which engine is available: `"fast (V8 <version> Fast API)"` or `"koffi"`. */
export function fastEngineName(): string {
  return addon === undefined ? "koffi" : `fast (V8 ${addon.v8} Fast API)`;
}
