/**
 * Baseline comparison for CI. Each case is judged by its ratio to its reference measured in the same run, so
 * machine speed cancels; the per-round ratio samples of baseline and current run go through a two-sided test
 * (Welch's t-test on log ratios by default, or Mann–Whitney U), and a case regresses when the test is
 * significant AND the ratio grew by more than the threshold.
 */
import { mannWhitneyU, median, welchTTest, type TestResult } from "./statistics.js";
import type { BenchReport } from "./schema.js";

/** How `compare` decides. */
export interface CompareOptions {
  /** Smallest relative change of the ratio that counts (0.1 = 10%). */
  readonly threshold: number;
  /** Significance level of the test (default 0.05). */
  readonly alpha: number;
  readonly test: "welch" | "mann-whitney";
}

/** Default decision settings: 10% and p < 0.05 with Welch's t-test, as Node core's compare.js reports. */
export const DEFAULT_COMPARE: CompareOptions = { threshold: 0.1, alpha: 0.05, test: "welch" };

/** The verdict on one case. */
export interface CaseComparison {
  readonly case: string;
  readonly reference: string;
  readonly baselineRatio: number;
  readonly currentRatio: number;
  /** currentRatio ÷ baselineRatio − 1: +1 means the case became twice as slow relative to its reference. */
  readonly change: number;
  readonly result: TestResult;
  readonly verdict: "regression" | "improvement" | "unchanged";
}

/** All verdicts, and what the baseline lacked. */
export interface Comparison {
  readonly options: CompareOptions;
  readonly cases: readonly CaseComparison[];
  /** Cases of the current run that the baseline does not have (not judged). */
  readonly missingInBaseline: readonly string[];
  readonly regressions: number;
  readonly improvements: number;
}

/**
 * Compares the current run with the baseline, case by case.
 *
 * @example
 * const c = compareReports(baseline, current, DEFAULT_COMPARE);
 * if (c.regressions > 0) process.exitCode = 1;
 */
export function compareReports(baseline: BenchReport, current: BenchReport, options: CompareOptions = DEFAULT_COMPARE): Comparison {
  const base = new Map(baseline.cases.map((c) => [c.case, c]));
  const out: CaseComparison[] = [];
  const missing: string[] = [];
  for (const c of current.cases) {
    if (c.case === c.reference) continue;
    const b = base.get(c.case);
    if (b === undefined || b.ratioSamples.length === 0) {
      missing.push(c.case);
      continue;
    }
    const lb = b.ratioSamples.map(Math.log), lc = c.ratioSamples.map(Math.log);
    const result = options.test === "welch" ? welchTTest(lc, lb) : mannWhitneyU(lc, lb);
    const baselineRatio = median(b.ratioSamples), currentRatio = median(c.ratioSamples);
    const change = currentRatio / baselineRatio - 1;
    const significant = result.p < options.alpha;
    const verdict = significant && change > options.threshold ? "regression" : significant && change < -options.threshold / (1 + options.threshold) ? "improvement" : "unchanged";
    out.push({ case: c.case, reference: c.reference, baselineRatio, currentRatio, change, result, verdict });
  }
  return {
    options,
    cases: out,
    missingInBaseline: missing,
    regressions: out.filter((c) => c.verdict === "regression").length,
    improvements: out.filter((c) => c.verdict === "improvement").length,
  };
}

function stars(p: number): string {
  return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : "";
}

/** A Markdown summary fit for a pull-request comment. */
export function comparisonMarkdown(c: Comparison, baseline: BenchReport, current: BenchReport): string {
  const { threshold, alpha, test } = c.options;
  const head =
    c.regressions > 0
      ? `### ❌ ffi-kit bench: ${c.regressions} significant regression${c.regressions === 1 ? "" : "s"}`
      : `### ✅ ffi-kit bench: no significant regression`;
  const lines = [
    head,
    "",
    `Each case is its ns/op ÷ its reference's ns/op in the same run; a regression is a ratio grown by more than ${(threshold * 100).toFixed(0)}% ` +
      `with p < ${alpha} (${test === "welch" ? "Welch's t-test on log ratios" : "Mann–Whitney U"}, two-sided). ` +
      `Baseline: ${baseline.startedAt}${baseline.commit === undefined ? "" : ` (${baseline.commit})`}, ${baseline.settings.rounds} rounds; ` +
      `current: ${current.startedAt}${current.commit === undefined ? "" : ` (${current.commit})`}, ${current.settings.rounds} rounds, load ${current.machine.loadavg}.`,
    "",
    "| case | reference | baseline ratio | current ratio | change | p | verdict |",
    "|---|---|---:|---:|---:|---:|---|",
  ];
  for (const r of c.cases) {
    const v = r.verdict === "regression" ? "❌ regression" : r.verdict === "improvement" ? "🚀 improvement" : "unchanged";
    lines.push(
      `| ${r.case} | ${r.reference.split("/")[1]} | ${r.baselineRatio.toFixed(3)}x | ${r.currentRatio.toFixed(3)}x | ${r.change >= 0 ? "+" : ""}${(r.change * 100).toFixed(1)}% | ${r.result.p.toPrecision(2)}${stars(r.result.p)} | ${v} |`,
    );
  }
  if (c.missingInBaseline.length > 0) lines.push("", `Not in the baseline (not judged): ${c.missingInBaseline.join(", ")}.`);
  const slow = Object.entries(current.injectedSlowdowns);
  if (slow.length > 0) lines.push("", `Injected slowdowns in the current run: ${slow.map(([k, v]) => `${k} ×${v}`).join(", ")}.`);
  return `${lines.join("\n")}\n`;
}
