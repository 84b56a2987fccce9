// Candidate implementations of read.u8 and ptr() for probe.mjs: copies of designs that were measured, not library code.
import { createRequire } from "node:module";
const require = createRequire(new URL("../../../core/package.json", import.meta.url));
const koffi = require("koffi");
const MIN = 4096, LIMIT = 2 ** 47, WINDOW = 65536, SLOTS = 256;
function fail(a) { throw new Error("bad " + a); }
// --- current design (plain copy)
const slots = Array.from({ length: SLOTS }, () => ({ page: -1, base: 0, view: new DataView(new ArrayBuffer(8)) }));
function windowFor(page) {
  const slot = slots[page & (SLOTS - 1)];
  const base = page === 0 ? MIN : page * WINDOW;
  slot.view = new DataView(koffi.view(base, WINDOW + 8 - (base - page * WINDOW)));
  slot.base = base; slot.page = page; return slot;
}
function locate(a) { const page = Math.floor(a / WINDOW); const s = slots[page & (SLOTS - 1)]; return s.page === page ? s : windowFor(page); }
function at(p, o) {
  if (typeof p === "number" && (o === undefined || typeof o === "number")) {
    const a = o === undefined ? p : p + o;
    if (a >= MIN && a < LIMIT && Math.trunc(a) === a) return a;
  }
  return fail(p);
}
// --- last-window cache: one mutable record checked by range
const last = { lo: 0, hi: 0, base: 0, view: new DataView(new ArrayBuffer(8)), u8: new Uint8Array(8) };
function miss(a) {
  if (!(a >= MIN && a < LIMIT && Math.trunc(a) === a)) return fail(a);
  const w = locate(a);
  last.lo = w.base; last.hi = w.base + WINDOW - (w.base - w.page * WINDOW); last.base = w.base; last.view = w.view; last.u8 = new Uint8Array(w.view.buffer);
  return a;
}
// --- per-window Uint8Array for u8
export const reads = {
  cur(p, o) { const a = at(p, o), w = locate(a); return w.view.getUint8(a - w.base); },
  last(p, o) {
    let a = o === undefined ? p : p + o;
    if (typeof a !== "number" || !(a >= last.lo && a < last.hi) || Math.trunc(a) !== a) a = slowA(p, o);
    return last.view.getUint8(a - last.base);
  },
  lastu8(p, o) {
    let a = o === undefined ? p : p + o;
    if (typeof a !== "number" || !(a >= last.lo && a < last.hi) || Math.trunc(a) !== a) a = slowA(p, o);
    return last.u8[a - last.base];
  },
  lasti32(p, o) {
    let a = o === undefined ? p : p + o;
    if (typeof a !== "number" || !(a >= last.lo && a < last.hi) || Math.trunc(a) !== a) a = slowA(p, o);
    return last.view.getInt32(a - last.base, true);
  },
  curNoTrunc(p, o) {
    let a;
    if (typeof p === "number" && (o === undefined || typeof o === "number")) { a = o === undefined ? p : p + o; if (!(a >= MIN && a < LIMIT && a % 1 === 0)) fail(a); } else fail(p);
    const page = Math.floor(a / WINDOW); let s = slots[page & (SLOTS - 1)]; if (s.page !== page) s = windowFor(page);
    return s.view.getUint8(a - s.base);
  },
};
function slowA(p, o) {
  if (typeof p !== "number" || (o !== undefined && typeof o !== "number")) fail(p);
  return miss(o === undefined ? p : p + o);
}
// --- ptr candidates
const ReturnTarget = function (t) { return t; };
function mkSlot() {
  class Slot extends ReturnTarget {
    #v; constructor(t, v) { super(t); this.#v = v; }
    static read(t) { return typeof t === "object" && t !== null && #v in t ? t.#v : undefined; }
    static readTry(t) { try { return t.#v; } catch { return undefined; } }
    static readIn(t) { return #v in t ? t.#v : undefined; }
  }
  return { read: Slot.read, readTry: Slot.readTry, readIn: Slot.readIn, write(t, v) { try { new Slot(t, v); } catch {} } };
}
const s1 = mkSlot();
const wm = new WeakMap();
const TA = Object.getPrototypeOf(Uint8Array.prototype);
const lengthGet = Object.getOwnPropertyDescriptor(TA, "length").get;
const byteLengthGet = Object.getOwnPropertyDescriptor(TA, "byteLength").get;
const { apply } = Reflect;
const call = Function.prototype.call.bind(lengthGet);
function slowPtr(v) { const a = Number(koffi.address(v)); s1.write(v, a); wm.set(v, a); return a; }
export const ptrs = {
  cur(v) { const b = s1.read(v); if (b !== undefined && v.length > 0) return b; return slowPtr(v); },
  noLength(v) { const b = s1.read(v); if (b !== undefined) return b; return slowPtr(v); },
  tryRead(v) { const b = s1.readTry(v); if (b !== undefined && v.length > 0) return b; return slowPtr(v); },
  inOnly(v) { if (typeof v === "object" && v !== null) { const b = s1.readIn(v); if (b !== undefined && v.length > 0) return b; } return slowPtr(v); },
  wm(v) { const b = wm.get(v); if (b !== undefined && v.length > 0) return b; return slowPtr(v); },
  getterCall(v) { const b = s1.read(v); if (b !== undefined && lengthGet.call(v) > 0) return b; return slowPtr(v); },
  getterBound(v) { const b = s1.read(v); if (b !== undefined && call(v) > 0) return b; return slowPtr(v); },
  getterApply(v) { const b = s1.read(v); if (b !== undefined && apply(byteLengthGet, v, []) > 0) return b; return slowPtr(v); },
};
const tag = Object.getOwnPropertyDescriptor(TA, Symbol.toStringTag).get;
class Direct extends ReturnTarget {
  #a; constructor(t, a) { super(t); this.#a = a; }
  static stamp(v, a) { try { new Direct(v, a); } catch {} }
  static ptrTry(v) { let b; try { b = v.#a; } catch { return Direct.slow(v); } if (v[0] !== undefined) return b; return Direct.slow(v); }
  static ptrIn(v) { if (typeof v === "object" && v !== null && #a in v && v[0] !== undefined) return v.#a; return Direct.slow(v); }
  static ptrInLen(v) { if (typeof v === "object" && v !== null && #a in v && v.length > 0) return v.#a; return Direct.slow(v); }
  static slow(v) { const a = Number(koffi.address(v)); if (tag.call(v) !== undefined) Direct.stamp(v, a); return a; }
}
ptrs.directTry = Direct.ptrTry;
ptrs.directIn = Direct.ptrIn;
ptrs.directInLen = Direct.ptrInLen;
ptrs.zeroIdx = (v) => { const b = s1.read(v); if (b !== undefined && v[0] !== undefined) return b; return slowPtr(v); };
ptrs.tryZero = (v) => { const b = s1.readTry(v); if (b !== undefined && v[0] !== undefined) return b; return slowPtr(v); };
