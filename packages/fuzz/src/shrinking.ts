/**
 * Better shrinking for integers. fast-check shrinks an integer by bisecting towards zero, which stops short on
 * conditions that bisection cannot keep: a bit that must stay set (`x & 0x100`), a residue (`x % 16 == 13`), and
 * values drawn from a list of constants (a byte generated as the constant 0xff never shrinks to 0x80). Wrapped
 * integers try, before fast-check's own candidates, the values that keep such conditions: the value with one set
 * bit cleared, the value modulo small numbers (2…64), powers of two and powers of ten, and the byte boundaries below it. Every candidate
 * is itself shrunk the same way, whatever arbitrary produced the original value.
 */
import fc from "fast-check";

/** Byte and sign boundaries tried as candidates when they are smaller than the value being shrunk. */
const BOUNDARIES = [0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

function candidates(x: bigint, min: bigint, max: bigint): bigint[] {
  const negative = x < 0n;
  const a = negative ? -x : x;
  const out = new Set<bigint>();
  if (a === 0n) return [];
  out.add(0n); // the target itself first: most values shrink there in one step
  // Residues: x mod m keeps any condition on x mod m (and on its low bits, for powers of two).
  for (let m = 2n; m <= 64n; m++) out.add(a % m);
  for (let m = 100n; m < a; m *= 10n) out.add(a % m);
  for (let k = 1n; k <= 64n; k++) {
    const p = 1n << k;
    if (p >= a) break;
    out.add(a % p);
  }
  // Bits: clear one set bit at a time (keeps every other bit); keep only the highest set bit.
  for (let k = 0n, v = a; v > 0n; k++, v >>= 1n) if ((v & 1n) === 1n) out.add(a & ~(1n << k));
  let high = 1n;
  while (high * 2n <= a) high *= 2n;
  out.add(high);
  for (const b of BOUNDARIES) {
    const v = BigInt(b);
    if (v < a) out.add(v);
  }
  return [...out]
    .filter((v) => v < a)
    .sort((p, q) => (p < q ? -1 : p > q ? 1 : 0))
    .map((v) => (negative ? -v : v))
    .filter((v) => v >= min && v <= max);
}

class BetterIntegers<T extends number | bigint> extends fc.Arbitrary<T> {
  readonly #inner: fc.Arbitrary<T>;
  readonly #min: bigint;
  readonly #max: bigint;
  readonly #bisect: fc.Arbitrary<bigint>;
  readonly #big: boolean;

  constructor(inner: fc.Arbitrary<T>, min: bigint, max: bigint, big: boolean) {
    super();
    this.#inner = inner;
    this.#min = min;
    this.#max = max;
    this.#big = big;
    this.#bisect = fc.bigInt({ min, max });
  }

  #wrap(v: bigint): fc.Value<T> {
    return new fc.Value((this.#big ? v : Number(v)) as T, undefined);
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    return new fc.Value(this.#inner.generate(mrng, biasFactor).value_, undefined);
  }

  canShrinkWithoutContext(value: unknown): value is T {
    const big = this.#big ? typeof value === "bigint" : typeof value === "number" && Number.isSafeInteger(value);
    return big && BigInt(value as T) >= this.#min && BigInt(value as T) <= this.#max;
  }

  shrink(value: T, _context: unknown): fc.Stream<fc.Value<T>> {
    if (!this.canShrinkWithoutContext(value)) return fc.Stream.nil();
    const x = BigInt(value);
    const seen = new Set<bigint>();
    const extra = candidates(x, this.#min, this.#max).filter((v) => (seen.has(v) ? false : (seen.add(v), true)));
    const own = fc.Stream.of(...extra.map((v) => this.#wrap(v)));
    const target = this.#min > 0n ? this.#min : this.#max < 0n ? this.#max : 0n;
    const bisected = this.#bisect
      .shrink(x, undefined)
      .filter((v) => !seen.has(v.value_) && v.value_ !== x && (x >= target ? v.value_ >= target : v.value_ <= target))
      .map((v) => this.#wrap(v.value_));
    return own.join(bisected);
  }
}

/**
 * An integer arbitrary (numbers or bigints within `min`…`max`) that shrinks past bit, modulo and byte-boundary
 * conditions. Generation is `inner`'s, unchanged.
 *
 * @example
 * betterShrinking(fc.integer({ min: 0, max: 255 }), 0, 255) // shrinks 0xff towards 0x80 when only the sign bit matters
 */
export function betterShrinking<T extends number | bigint>(inner: fc.Arbitrary<T>, min: number | bigint, max: number | bigint): fc.Arbitrary<T> {
  return new BetterIntegers(inner, BigInt(min), BigInt(max), typeof min === "bigint");
}
