/**
 * The statistics the regression check rests on: summary figures, Welch's t-test (as Node core's
 * `benchmark/compare.js` uses) and the Mann–Whitney U test (rank based, robust to outliers), both two-sided.
 */

/** Arithmetic mean; `NaN` for an empty list. */
export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Unbiased sample variance (n - 1 in the denominator); 0 for fewer than two values. */
export function variance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return s / (xs.length - 1);
}

/** Median (mean of the two middle values for an even count); `NaN` for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Natural log of the gamma function (Lanczos approximation, |error| < 2e-10 for x > 0). */
function logGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Continued fraction for the regularized incomplete beta function (Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const EPS = 3e-16, FPMIN = 1e-300;
  const qab = a + b, qap = a + 1, qam = a - 1;
  let c = 1, d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** Regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (bt * betaContinuedFraction(a, b, x)) / a : 1 - (bt * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t distribution with `df` degrees of freedom (df may be fractional). */
export function studentTTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Standard normal two-sided p-value for a z score. */
export function normalTwoSided(z: number): number {
  // Abramowitz–Stegun 7.1.26 for erfc, |error| < 1.5e-7.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return Math.min(1, erfc);
}

/** Result of a two-sample test. `statistic` is t for Welch, U for Mann–Whitney. */
export interface TestResult {
  readonly test: "welch" | "mann-whitney";
  readonly statistic: number;
  /** Degrees of freedom (Welch–Satterthwaite) for Welch; `undefined` for Mann–Whitney. */
  readonly df: number | undefined;
  /** Two-sided p-value: the chance of a difference at least this large if both samples came from one distribution. */
  readonly p: number;
}

/**
 * Welch's unequal-variance t-test, two-sided.
 *
 * @example
 * welchTTest([1, 2, 3], [4, 5, 6]).p // ≈ 0.0213
 */
export function welchTTest(a: readonly number[], b: readonly number[]): TestResult {
  if (a.length < 2 || b.length < 2) return { test: "welch", statistic: NaN, df: undefined, p: 1 };
  const va = variance(a) / a.length, vb = variance(b) / b.length;
  const diff = mean(a) - mean(b);
  if (va + vb === 0) return { test: "welch", statistic: diff === 0 ? 0 : Infinity * Math.sign(diff), df: Infinity, p: diff === 0 ? 1 : 0 };
  const t = diff / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { test: "welch", statistic: t, df, p: studentTTwoSided(t, df) };
}

/**
 * Mann–Whitney U test, two-sided, normal approximation with tie and continuity corrections.
 *
 * @example
 * mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p // ≈ 0.012
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): TestResult {
  const n1 = a.length, n2 = b.length;
  if (n1 === 0 || n2 === 0) return { test: "mann-whitney", statistic: NaN, df: undefined, p: 1 };
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const r = (i + j) / 2 + 1, k = j - i + 1;
    for (let m = i; m <= j; m++) ranks[m] = r;
    tieTerm += k ** 3 - k;
    i = j + 1;
  }
  let r1 = 0;
  all.forEach((e, i) => { if (e.g === 0) r1 += ranks[i]!; });
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { test: "mann-whitney", statistic: u1, df: undefined, p: 1 };
  const z = (Math.abs(u1 - mu) - 0.5) / sigma;
  return { test: "mann-whitney", statistic: u1, df: undefined, p: normalTwoSided(Math.max(0, z)) };
}

/** Relative margin of error (percent) at 95% confidence, as benchmark.js computes `stats.rme`. */
export function relativeMarginOfError(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const sem = Math.sqrt(variance(xs) / xs.length);
  const df = xs.length - 1;
  // Two-sided 95% critical value of t: bisect studentTTwoSided(t, df) = 0.05.
  let lo = 0, hi = 100;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) > 0.05) lo = mid; else hi = mid;
  }
  return ((lo * sem) / mean(xs)) * 100;
}
