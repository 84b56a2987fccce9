import { describe, it, expect } from "vitest";
import { incompleteBeta, mannWhitneyU, median, relativeMarginOfError, studentTTwoSided, variance, welchTTest } from "@ffi-kit/bench";

// Reference values from SciPy 1.17: stats.ttest_ind(equal_var=False), stats.mannwhitneyu(method="asymptotic",
// use_continuity=True), 2 * stats.t.sf(|t|, df), stats.t.ppf (the same as R's t.test, wilcox.test, pt and qt).
describe("statistics", () => {
  it("Student's t two-sided p-values match R's 2 * pt(-|t|, df)", () => {
    expect(studentTTwoSided(2.228139, 10)).toBeCloseTo(0.05, 5);
    expect(studentTTwoSided(1.812461, 10)).toBeCloseTo(0.1, 5);
    expect(studentTTwoSided(12.7062, 1)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSided(0, 7)).toBeCloseTo(1, 10);
    expect(studentTTwoSided(1.959964, 1e6)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSided(-2.5, 3.7)).toBeCloseTo(0.071822, 5); // fractional df, as Welch gives
  });

  it("the incomplete beta function meets its closed forms", () => {
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12); // uniform
    expect(incompleteBeta(0.3, 2, 1)).toBeCloseTo(0.09, 12); // x^2
    expect(incompleteBeta(0.3, 1, 3)).toBeCloseTo(1 - 0.7 ** 3, 12);
  });

  it("Welch's t-test matches SciPy's ttest_ind(equal_var=False)", () => {
    const r = welchTTest([1, 2, 3], [4, 5, 6]);
    expect(r.statistic).toBeCloseTo(-3.674235, 5);
    expect(r.df).toBeCloseTo(4, 6);
    expect(r.p).toBeCloseTo(0.021312, 5);
    const s = welchTTest([10.1, 9.8, 10.3, 10.0, 9.9], [11.2, 10.7, 11.9, 10.4]);
    expect(s.statistic).toBeCloseTo(-3.038626, 5);
    expect(s.df).toBeCloseTo(3.415102, 5);
    expect(s.p).toBeCloseTo(0.047260, 5);
  });

  it("Welch's t-test handles degenerate samples without NaN p-values", () => {
    expect(welchTTest([1], [2, 3]).p).toBe(1);
    expect(welchTTest([2, 2, 2], [2, 2, 2]).p).toBe(1);
    expect(welchTTest([1, 1, 1], [2, 2, 2]).p).toBe(0);
  });

  it("Mann–Whitney U matches SciPy's mannwhitneyu (asymptotic, continuity-corrected)", () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.statistic).toBe(0);
    expect(r.p).toBeCloseTo(0.012186, 5);
    const t = mannWhitneyU([1, 2, 2, 3, 4], [2, 3, 5, 6, 7]); // with ties
    expect(t.statistic).toBe(4.5);
    expect(t.p).toBeCloseTo(0.111612, 5);
  });

  it("median, variance and the relative margin of error", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(variance([1, 2, 3, 4])).toBeCloseTo(1.6666667, 6);
    // qt(0.975, 3) * sd / sqrt(4) / mean * 100 with sd = 1.290994, mean = 2.5
    expect(relativeMarginOfError([1, 2, 3, 4])).toBeCloseTo((3.182446 * 1.290994) / 2 / 2.5 * 100, 3);
  });
});
