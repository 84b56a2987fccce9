/**
 * Inputs for fuzzing a user's native function: one in-domain arbitrary per argument (boundaries weighted
 * high), byte buffers for pointers, NUL-terminated bytes for C strings, and "length of" links between a
 * length argument and the buffer it measures.
 */
import fc from "fast-check";
import { FFIError, outOfRange } from "./errors.js";
import { betterShrinking } from "./shrinking.js";
import { arbitraryFor, bytes } from "./arbitraries.js";
import { SMALL_INTEGERS, WIDE_INTEGERS, typeName, type TypeName } from "./type-names.js";

/** Options shaping generated arguments. */
export interface ArgumentOptions {
  /** Longest generated buffer, in bytes (default 64). */
  readonly maxBufferLength?: number;
  /** `{ 1: 0 }`: argument 1 (0-based) is the byte length of argument 0 (a `ptr`, `buffer` or `cstring`). */
  readonly lengthOf?: Readonly<Record<number, number>>;
  /** Arbitraries replacing the default for some arguments (by 0-based index). */
  readonly arbitraries?: Readonly<Record<number, fc.Arbitrary<unknown>>>;
}

const POINTER_TYPES = new Set<TypeName>(["ptr", "buffer", "cstring"]);

function unsupported(position: number, name: TypeName, why: string): FFIError {
  return new FFIError("ERR_FFI_UNSUPPORTED_TYPE", `args[${position}] of type '${name}' cannot be fuzzed: ${why}`);
}

/**
 * The default arbitrary for one argument of a user's function: in-range values and boundaries (never wrong JS
 * types: those test the bindings, not the library). Pointers are byte buffers (`Uint8Array`), C strings are
 * byte buffers ending in a NUL (embedded NULs included).
 *
 * @example
 * argumentArbitrary("u32") // integers 0…2^32 − 1, often 0, 1, 2^31, 2^32 − 1...
 */
export function argumentArbitrary(type: unknown, options: { maxBufferLength?: number; position?: number } = {}): fc.Arbitrary<unknown> {
  const name = typeName(type);
  const position = options.position ?? 0;
  const maxLength = options.maxBufferLength ?? 64;
  if (name in SMALL_INTEGERS || name in WIDE_INTEGERS || name === "f32" || name === "f64" || name === "bool") {
    const arb = arbitraryFor(name, { kinds: ["inRange", "boundary"] });
    const small = SMALL_INTEGERS[name];
    if (small !== undefined) {
      const min = small.signed ? -(2 ** (small.bits - 1)) : 0;
      const max = small.signed ? 2 ** (small.bits - 1) - 1 : 2 ** small.bits - 1;
      return betterShrinking(arb as fc.Arbitrary<number>, min, max);
    }
    const wide = WIDE_INTEGERS[name];
    if (wide !== undefined) {
      // 64-bit values as bigints only, so the property sees one representation.
      const big = arb.map((v) => (typeof v === "number" ? BigInt(v) : (v as bigint)));
      return wide.signed ? betterShrinking(big, -(2n ** 63n), 2n ** 63n - 1n) : betterShrinking(big, 0n, 2n ** 64n - 1n);
    }
    return arb;
  }
  if (name === "ptr" || name === "buffer") return bytes({ maxLength });
  if (name === "cstring") {
    return bytes({ maxLength }).map(
      (b) => {
        const out = new Uint8Array(b.length + 1);
        out.set(b);
        return out;
      },
      (u) => {
        if (!(u instanceof Uint8Array) || u.length === 0 || u[u.length - 1] !== 0) throw new TypeError("not a NUL-terminated Uint8Array");
        return u.subarray(0, u.length - 1);
      },
    );
  }
  if (name === "function") throw unsupported(position, name, "pass a JSCallback's pointer through a wrapper instead");
  throw unsupported(position, name, "it is not an argument type on Node");
}

/**
 * The arbitrary of a whole argument list, honouring `lengthOf` links (a length argument takes the byte length
 * of its buffer; for a `cstring`, the length without the final NUL).
 *
 * @example
 * argumentsArbitrary(["buffer", "u32"], { lengthOf: { 1: 0 } }) // [Uint8Array(n), n]
 */
export function argumentsArbitrary(args: readonly unknown[], options: ArgumentOptions = {}): fc.Arbitrary<unknown[]> {
  const names = args.map((t) => typeName(t));
  const lengthOf = options.lengthOf ?? {};
  for (const [lengthIndex, bufferIndex] of Object.entries(lengthOf)) {
    const li = Number(lengthIndex);
    const lengthType = names[li];
    const bufferType = names[bufferIndex];
    if (lengthType === undefined || !(lengthType in SMALL_INTEGERS || lengthType in WIDE_INTEGERS)) {
      throw outOfRange(`lengthOf: args[${li}] (0-based, like the option) must be an integer argument, not ${lengthType ?? "missing"}`);
    }
    if (bufferType === undefined || !POINTER_TYPES.has(bufferType)) {
      throw outOfRange(`lengthOf: args[${bufferIndex}] (0-based, like the option) must be a ptr, buffer or cstring argument, not ${bufferType ?? "missing"}`);
    }
  }
  const free = names.map((n, i) => (String(i) in lengthOf ? fc.constant(0 as unknown) : options.arbitraries?.[i] ?? argumentArbitrary(n, { position: i, ...(options.maxBufferLength !== undefined ? { maxBufferLength: options.maxBufferLength } : {}) })));
  const tuple = fc.tuple(...free);
  if (Object.keys(lengthOf).length === 0) return tuple;
  return tuple.map(
    (values) => {
      const out = [...values];
      for (const [lengthIndex, bufferIndex] of Object.entries(lengthOf)) {
        const li = Number(lengthIndex);
        const buffer = out[bufferIndex] as Uint8Array;
        const length = names[bufferIndex] === "cstring" ? buffer.length - 1 : buffer.length;
        out[li] = names[li]! in WIDE_INTEGERS ? BigInt(length) : length;
      }
      return out;
    },
    // Back to the tuple (length arguments are the constant 0 there), so inputs fast-check did not generate shrink too.
    (value) => {
      if (!Array.isArray(value) || value.length !== names.length) throw new TypeError("not an argument list");
      return value.map((v, i) => (String(i) in lengthOf ? 0 : v));
    },
  );
}
