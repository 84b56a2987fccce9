// Shared by the tests: the fixture library, fast-check settings that print their seed, and "any JS value".
import { fileURLToPath } from "node:url";
import fc from "fast-check";

export const LIB = fileURLToPath(new URL("./fixtures/build/libbindgen.so", import.meta.url));

/** The seed of this run's property tests (set FC_SEED to replay a failure). */
export const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`fast-check seed: ${seed} (replay with FC_SEED=${seed})`);
export const runs = { seed, numRuns: 400 };

/** Numbers where conversions are interesting: halves, bounds, infinities, -0, NaN, huge values. */
export const specialNumbers = [
  0, -0, NaN, Infinity, -Infinity, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 127.5, 128.5, -128.5, 254.5, 255.5, 255, 256, -1, 127, 128, -128, -129,
  32767, 32768, -32768, -32769, 65535, 65536, 65535.5, 2147483647, 2147483648, -2147483648, -2147483649, 4294967295, 4294967296,
  4294967295.5, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, -(2 ** 63), 2 ** 64, 1e300, -1e300, 5e-324, 0.49999999999999994,
];

/** Any JavaScript value a caller could pass, weighted towards numbers. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.double() },
  { weight: 3, arbitrary: fc.constantFrom(...specialNumbers) },
  { weight: 3, arbitrary: fc.integer({ min: -70000, max: 70000 }).map((n) => n / 2) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom("12", " 0x1F ", "1e3", "", "abc", "-0", "Infinity", "2.5") },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, [], [7], {}, { valueOf: () => 300.5 }, new Date(5)) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
  { weight: 1, arbitrary: fc.constant(Symbol("s")) },
);

/** Runs `f`, returning its value or the error it threw. */
export function outcome(f: () => unknown): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}
