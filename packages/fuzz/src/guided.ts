/**
 * The coverage-guided part of fuzzLibrary: a corpus of inputs that reached new features, a dictionary of the
 * comparison operands and compared strings the target made, and mutators that make the next inputs from the
 * corpus (integer and byte-buffer mutators, dictionary insertion, splicing). Everything is driven by a seeded
 * PRNG, so one seed gives the same campaign against the same library.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CallCoverage } from "./child-protocol.js";
import { SMALL_INTEGERS, WIDE_INTEGERS, typeName } from "./type-names.js";

/** xorshift128+ on 32-bit halves: small, fast, seeded. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  constructor(seed: number) {
    this.#a = seed | 0 || 0x9e3779b9;
    this.#b = Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) | 0 || 1;
    this.#c = 0x27d4eb2f;
    this.#d = 0x165667b1;
    for (let i = 0; i < 16; i++) this.next();
  }
  /** A uint32. */
  next(): number {
    let t = this.#d;
    const s = this.#a;
    this.#d = this.#c;
    this.#c = this.#b;
    this.#b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.#a = (t ^ s ^ (s >>> 19)) | 0;
    return this.#a >>> 0;
  }
  /** An integer in 0…n−1. */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

interface Slot {
  readonly kind: "int" | "wide" | "float" | "bool" | "bytes" | "cstring" | "opaque";
  readonly bits: number;
  readonly signed: boolean;
}

/** How each argument may be mutated: by type, except length arguments (derived) and user arbitraries (opaque). */
export function slotsFor(args: readonly unknown[], lengthOf: Readonly<Record<number, number>>, custom: Readonly<Record<number, unknown>>): Slot[] {
  return args.map((t, i) => {
    const name = typeName(t);
    if (String(i) in lengthOf || String(i) in custom) return { kind: "opaque", bits: 0, signed: false };
    const small = SMALL_INTEGERS[name];
    if (small !== undefined) return { kind: "int", bits: small.bits, signed: small.signed };
    const wide = WIDE_INTEGERS[name];
    if (wide !== undefined) return { kind: "wide", bits: 64, signed: wide.signed };
    if (name === "f32" || name === "f64") return { kind: "float", bits: 64, signed: true };
    if (name === "bool") return { kind: "bool", bits: 1, signed: false };
    if (name === "cstring") return { kind: "cstring", bits: 0, signed: false };
    if (name === "ptr" || name === "buffer") return { kind: "bytes", bits: 0, signed: false };
    return { kind: "opaque", bits: 0, signed: false };
  });
}

const MAX_INTS = 512;
const MAX_STRINGS = 256;
const MAX_PAIRS = 256;

/** A comparison the target made: the input's value, and what it was compared with. */
export interface Pair {
  readonly seen: bigint;
  readonly wanted: bigint;
  readonly size: 1 | 2 | 4 | 8;
  /** A compare with a constant (or a switch case): `seen` is certainly the input's side. */
  readonly constant?: true;
}

/** The integer values of an input (as unsigned 8, 16, 32 and 64-bit values) and its buffers. */
function ownValues(input: readonly unknown[]): { own: Set<bigint>; buffers: Buffer[] } {
  const own = new Set<bigint>();
  const buffers: Buffer[] = [];
  for (const v of input) {
    if (typeof v === "number" && Number.isInteger(v)) for (const w of [8, 16, 32, 64]) own.add(BigInt.asUintN(w, BigInt(v)));
    else if (typeof v === "bigint") for (const w of [8, 16, 32, 64]) own.add(BigInt.asUintN(w, v));
    else if (v instanceof Uint8Array) buffers.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  }
  return { own, buffers };
}

/** Most compare pairs kept per corpus entry. */
const MAX_OWN_PAIRS = 256;

/**
 * The compares of one call as input-to-state pairs: the side that is the input's own value (for a compare with a
 * constant or a switch, the non-constant side; otherwise, not knowing, either) and what it was compared with.
 * `input` is the call's input, or the set of its own values.
 */
export function callPairs(cov: CallCoverage, input: readonly unknown[] | Set<bigint>): Pair[] {
  const out: Pair[] = [];
  if (cov.cmps === undefined) return out;
  const own = input instanceof Set ? input : ownValues(input).own;
  const v = new DataView(cov.cmps.buffer, cov.cmps.byteOffset, cov.cmps.byteLength);
  for (let at = 0; at + 24 <= cov.cmps.byteLength && out.length < MAX_OWN_PAIRS; at += 24) {
    const a = v.getBigUint64(at, true);
    const b = v.getBigUint64(at + 8, true);
    const raw = v.getUint32(at + 16, true);
    const size = raw === 1 || raw === 2 || raw === 4 ? raw : 8;
    const kind = v.getUint32(at + 20, true);
    if (kind === 1 || kind === 2) out.push({ seen: b, wanted: a, size, constant: true });
    else {
      if (!own.has(a) || own.has(b)) out.push({ seen: b, wanted: a, size });
      if (!own.has(b) || own.has(a)) out.push({ seen: a, wanted: b, size });
    }
  }
  return out;
}

/**
 * Comparison operands (as unsigned 64-bit) and compared strings seen so far. An operand seen again moves to the
 * end (the "recent" end mutators prefer), so the constants a function compares on every call stay there; operands
 * that are just the input's own values (or bytes of its buffers) are not kept.
 */
export class Dictionary {
  readonly #ints = new Map<bigint, bigint>();
  readonly #strs = new Map<string, Uint8Array>();
  /** Compares seen: the value the input had (`seen`), the one it was compared with (`wanted`), in bytes. */
  readonly #pairs = new Map<string, Pair>();
  #intList: bigint[] | undefined;
  #strList: Uint8Array[] | undefined;
  #pairList: Pair[] | undefined;
  #smallList: number[] | undefined;

  get pairs(): readonly Pair[] {
    return (this.#pairList ??= [...this.#pairs.values()]);
  }

  /** Operands that could be a buffer length (1…4096). */
  get small(): readonly number[] {
    return (this.#smallList ??= this.ints.filter((x) => x > 0n && x <= 4096n).map(Number));
  }

  get ints(): readonly bigint[] {
    return (this.#intList ??= [...this.#ints.values()]);
  }

  get strings(): readonly Uint8Array[] {
    return (this.#strList ??= [...this.#strs.values()]);
  }

  /** Adds what one call made with `input` saw; returns how many entries were new. */
  add(cov: CallCoverage, input: readonly unknown[] = []): number {
    let added = 0;
    const { own, buffers } = ownValues(input);
    if (cov.cmps !== undefined) {
      const v = new DataView(cov.cmps.buffer, cov.cmps.byteOffset, cov.cmps.byteLength);
      for (let at = 0; at + 24 <= cov.cmps.byteLength; at += 24) {
        const a = v.getBigUint64(at, true);
        const b = v.getBigUint64(at + 8, true);
        const kind = v.getUint32(at + 20, true);
        // A constant compare: `a` is the constant (the interesting one). Otherwise both could be.
        if (!own.has(a)) added += this.#int(a);
        if (kind !== 1 && !own.has(b)) added += this.#int(b);
      }
      for (const p of callPairs(cov, own)) this.#pair(p);
    }
    if (cov.strs !== undefined) {
      const v = new DataView(cov.strs.buffer, cov.strs.byteOffset, cov.strs.byteLength);
      for (let at = 0; at + 136 <= cov.strs.byteLength; at += 136) {
        const l1 = Math.min(64, v.getUint32(at, true));
        const l2 = Math.min(64, v.getUint32(at + 4, true));
        for (const str of [cov.strs.slice(at + 8, at + 8 + l1), cov.strs.slice(at + 72, at + 72 + l2)]) {
          if (str.length === 0 || buffers.some((b) => b.includes(Buffer.from(str.buffer, str.byteOffset, str.byteLength)))) continue;
          added += this.#str(str);
        }
      }
    }
    return added;
  }

  #pair(p: Pair): void {
    const key = `${p.seen},${p.wanted},${p.size}`;
    this.#pairs.delete(key);
    this.#pairs.set(key, p);
    if (this.#pairs.size > MAX_PAIRS) this.#pairs.delete(this.#pairs.keys().next().value!);
    this.#pairList = undefined;
  }

  #int(x: bigint): number {
    if (x === 0n) return 0;
    const had = this.#ints.delete(x);
    this.#ints.set(x, x);
    if (this.#ints.size > MAX_INTS) this.#ints.delete(this.#ints.keys().next().value!);
    this.#intList = undefined;
    this.#smallList = undefined;
    return had ? 0 : 1;
  }

  #str(s: Uint8Array): number {
    const key = Buffer.from(s).toString("latin1");
    const had = this.#strs.delete(key);
    this.#strs.set(key, s);
    if (this.#strs.size > MAX_STRINGS) this.#strs.delete(this.#strs.keys().next().value!);
    this.#strList = undefined;
    return had ? 0 : 1;
  }
}

/** `x` (any integer) as a value of the slot's width and signedness. */
function fit(x: bigint, slot: Slot): bigint {
  const bits = BigInt(slot.bits);
  return slot.signed ? BigInt.asIntN(slot.bits, x) : BigInt.asUintN(Number(bits), x);
}

function mutateInt(x: bigint, slot: Slot, rng: Rng, dict: Dictionary, own: readonly Pair[]): bigint {
  // Half the time (once compares were seen): an operand of one, which is how exact values are reached.
  switch (dict.ints.length > 0 && rng.chance(0.5) ? 4 : rng.below(4)) {
    case 0:
      return fit(x ^ (1n << BigInt(rng.below(slot.bits))), slot);
    case 1: {
      const d = BigInt(1 + rng.below(16));
      return fit(rng.chance(0.5) ? x + d : x - d, slot);
    }
    case 2: {
      const max = slot.signed ? (1n << BigInt(slot.bits - 1)) - 1n : (1n << BigInt(slot.bits)) - 1n;
      const min = slot.signed ? -(1n << BigInt(slot.bits - 1)) : 0n;
      const k = BigInt(rng.below(slot.bits));
      return fit(rng.pick([0n, 1n, -1n, max, min, 1n << k, (1n << k) - 1n, -(1n << k)]), slot);
    }
    case 3:
      return fit(BigInt(rng.next()) | (slot.bits > 32 ? BigInt(rng.next()) << 32n : 0n), slot);
    default: {
      if (dict.ints.length === 0) return fit(x + 1n, slot);
      // Input-to-state: a compare saw this value; become what it was compared with.
      if (rng.chance(0.5)) {
        const u = BigInt.asUintN(64, x);
        const seen = (p: Pair) => p.seen === u || p.seen === BigInt.asUintN(p.size * 8, x);
        // The compares of the input being mutated first, else recent ones of any input.
        const mine = own.length > 0 && rng.chance(0.6) ? own.filter(seen) : [];
        const hits = mine.length > 0 ? mine : dict.pairs.filter(seen);
        if (hits.length > 0) {
          const p = rng.pick(hits);
          const d = rng.below(8);
          return fit(d === 0 ? p.wanted + 1n : d === 1 ? p.wanted - 1n : p.wanted, slot);
        }
      }
      // Recent operands first (they belong to the compares this input reached).
      const recent = Math.min(dict.ints.length, 64);
      const op = rng.chance(0.7) ? dict.ints[dict.ints.length - 1 - rng.below(recent)]! : rng.pick(dict.ints);
      const pick = rng.below(8);
      return fit(pick === 0 ? op + 1n : pick === 1 ? op - 1n : op, slot);
    }
  }
}

/** A value's `width` low bytes, little-endian. */
function encodeLE(x: bigint, width: number): number[] {
  return Array.from({ length: width }, (_, k) => Number((x >> BigInt(8 * k)) & 0xffn));
}

/**
 * Input-to-state on the compares of the input itself: picks one of them whose compared value occurs in `b`
 * (little-endian, at the compare's width, or narrower when both sides fit: a byte widened for a compare) and
 * writes what it was compared with (or one more, or one less) there. False when none occurs.
 */
function replaceOwn(b: number[], own: readonly Pair[], rng: Rng): boolean {
  const buf = Buffer.from(b);
  const hits: { p: Pair; width: number; at: number }[] = [];
  for (const p of own) {
    for (const width of [1, 2, 4, 8]) {
      if (width > p.size || (width < p.size && (p.seen >> BigInt(8 * width) !== 0n || p.wanted >> BigInt(8 * width) !== 0n))) continue;
      const needle = Buffer.from(encodeLE(p.seen, width));
      // The first few places only: the earliest is usually the one the compare read.
      for (let at = buf.indexOf(needle), n = 0; at !== -1 && n < 4; at = buf.indexOf(needle, at + 1), n++) hits.push({ p, width, at });
    }
  }
  if (hits.length === 0) return false;
  const { p, width, at } = rng.pick(hits);
  const d = rng.below(8);
  b.splice(at, width, ...encodeLE(d === 0 ? p.wanted + 1n : d === 1 ? p.wanted - 1n : p.wanted, width));
  return true;
}

function mutateBytes(input: Uint8Array, rng: Rng, dict: Dictionary, maxLength: number, other: () => Uint8Array | undefined, own: readonly Pair[]): Uint8Array {
  let b = Array.from(input);
  switch (rng.below(10)) {
    case 0:
      if (b.length > 0) {
        const i = rng.below(b.length);
        b[i] = b[i]! ^ (1 << rng.below(8));
      } else b.push(rng.below(256));
      break;
    case 1:
      if (b.length > 0) {
        const i = rng.below(b.length);
        // A constant, a random byte, or the byte plus or minus up to 35 (as libFuzzer's ChangeBinaryInteger).
        b[i] = rng.chance(0.5) ? rng.pick([0, 0xff, 0x7f, 0x80, rng.below(256)]) : (b[i]! + (rng.chance(0.5) ? 1 : -1) * (1 + rng.below(35))) & 0xff;
      } else b.push(rng.below(256));
      break;
    case 2: {
      const n = 1 + rng.below(8);
      const at = rng.below(b.length + 1);
      b.splice(at, 0, ...Array.from({ length: n }, () => (rng.chance(0.5) ? rng.below(256) : b[at] ?? 0)));
      break;
    }
    case 3:
      if (b.length > 0) {
        const at = rng.below(b.length);
        b.splice(at, 1 + rng.below(Math.min(8, b.length - at)));
      }
      break;
    case 4: {
      // Set the length (to an operand of a compare, half the time): shorter, or longer with zeros or random bytes.
      const small = dict.small.filter((x) => x <= maxLength + 1);
      const n = small.length > 0 && rng.chance(0.5) ? Math.max(0, Math.min(maxLength, rng.pick(small) + rng.pick([0, 0, 0, -1, 1]))) : rng.below(maxLength + 1);
      if (n < b.length) b = b.slice(0, n);
      else while (b.length < n) b.push(rng.chance(0.5) ? 0 : rng.below(256));
      break;
    }
    case 5: {
      const o = other();
      if (o !== undefined && o.length > 0) {
        const cut = rng.below(b.length + 1);
        const from = rng.below(o.length);
        b = [...b.slice(0, cut), ...Array.from(o.subarray(from))];
      }
      break;
    }
    case 6:
    case 7: {
      if (dict.strings.length === 0) {
        if (b.length > 0) b[rng.below(b.length)] = rng.below(256);
        break;
      }
      const recent = Math.min(dict.strings.length, 32);
      const s = Array.from(rng.chance(0.7) ? dict.strings[dict.strings.length - 1 - rng.below(recent)]! : rng.pick(dict.strings));
      const how = rng.below(3);
      if (how === 0) b = s; // the whole buffer becomes the compared string
      else if (how === 1) b.splice(rng.below(b.length + 1), 0, ...s);
      else {
        const at = rng.below(b.length + 1);
        b.splice(at, s.length, ...s);
      }
      break;
    }
    case 8:
    case 9: {
      // Input-to-state: bytes equal to the input side of a compare become the other side. Most often a compare
      // the input being mutated made itself (as Redqueen does: its bytes are the ones those compares read).
      if (own.length > 0 && b.length > 0 && rng.chance(0.6) && replaceOwn(b, own, rng)) break;
      if (dict.pairs.length > 0 && b.length > 0 && rng.chance(0.7)) {
        const p = dict.pairs[dict.pairs.length - 1 - rng.below(Math.min(dict.pairs.length, 64))]!;
        const enc = (x: bigint) => Array.from({ length: p.size }, (_, k) => Number((x >> BigInt(8 * k)) & 0xffn));
        const seen = enc(p.seen);
        const matches: number[] = [];
        for (let at = 0; at + p.size <= b.length; at++) if (seen.every((byte, k) => b[at + k] === byte)) matches.push(at);
        if (matches.length > 0) {
          const at = rng.chance(0.5) ? matches[0]! : rng.pick(matches);
          const d = rng.below(8);
          b.splice(at, p.size, ...enc(d === 0 ? p.wanted + 1n : d === 1 ? p.wanted - 1n : p.wanted));
          break;
        }
      }
      // An operand of a compare, little-endian, over some bytes.
      if (dict.ints.length === 0) break;
      const op = rng.pick(dict.ints);
      const width = rng.pick([1, 2, 4, 8]);
      const at = rng.below(b.length + 1);
      const bytes = Array.from({ length: width }, (_, k) => Number((op >> BigInt(8 * k)) & 0xffn));
      b.splice(at, Math.min(width, b.length - at), ...bytes);
      break;
    }
  }
  if (b.length > maxLength) b = b.slice(0, maxLength);
  return Uint8Array.from(b);
}

/** Options of {@link mutate}. */
export interface MutateContext {
  readonly slots: readonly Slot[];
  readonly names: readonly string[];
  readonly lengthOf: Readonly<Record<number, number>>;
  readonly maxBufferLength: number;
  readonly dict: Dictionary;
  readonly rng: Rng;
  /** Another input (from the corpus, or fresh): for splicing and for the values of opaque arguments. */
  readonly donor: () => readonly unknown[];
}

/**
 * A new input from `input`: one to four stacked mutations, then the length arguments recomputed. `own`: the
 * compares the call with `input` made (see {@link callPairs}), for input-to-state on its own bytes and values.
 */
export function mutate(input: readonly unknown[], ctx: MutateContext, own: readonly Pair[] = []): unknown[] {
  const { slots, rng, dict } = ctx;
  const out = [...input];
  const mutable = slots.map((s, i) => i).filter((i) => slots[i]!.kind !== "opaque" || !(String(i) in ctx.lengthOf));
  if (mutable.length === 0) return out;
  const steps = 1 + rng.below(rng.chance(0.5) ? 1 : 4);
  // Buffers whose length an argument carries: compares of that length are input-to-state candidates too.
  const measured = new Set(Object.values(ctx.lengthOf).map(Number));
  for (let s = 0; s < steps; s++) {
    const i = rng.pick(mutable);
    const slot = slots[i]!;
    const v = out[i];
    if (measured.has(i) && v instanceof Uint8Array && rng.chance(0.25)) {
      const nul = slot.kind === "cstring" ? 1 : 0;
      const length = BigInt(v.length - nul);
      const hits = dict.pairs.filter((p) => p.seen === length && p.wanted >= 0n && p.wanted <= BigInt(ctx.maxBufferLength));
      if (hits.length > 0) {
        const p = rng.pick(hits);
        const n = Number(p.wanted) + (rng.chance(0.2) ? rng.pick([-1, 1]) : 0);
        if (n >= 0 && n <= ctx.maxBufferLength) {
          const next = new Uint8Array(n + nul);
          next.set(v.subarray(0, Math.min(n, v.length - nul)));
          out[i] = next;
          continue;
        }
      }
    }
    switch (slot.kind) {
      case "int": {
        const next = mutateInt(BigInt(typeof v === "number" ? v : 0), slot, rng, dict, own);
        out[i] = Number(next);
        break;
      }
      case "wide":
        out[i] = mutateInt(typeof v === "bigint" ? v : 0n, slot, rng, dict, own);
        break;
      case "bool":
        out[i] = !v;
        break;
      case "float": {
        const donor = ctx.donor()[i];
        const k = rng.below(4);
        out[i] =
          k === 0 && dict.ints.length > 0
            ? Number(BigInt.asIntN(64, rng.pick(dict.ints)))
            : k === 1 && typeof v === "number"
              ? v + (rng.chance(0.5) ? 1 : -1)
              : (donor ?? v);
        break;
      }
      case "bytes":
        out[i] = mutateBytes(v as Uint8Array, rng, dict, ctx.maxBufferLength, () => ctx.donor()[i] as Uint8Array | undefined, own);
        break;
      case "cstring": {
        const body = (v as Uint8Array).subarray(0, (v as Uint8Array).length - 1);
        const donor = ctx.donor()[i] as Uint8Array | undefined;
        const next = mutateBytes(body, rng, dict, ctx.maxBufferLength, () => donor?.subarray(0, donor.length - 1), own);
        const z = new Uint8Array(next.length + 1);
        z.set(next);
        out[i] = z;
        break;
      }
      case "opaque":
        out[i] = ctx.donor()[i];
        break;
    }
  }
  return fixLengths(out, ctx);
}

/** Sets the length arguments to the lengths of their buffers. */
function fixLengths(out: unknown[], ctx: Pick<MutateContext, "lengthOf" | "names">): unknown[] {
  for (const [lengthIndex, bufferIndex] of Object.entries(ctx.lengthOf)) {
    const li = Number(lengthIndex);
    const buffer = out[bufferIndex] as Uint8Array;
    const length = ctx.names[bufferIndex] === "cstring" ? buffer.length - 1 : buffer.length;
    out[li] = ctx.names[li]! in WIDE_INTEGERS ? BigInt(length) : length;
  }
  return out;
}

/** Compares (distinct) at the end of a call that {@link frontierInputs} works on first. */
export const FRONTIER_PAIRS = 6;
/** The rank of the inputs {@link frontierInputs} makes (with `deep`) from the compares before the last {@link FRONTIER_PAIRS}. */
export const DEEP_RANK = FRONTIER_PAIRS;

/** The narrowest width (bytes) at which a compare's value can be looked for in a buffer and replaced there. */
function widths(p: Pair, wanted: bigint): number[] {
  const out: number[] = [];
  for (const width of [1, 2, 4, 8]) {
    if (width > p.size || (width < p.size && (p.seen >> BigInt(8 * width) !== 0n || wanted >> BigInt(8 * width) !== 0n || wanted < 0n))) continue;
    out.push(width);
  }
  return out;
}

/**
 * Where each compare of a call (in call order) most likely read its value in `body`: the first place at or after
 * the place of the last compare with a constant that was found (a parser reads its input front to back, and
 * checks one byte against several constants), else -1. Only compares with a constant move that place on (the
 * other side of a compare of two variables may be anything).
 */
export function alignedPlaces(body: Uint8Array, pairs: readonly Pair[]): Int32Array {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const at = new Int32Array(pairs.length).fill(-1);
  let cursor = 0;
  for (let k = 0; k < pairs.length; k++) {
    const p = pairs[k]!;
    const [width] = widths(p, 0n);
    if (width === undefined) continue;
    const found = buf.indexOf(Buffer.from(encodeLE(p.seen, width)), cursor);
    if (found === -1) continue;
    at[k] = found;
    if (p.constant) cursor = found;
  }
  return at;
}

/**
 * Input-to-state on the compares a call made (Redqueen's deterministic stage), the last ones first: they decided
 * where the call stopped (in a parser, the check the input failed). For each of the last {@link FRONTIER_PAIRS}
 * compares (with `deep`, every compare of the call) whose compared value is in the input (an integer argument, or
 * a buffer, at its width or narrower), the input with that value replaced by what it was compared with, and by
 * one more and one less (a range check's bound). In a buffer, the value is replaced where the compare most likely
 * read it (see {@link alignedPlaces}), and at its first place. Newest compare first, each input with the rank of
 * its compare (0: the last compare of the call; {@link DEEP_RANK} for every compare before the last
 * {@link FRONTIER_PAIRS}); no duplicates.
 */
export function frontierInputs(
  input: readonly unknown[],
  pairs: readonly Pair[],
  ctx: Pick<MutateContext, "slots" | "lengthOf" | "names">,
  options: { readonly deep?: boolean } = {},
): { input: unknown[]; rank: number }[] {
  const out: { input: unknown[]; rank: number }[] = [];
  const seen = new Set<string>();
  const last: { p: Pair; k: number; rank: number }[] = [];
  const compares = new Set<string>();
  for (let k = pairs.length - 1; k >= 0; k--) {
    const p = pairs[k]!;
    // A compare of two non-constants is two pairs (either side may be the input's): one compare.
    const key = p.seen < p.wanted ? `${p.seen},${p.wanted},${p.size}` : `${p.wanted},${p.seen},${p.size}`;
    if (!compares.has(key)) {
      if (compares.size === FRONTIER_PAIRS && options.deep !== true) break;
      compares.add(key);
    }
    last.push({ p, k, rank: Math.min(compares.size - 1, DEEP_RANK) });
  }
  const bodies = ctx.slots.map((slot, i) => {
    const v = input[i];
    if ((slot.kind !== "bytes" && slot.kind !== "cstring") || !(v instanceof Uint8Array)) return undefined;
    const body = Buffer.from(v.buffer, v.byteOffset, slot.kind === "cstring" ? Math.max(0, v.length - 1) : v.length);
    return { body, aligned: alignedPlaces(body, pairs) };
  });
  let rank = 0;
  const push = (i: number, value: unknown, key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const next = [...input];
    next[i] = value;
    out.push({ input: fixLengths(next, ctx), rank });
  };
  for (const { p, k, rank: r } of last) {
    rank = r;
    // An earlier compare (one the call got past): the other end of the side of the bound the value is on, which
    // passes the check too (compilers make range checks strict: `x < C` or `x > C`, so that end is C - 1 or C + 1).
    // Only compares with a constant: the sides of a compare of two variables are not known.
    if (r >= DEEP_RANK && p.constant !== true) continue;
    const values = r >= DEEP_RANK ? [p.seen < p.wanted ? p.wanted - 1n : p.wanted + 1n] : [p.wanted, p.wanted + 1n, p.wanted - 1n];
    for (const wanted of values) {
      ctx.slots.forEach((slot, i) => {
        const v = input[i];
        if ((slot.kind === "int" || slot.kind === "wide") && (typeof v === "number" || typeof v === "bigint")) {
          const x = BigInt(v);
          if (BigInt.asUintN(p.size * 8, x) !== p.seen) return;
          const w = fit(wanted, slot);
          if (w !== x) push(i, slot.kind === "int" ? Number(w) : w, `${i}:${w}`);
        } else if (bodies[i] !== undefined && v instanceof Uint8Array) {
          const { body, aligned } = bodies[i]!;
          for (const width of widths(p, wanted)) {
            if (BigInt.asUintN(8 * width, wanted) === BigInt.asUintN(8 * width, p.seen)) continue;
            const needle = Buffer.from(encodeLE(p.seen, width));
            const first = body.indexOf(needle);
            if (first === -1) continue;
            const guess = aligned[k]!;
            const places = guess !== -1 && guess !== first && body.subarray(guess, guess + width).equals(needle) ? [guess, first] : [first];
            for (const at of places) {
              const next = Uint8Array.from(v);
              next.set(encodeLE(wanted, width), at);
              push(i, next, `${i}:${at}:${width}:${wanted}`);
            }
          }
        }
      });
    }
  }
  return out;
}

/** A corpus entry: an input that reached features no earlier input had. */
export interface CorpusEntry {
  readonly input: readonly unknown[];
  /** The compares its call made (input-to-state pairs), when it was run in this campaign. */
  pairs?: readonly Pair[];
  /** File it was loaded from or saved to, if any. */
  file?: string;
}

/** Features seen so far, the edges among them, and the corpus. */
export class Coverage {
  readonly features = new Set<number>();
  readonly edges = new Set<number>();
  readonly corpus: CorpusEntry[] = [];

  /** Records one call's features; true when some were new (the input joins the corpus). */
  observe(features: Uint32Array): boolean {
    let fresh = false;
    for (let k = 0; k < features.length; k++) {
      const f = features[k]!;
      if (!this.features.has(f)) {
        this.features.add(f);
        // The top bit marks value-profile features (a compare got closer to a constant): not edges.
        if (f < 0x80000000) this.edges.add(f >>> 3);
        fresh = true;
      }
    }
    return fresh;
  }
}

// ---- inputs as files (corpus entries, saved failures) ----

type Encoded = { t: "num"; v: number | string } | { t: "big"; v: string } | { t: "bool"; v: boolean } | { t: "bytes"; hex: string } | { t: "null" };

function encodeValue(v: unknown): Encoded {
  if (typeof v === "number") return { t: "num", v: Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? "-0" : String(v) };
  if (typeof v === "bigint") return { t: "big", v: v.toString() };
  if (typeof v === "boolean") return { t: "bool", v };
  if (v instanceof Uint8Array) return { t: "bytes", hex: Buffer.from(v).toString("hex") };
  return { t: "null" };
}

function decodeValue(e: Encoded): unknown {
  switch (e?.t) {
    case "num":
      return typeof e.v === "number" ? e.v : e.v === "-0" ? -0 : Number(e.v);
    case "big":
      return BigInt(e.v);
    case "bool":
      return e.v === true;
    case "bytes":
      if (typeof e.hex !== "string" || !/^([0-9a-f]{2})*$/.test(e.hex)) throw new Error("bad hex");
      return Uint8Array.from(Buffer.from(e.hex, "hex"));
    case "null":
      return null;
    default:
      throw new Error("unknown value");
  }
}

/** An input as the text of a corpus file (JSON: one tagged value per argument). */
export function encodeInput(symbol: string, input: readonly unknown[]): string {
  return JSON.stringify({ ffiKitFuzzInput: 1, symbol, args: input.map(encodeValue) }) + "\n";
}

/** Reads an input file; throws with the reason when it is not one. */
export function decodeInput(text: string, arity: number): unknown[] {
  const data = JSON.parse(text) as { ffiKitFuzzInput?: unknown; args?: unknown };
  if (data?.ffiKitFuzzInput !== 1 || !Array.isArray(data.args)) throw new Error("not an ffi-kit-fuzz input file");
  if (data.args.length !== arity) throw new Error(`it has ${data.args.length} arguments, the function takes ${arity}`);
  return data.args.map((e) => decodeValue(e as Encoded));
}

/** Writes an input into `dir` under a name made of `prefix` and a hash of its content; returns the path. */
export function saveInput(dir: string, prefix: string, symbol: string, input: readonly unknown[]): string {
  const text = encodeInput(symbol, input);
  const file = join(dir, `${prefix}-${createHash("sha1").update(text).digest("hex").slice(0, 16)}.json`);
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, file);
  return file;
}

/** The inputs of a corpus folder (files that are not inputs of this function are skipped), in name order. */
export function loadCorpus(dir: string, arity: number): CorpusEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return [];
  }
  const out: CorpusEntry[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile() || statSync(file).size > 1 << 20) continue;
      out.push({ input: decodeInput(readFileSync(file, "utf8"), arity), file });
    } catch {
      // not an input of this function
    }
  }
  return out;
}
