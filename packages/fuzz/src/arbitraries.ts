/**
 * fast-check arbitraries for every FFI type. Each produces three kinds of values, which can be chosen:
 * - `inRange`: values the type represents exactly (identity through C returns them unchanged, canonically typed);
 * - `boundary`: the edges where conversions change (±0, 2^n ± 1, 2^53 ± 1, float32 extremes, subnormals, NaN payloads);
 * - `outOfDomain`: what the type must coerce or refuse: other JS types, fractions, NaN for integers,
 *   out-of-range numbers and bigints.
 *
 * @example
 * import fc from "fast-check";
 * import { arbitraries } from "@ffi-kit/fuzz";
 * fc.assert(fc.property(arbitraries.i32(), (v) => ...));
 * fc.assert(fc.property(arbitraries.u64({ kinds: ["outOfDomain"] }), (v) => ...));
 */
import fc from "fast-check";
import { ADDRESS_BOUNDARIES, BIGINT_BOUNDARIES, FLOAT_BOUNDARIES, INTEGER_BOUNDARIES } from "./boundaries.js";
import { betterShrinking } from "./shrinking.js";
import { SMALL_INTEGERS, TYPE_NAMES, WIDE_INTEGERS, typeName, type TypeName } from "./type-names.js";

/** The three kinds of values an FFI arbitrary can produce. */
export type ValueKind = "inRange" | "boundary" | "outOfDomain";

/** Options common to every FFI arbitrary. */
export interface FFIArbitraryOptions {
  /** Which kinds of values to produce (default: all three, boundaries and in-range values weighted higher). */
  readonly kinds?: readonly ValueKind[];
}

const ALL_KINDS: readonly ValueKind[] = ["inRange", "boundary", "outOfDomain"];
const WEIGHT: Readonly<Record<ValueKind, number>> = { inRange: 4, boundary: 4, outOfDomain: 3 };

/** Values of the wrong JavaScript type for any numeric or pointer type. */
function wrongTypes(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>("12", "", "0", "abc", "\u0000", "-1", "0x10"),
    fc.string({ maxLength: 8 }),
    fc.constantFrom<unknown>(Symbol("ffi"), {}, [], [1], { valueOf: () => 7 }),
    fc.constant(() => 1),
  );
}

const NULLISH_AND_BOOLEANS: readonly unknown[] = [true, false, null, undefined];

function pick(kinds: readonly ValueKind[], parts: Record<ValueKind, fc.Arbitrary<unknown> | null>): fc.Arbitrary<unknown> {
  const chosen = kinds
    .map((k) => ({ k, arb: parts[k] }))
    .filter((p): p is { k: ValueKind; arb: fc.Arbitrary<unknown> } => p.arb !== null)
    .map((p) => ({ arbitrary: p.arb, weight: WEIGHT[p.k] }));
  if (chosen.length === 0) throw new RangeError(`no values of kinds ${kinds.join(", ")} for this type`);
  // Cross-shrinking lets a boundary or out-of-domain failure shrink into the simpler in-range values.
  return chosen.length === 1 ? chosen[0]!.arbitrary : fc.oneof({ withCrossShrink: true }, ...chosen);
}

/**
 * One of a list of constants, shrinking towards the earlier ones: every earlier constant is a shrink candidate,
 * in order, so a failure shrinks to the first constant of the list that fails (`fc.constantFrom` only tries the
 * first one).
 */
class Listed<T> extends fc.Arbitrary<T> {
  constructor(readonly values: readonly T[]) {
    super();
  }
  generate(mrng: fc.Random): fc.Value<T> {
    const i = mrng.nextInt(0, this.values.length - 1);
    return new fc.Value(this.values[i]!, i);
  }
  canShrinkWithoutContext(value: unknown): value is T {
    return this.values.some((v) => Object.is(v, value));
  }
  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    const at = typeof context === "number" ? context : this.values.findIndex((v) => Object.is(v, value));
    return fc.Stream.of(...Array.from({ length: Math.max(0, at) }, (_, j) => new fc.Value(this.values[j]!, j)));
  }
}

function listed<T>(values: readonly T[]): fc.Arbitrary<T> {
  return new Listed(values);
}

function fromList<T>(values: readonly T[]): fc.Arbitrary<T> | null {
  return values.length === 0 ? null : listed(values);
}

function smallInteger(name: TypeName, options: FFIArbitraryOptions): fc.Arbitrary<unknown> {
  const { bits, signed } = SMALL_INTEGERS[name]!;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const inside = (v: number) => v >= min && v <= max;
  return pick(options.kinds ?? ALL_KINDS, {
    inRange: fc.integer({ min, max }),
    boundary: fromList(INTEGER_BOUNDARIES.filter(inside)),
    outOfDomain: fc.oneof(
      fc.constantFrom(...INTEGER_BOUNDARIES.filter((v) => !inside(v)), ...FLOAT_BOUNDARIES),
      fc.double(),
      fc.integer({ min: min - 2 ** bits, max: max + 2 ** bits }),
      fc.constantFrom(...BIGINT_BOUNDARIES),
      fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
      fc.constantFrom(...NULLISH_AND_BOOLEANS),
      wrongTypes(),
    ),
  });
}

function wideInteger(name: TypeName, options: FFIArbitraryOptions): fc.Arbitrary<unknown> {
  const { signed } = WIDE_INTEGERS[name]!;
  const min = signed ? -(1n << 63n) : 0n;
  const max = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
  const insideBig = (v: bigint) => v >= min && v <= max;
  const insideNumber = (v: number) => Number.isSafeInteger(v) && insideBig(BigInt(v));
  return pick(options.kinds ?? ALL_KINDS, {
    inRange: fc.oneof(
      fc.bigInt({ min, max }),
      signed ? fc.maxSafeInteger() : fc.maxSafeNat(),
    ),
    boundary: fc.oneof(listed(BIGINT_BOUNDARIES.filter(insideBig)), listed(INTEGER_BOUNDARIES.filter(insideNumber))),
    outOfDomain: fc.oneof(
      fc.constantFrom(...BIGINT_BOUNDARIES.filter((v) => !insideBig(v))),
      fc.bigInt({ min: -(1n << 130n), max: 1n << 130n }),
      fc.constantFrom(...INTEGER_BOUNDARIES.filter((v) => !insideNumber(v)), ...FLOAT_BOUNDARIES),
      fc.double(),
      fc.constantFrom(...NULLISH_AND_BOOLEANS),
      wrongTypes(),
    ),
  });
}

function float64(options: FFIArbitraryOptions): fc.Arbitrary<unknown> {
  return pick(options.kinds ?? ALL_KINDS, {
    inRange: fc.double(),
    boundary: listed([...INTEGER_BOUNDARIES, ...FLOAT_BOUNDARIES]),
    outOfDomain: fc.oneof(
      fc.constantFrom(...BIGINT_BOUNDARIES),
      fc.bigInt({ min: -(1n << 1100n), max: 1n << 1100n }),
      fc.constantFrom(...NULLISH_AND_BOOLEANS),
      wrongTypes(),
    ),
  });
}

function float32(options: FFIArbitraryOptions): fc.Arbitrary<unknown> {
  const exact = (v: number) => Object.is(Math.fround(v), v) || v !== v;
  return pick(options.kinds ?? ALL_KINDS, {
    inRange: fc.float(),
    boundary: listed([...INTEGER_BOUNDARIES, ...FLOAT_BOUNDARIES].filter(exact)),
    outOfDomain: fc.oneof(
      fc.constantFrom(...[...FLOAT_BOUNDARIES, ...INTEGER_BOUNDARIES].filter((v) => !exact(v))),
      fc.double(),
      fc.constantFrom(...BIGINT_BOUNDARIES),
      fc.constantFrom(...NULLISH_AND_BOOLEANS),
      wrongTypes(),
    ),
  });
}

function boolean(options: FFIArbitraryOptions): fc.Arbitrary<unknown> {
  return pick(options.kinds ?? ALL_KINDS, {
    inRange: fc.boolean(),
    boundary: fc.constantFrom<unknown>(true, false),
    outOfDomain: fc.oneof(
      fc.constantFrom<unknown>(0, -0, NaN, 1, -1, "", "0", "false", 0n, 1n, null, undefined),
      fc.double(),
      fc.bigInt(),
      wrongTypes(),
    ),
  });
}

/** Options of the byte arbitraries. */
export interface BytesOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
}

/**
 * Byte arrays for generated memory: lengths from `minLength` to `maxLength` (default 0–64), bytes biased
 * towards 0x00, 0x7f, 0x80 and 0xff (NULs, sign bits) a quarter of the time.
 *
 * @example
 * fc.property(bytes({ minLength: 1 }), (b) => ptr(b) > 0)
 */
export function bytes(options: BytesOptions = {}): fc.Arbitrary<Uint8Array> {
  // Shrinks past the constants too: a byte drawn as 0xff shrinks to 0x80 or 0x7f when that is what matters.
  const byte = betterShrinking(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 255 }), weight: 3 }, { arbitrary: fc.constantFrom(0, 0x7f, 0x80, 0xff), weight: 1 }), 0, 255);
  return fc
    .array(byte, { minLength: options.minLength ?? 0, maxLength: options.maxLength ?? 64, size: "max" })
    .map(
      (a) => Uint8Array.from(a),
      // The unmapper lets fast-check shrink a buffer it did not generate (an input the coverage-guided mutators made).
      (u) => {
        if (!(u instanceof Uint8Array)) throw new TypeError("not a Uint8Array");
        return Array.from(u);
      },
    );
}

const VIEW_KINDS = [
  Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
] as const;

/** A view of some kind over some bytes, possibly starting past the beginning of its buffer. */
export interface GeneratedView {
  /** The view itself (any TypedArray kind or a DataView). */
  readonly view: ArrayBufferView;
  /** A copy of the bytes the view covers, for comparison. */
  readonly bytes: Uint8Array;
}

/**
 * Non-empty views of every TypedArray kind and DataView, over buffers with random contents and random
 * (element-aligned) offsets into a larger buffer.
 *
 * @example
 * fc.property(views(), ({ view, bytes }) => sum(view) === bytes.reduce(...))
 */
export function views(options: { readonly maxElements?: number } = {}): fc.Arbitrary<GeneratedView> {
  const maxElements = options.maxElements ?? 16;
  return fc
    .record({
      kind: fc.integer({ min: 0, max: VIEW_KINDS.length - 1 }),
      before: fc.integer({ min: 0, max: 4 }),
      elements: fc.integer({ min: 1, max: maxElements }),
      after: fc.integer({ min: 0, max: 4 }),
      seed: bytes({ minLength: 1, maxLength: 8 }),
    })
    .map(({ kind, before, elements, after, seed }) => {
      const Kind = VIEW_KINDS[kind]!;
      const size = Kind === DataView ? 1 : (Kind as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      const buffer = new ArrayBuffer((before + elements + after) * size);
      const all = new Uint8Array(buffer);
      for (let i = 0; i < all.length; i++) all[i] = seed[i % seed.length]! ^ (i * 37);
      const view =
        Kind === DataView ? new DataView(buffer, before, elements) : new (Kind as Uint8ArrayConstructor)(buffer, before * size, elements);
      return { view, bytes: new Uint8Array(buffer, view.byteOffset, view.byteLength).slice() };
    });
}

function pointer(name: TypeName, options: FFIArbitraryOptions): fc.Arbitrary<unknown> {
  const outOfDomain: fc.Arbitrary<unknown>[] = [
    fc.constantFrom<unknown>(-1, -4096, -(2 ** 53), 0.5, 4096.5, NaN, Infinity, -Infinity, true, false),
    fc.bigInt({ min: -(1n << 80n), max: -1n }),
    fc.bigInt({ min: 1n << 64n, max: 1n << 80n }),
    wrongTypes(),
  ];
  return pick(options.kinds ?? ALL_KINDS, {
    inRange: fc.oneof(
      fc.maxSafeNat(),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      views().map((v) => v.view),
      bytes({ minLength: 1 }).map((b) => b.buffer),
    ),
    boundary: listed(ADDRESS_BOUNDARIES),
    outOfDomain: name === "buffer" ? fc.oneof(fc.maxSafeNat(), fc.constantFrom<unknown>(null, undefined, 0n), ...outOfDomain) : fc.oneof(...outOfDomain),
  });
}

function anything(): fc.Arbitrary<unknown> {
  return fc.oneof(fc.anything(), fc.constantFrom<unknown>(undefined, null, 0, NaN, 0n, ""));
}

function forType(name: TypeName, options: FFIArbitraryOptions): fc.Arbitrary<unknown> {
  if (name in SMALL_INTEGERS) return smallInteger(name, options);
  if (name in WIDE_INTEGERS) return wideInteger(name, options);
  switch (name) {
    case "f64":
      return float64(options);
    case "f32":
      return float32(options);
    case "bool":
      return boolean(options);
    case "ptr":
    case "cstring":
    case "function":
      return name === "cstring" && (options.kinds ?? ALL_KINDS).includes("outOfDomain")
        ? fc.oneof(pointer(name, options), fc.string({ maxLength: 16 }))
        : pointer(name, options);
    case "buffer":
      return pick(options.kinds ?? ALL_KINDS, {
        inRange: views().map((v) => v.view),
        boundary: views({ maxElements: 1 }).map((v) => v.view),
        outOfDomain: pointer(name, { kinds: ["outOfDomain"] }),
      });
    case "void":
      return pick(options.kinds ?? ALL_KINDS, { inRange: fc.constant(undefined), boundary: fc.constant(undefined), outOfDomain: anything() });
    default:
      // napi_env, napi_value: any JavaScript value (they cannot be declared on Node; the model says so).
      return anything();
  }
}

/**
 * The arbitrary for an FFI type given by number or name.
 *
 * @example
 * arbitraryFor(FFIType.u32, { kinds: ["boundary"] })
 */
export function arbitraryFor(type: unknown, options: FFIArbitraryOptions = {}): fc.Arbitrary<unknown> {
  return forType(typeName(type), options);
}

type ArbitraryFactory = (options?: FFIArbitraryOptions) => fc.Arbitrary<unknown>;
const factory = (name: TypeName): ArbitraryFactory => (options = {}) => forType(name, options);

/** One arbitrary per FFI type, by canonical name. Every factory takes {@link FFIArbitraryOptions}. */
export const arbitraries: Readonly<{
  /** `char`: a signed byte; numbers, bigints, booleans, null and undefined wrap to 8 bits. */
  char: ArbitraryFactory;
  /** `i8`: −128…127. */
  i8: ArbitraryFactory;
  /** `u8`: 0…255. */
  u8: ArbitraryFactory;
  /** `i16`: −32768…32767. */
  i16: ArbitraryFactory;
  /** `u16`: 0…65535. */
  u16: ArbitraryFactory;
  /** `i32`: −2^31…2^31 − 1. */
  i32: ArbitraryFactory;
  /** `u32`: 0…2^32 − 1. */
  u32: ArbitraryFactory;
  /** `i64`: bigints −2^63…2^63 − 1 and safe-integer numbers. */
  i64: ArbitraryFactory;
  /** `u64`: bigints 0…2^64 − 1 and non-negative safe integers. */
  u64: ArbitraryFactory;
  /** `f64`: every double, including −0, NaN (several payloads), ±Infinity and subnormals. */
  f64: ArbitraryFactory;
  /** `f32`: every float32 value; out of domain: doubles that float32 rounds. */
  f32: ArbitraryFactory;
  /** `bool`: booleans; out of domain: any value (converted by truthiness). */
  bool: ArbitraryFactory;
  /** `ptr`: addresses as numbers and bigints, null, TypedArrays, DataViews and ArrayBuffers. */
  ptr: ArbitraryFactory;
  /** `void`: `undefined` only. */
  void: ArbitraryFactory;
  /** `cstring` (as an argument, a pointer): like `ptr`, plus JS strings out of domain. */
  cstring: ArbitraryFactory;
  /** `i64_fast`: like `i64`; results are numbers when safe. */
  i64_fast: ArbitraryFactory;
  /** `u64_fast`: like `u64`; results are numbers when safe. */
  u64_fast: ArbitraryFactory;
  /** `function`: function pointers (numbers, bigints, null); out of domain: JS functions, strings... */
  function: ArbitraryFactory;
  /** `napi_env`: any JS value (not declarable on Node). */
  napi_env: ArbitraryFactory;
  /** `napi_value`: any JS value (not declarable on Node). */
  napi_value: ArbitraryFactory;
  /** `buffer`: TypedArrays and DataViews of every kind, at offsets. */
  buffer: ArbitraryFactory;
}> = Object.freeze(Object.fromEntries(TYPE_NAMES.map((n) => [n, factory(n)])) as never);
