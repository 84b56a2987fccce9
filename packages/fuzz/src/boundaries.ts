/**
 * Boundary values: the numbers and bigints where conversions change behaviour (widths, signs, the limits of
 * exact doubles and floats, subnormals, NaN payloads). Arbitraries draw from these lists often, because random
 * values almost never land on them.
 */

const pow2 = (n: number): number => 2 ** n;

function nanWithBits(hi: number, lo: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getFloat64(0);
}

/** NaNs with different payloads (quiet, signalling-looking, negative, all ones); all are `NaN` to JavaScript. */
export const NAN_PAYLOADS: readonly number[] = Object.freeze([
  NaN,
  nanWithBits(0x7ff80000, 0x00000001),
  nanWithBits(0x7ff00000, 0x00000001),
  nanWithBits(0xfff80000, 0x00000000),
  nanWithBits(0x7fffffff, 0xffffffff),
  nanWithBits(0x7ff40000, 0x0000dead),
]);

/** Largest finite float32. */
export const F32_MAX = 3.4028234663852886e38;
/** Smallest positive normal float32. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;
/** Smallest positive subnormal float32. */
export const F32_MIN_SUBNORMAL = 1.401298464324817e-45;
/** Largest subnormal float32. */
export const F32_MAX_SUBNORMAL = 1.1754942106924411e-38;
/** Smallest positive normal double. */
export const F64_MIN_NORMAL = 2.2250738585072014e-308;
/** Largest subnormal double. */
export const F64_MAX_SUBNORMAL = 2.225073858507201e-308;

const EXPONENTS = [7, 8, 15, 16, 24, 31, 32, 52, 53, 54, 63, 64] as const;

function integerBoundaries(): number[] {
  const out = [0, -0, 1, -1, 2, -2];
  for (const n of EXPONENTS) {
    const p = pow2(n);
    out.push(p, p - 1, p + 1, -p, -p + 1, -p - 1);
  }
  out.push(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, pow2(53) + 2, -(pow2(53) + 2));
  return [...new Set(out.map((v) => (Object.is(v, -0) ? "-0" : v)))].map((v) => (v === "-0" ? -0 : (v as number)));
}

/** Integers at every width boundary as numbers: ±0, ±1, ±2^n and ±(2^n ± 1) for n in 7, 8, 15, 16, 24, 31, 32, 52–54, 63, 64, ±(2^53 − 1). */
export const INTEGER_BOUNDARIES: readonly number[] = Object.freeze(integerBoundaries());

/** Non-integral and special doubles: fractions, ±Infinity, NaN payloads, subnormals, the float32 extremes. */
export const FLOAT_BOUNDARIES: readonly number[] = Object.freeze([
  0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.1, -0.1, 1 / 3, 0.9999999999999999,
  1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity,
  Number.MIN_VALUE, -Number.MIN_VALUE, F64_MIN_NORMAL, F64_MAX_SUBNORMAL, -F64_MAX_SUBNORMAL,
  F32_MAX, -F32_MAX, F32_MIN_NORMAL, F32_MIN_SUBNORMAL, -F32_MIN_SUBNORMAL, F32_MAX_SUBNORMAL,
  // Just past float32 range and halfway cases that round differently in float32.
  3.4028235677973366e38, 3.402823567797336e38, F32_MIN_SUBNORMAL / 2, F32_MIN_SUBNORMAL * 0.75,
  16777217, 16777219, 2147483647.5, -2147483648.5, 4294967295.5,
  ...NAN_PAYLOADS,
]);

function bigintBoundaries(): bigint[] {
  const out = new Set<bigint>([0n, 1n, -1n, 2n, -2n]);
  for (const n of [7, 8, 15, 16, 31, 32, 53, 63, 64, 65, 128]) {
    const p = 1n << BigInt(n);
    for (const v of [p, p - 1n, p + 1n, -p, -p + 1n, -p - 1n]) out.add(v);
  }
  return [...out];
}

/** Bigints at every width boundary: 0, ±1, ±2^n and ±(2^n ± 1) for n in 7, 8, 15, 16, 31, 32, 53, 63–65, 128. */
export const BIGINT_BOUNDARIES: readonly bigint[] = Object.freeze(bigintBoundaries());

/** Addresses where pointer handling changes: NULL, the unmapped first page, 2^32, 2^47, 2^53 ± 1, 2^63, 2^64 − 1. */
export const ADDRESS_BOUNDARIES: readonly (number | bigint | null | undefined)[] = Object.freeze([
  0, 1, 4095, 4096, 4097, 65536, pow2(31), pow2(32) - 1, pow2(32), pow2(47), pow2(48) - 1,
  Number.MAX_SAFE_INTEGER, pow2(53), pow2(53) + 2, pow2(63),
  0n, 1n, 4096n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n,
  null, undefined,
]);
