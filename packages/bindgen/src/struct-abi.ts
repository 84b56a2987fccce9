/**
 * Small structs without koffi's struct marshalling. On x86-64 System V and AArch64 (Linux, macOS), a struct of
 * at most 16 bytes whose members are all integers (ints, bools, enums) travels in one or two general-purpose
 * registers, exactly as one or two `uint64_t` holding its bytes would. `bind()` packs such a struct's converted
 * members into those 64-bit words (and unpacks a returned one) itself, which costs a fraction of koffi's
 * per-member object marshalling. Only when every argument of the call is sure to travel in registers: a struct
 * that does not fit the remaining registers would go to the stack whole, where the words would not.
 */
import type { SignatureSpec } from "./fn.js";
import { alignUp, layoutOf, type DictionarySpec, type TypeSpec } from "./spec.js";

/**
 * Whether structs are packed here: this machine's C calling convention is one the packing above is right for, and
 * `FFI_KIT_STRUCT_PACKING=0` does not turn it off (for debugging: every struct then goes through koffi).
 */
export const PACKING_ABI: boolean =
  (process.arch === "x64" || process.arch === "arm64") && process.platform !== "win32" && process.env.FFI_KIT_STRUCT_PACKING !== "0";
const ARGUMENT_REGISTERS = process.arch === "arm64" ? 8 : 6;
/** The integer argument registers of both ABIs (x86-64 System V has 6, AArch64 8): what a portable plan assumes. */
const PORTABLE_ARGUMENT_REGISTERS = 6;

/** The scratch memory packed structs pass through (little-endian, as both ABIs are). No user code runs between a write and its read. */
export const PACK = (() => {
  const buffer = new ArrayBuffer(16);
  return { dv: new DataView(buffer), u32: new Uint32Array(buffer), b64: new BigUint64Array(buffer), hi: 0 as number | bigint };
})();

/** The 64-bit word `k` (0 or 1) of the scratch, as koffi takes a `uint64_t`: a number when exact, else a bigint. */
export function eightbyte(k: number): number | bigint {
  const lo = PACK.u32[2 * k]!;
  const hi = PACK.u32[2 * k + 1]!;
  return hi < 2097152 ? hi * 4294967296 + lo : PACK.b64[k]!;
}

/** Stores a returned `uint64_t` (number or bigint) as word 0 of the scratch. */
export function setEightbyte(r: unknown): void {
  if (typeof r === "bigint") PACK.b64[0] = r;
  else {
    const n = r as number;
    const lo = n % 4294967296;
    PACK.u32[0] = lo;
    PACK.u32[1] = (n - lo) / 4294967296;
  }
}

/** A member of a packed struct: where it is and how to write and read it. */
export interface PackedMember {
  readonly offset: number;
  readonly spec: TypeSpec;
}

/** Whether `spec` is a by-value dictionary of at most 16 bytes made only of integers (nested dictionaries included). */
export function packable(spec: TypeSpec): boolean {
  if (spec.kind !== "dictionary" || spec.byPointer || layoutOf(spec).size > 16) return false;
  return spec.fields.every((f) => {
    const k = f.type.kind;
    return k === "int" || k === "bool" || k === "stringEnum" || k === "nativeEnum" || (f.type.kind === "dictionary" && packable(f.type));
  });
}

/** The byte offsets of a dictionary's members, as C lays them out. */
export function memberOffsets(spec: DictionarySpec): number[] {
  let offset = 0;
  return spec.fields.map((f) => {
    const l = layoutOf(f.type);
    offset = alignUp(offset, l.align);
    const at = offset;
    offset += l.size;
    return at;
  });
}

/** How one signature crosses: for each JS parameter the number of packed words (0: as koffi declares it), and the return. */
export interface PackingPlan {
  readonly words: readonly number[];
  readonly ret: boolean;
}

/**
 * The packing plan of `sig`, or `undefined` when nothing is packed (or it would not be safe to). A `portable` plan
 * is the same on every machine (generated modules): it is right on both ABIs, and the code chooses at run time,
 * with {@link PACKING_ABI}, between it and koffi's structs.
 */
export function packingPlan(sig: SignatureSpec, params: SignatureSpec["args"], portable = false): PackingPlan | undefined {
  if (!portable && !PACKING_ABI) return undefined;
  const argumentRegisters = portable ? PORTABLE_ARGUMENT_REGISTERS : ARGUMENT_REGISTERS;
  let registers = 0;
  const words: number[] = [];
  for (const a of params) {
    const s = a.type;
    if (packable(s)) {
      const n = layoutOf(s).size > 8 ? 2 : 1;
      words.push(n);
      registers += n;
      continue;
    }
    if ((s.kind === "dictionary" && !s.byPointer) || s.kind === "oneOf") return undefined; // koffi's structs: keep them all koffi's
    words.push(0);
    if (s.kind !== "float") registers += 1;
  }
  const r = sig.ret;
  const ret = packable(r) && layoutOf(r).size <= 8;
  if (!ret && r.kind === "dictionary" && !r.byPointer && layoutOf(r).size > 16) registers += 1; // the hidden result pointer
  if (registers > argumentRegisters) return undefined;
  if (!ret && words.every((w) => w === 0)) return undefined;
  return { words, ret };
}
