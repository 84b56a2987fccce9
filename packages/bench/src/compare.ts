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
  /**
   * `"not confirmed"`: flagged in the first pass but not when re-measured (a burst of load on the shared machine,
   * not a change of the code); it does not fail the check.
   */
  readonly verdict: "regression" | "improvement" | "unchanged" | "not confirmed";
  /** The re-measurement of a case the first pass flagged (see {@link confirmComparison}). */
  readonly confirmation?: { readonly currentRatio: number; readonly change: number; readonly result: TestResult; readonly rounds: number };
}

/** All verdicts, and what the baseline lacked. */
export interface Comparison {
  readonly options: CompareOptions;
  readonly cases: readonly CaseComparison[];
  /** Cases of the current run that the baseline does not have (not judged). */
  readonly missingInBaseline: readonly string[];
  readonly regressions: number;
  readonly improvements: number;
  /** Cases flagged by the first pass that a confirmation round re-measured. */
  readonly confirmed?: readonly string[];
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

/**
 * Merges a confirmation round into the first comparison: a case stays a regression only when the re-measurement
 * (the case and its reference again, interleaved, in new rounds) is a regression too. A real slowdown shows in
 * both; a burst of load from other processes rarely hits the same case twice.
 *
 * @example
 * const first = compareReports(baseline, run1, options);
 * const again = compareReports(baseline, rerunOfFlaggedGroups, options);
 * const final = confirmComparison(first, again);
 */
export function confirmComparison(first: Comparison, again: Comparison, rounds: number): Comparison {
  const byCase = new Map(again.cases.map((c) => [c.case, c]));
  const confirmed: string[] = [];
  const cases = first.cases.map((c): CaseComparison => {
    if (c.verdict !== "regression") return c;
    const r = byCase.get(c.case);
    confirmed.push(c.case);
    if (r === undefined) return c;
    return {
      ...c,
      verdict: r.verdict === "regression" ? "regression" : "not confirmed",
      confirmation: { currentRatio: r.currentRatio, change: r.change, result: r.result, rounds },
    };
  });
  return {
    ...first,
    cases,
    confirmed,
    regressions: cases.filter((c) => c.verdict === "regression").length,
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
      `Baseline: Node ${baseline.runtime.version} on ${baseline.machine.cpus}× ${baseline.machine.cpu}, ${baseline.startedAt}${baseline.commit === undefined ? "" : ` (${baseline.commit})`}, ${baseline.settings.rounds} rounds; ` +
      `current: Node ${current.runtime.version} on ${current.machine.cpus}× ${current.machine.cpu}, ${current.startedAt}${current.commit === undefined ? "" : ` (${current.commit})`}, ${current.settings.rounds} rounds, load ${current.machine.loadavg}.`,
    "",
    "| case | reference | baseline ratio | current ratio | change | p | verdict | re-measured |",
    "|---|---|---:|---:|---:|---:|---|---|",
  ];
  const pct = (x: number): string => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
  for (const r of c.cases) {
    const v = r.verdict === "regression" ? "❌ regression" : r.verdict === "improvement" ? "🚀 improvement" : r.verdict === "not confirmed" ? "⚠️ not confirmed" : "unchanged";
    const again = r.confirmation === undefined ? "" : `${r.confirmation.currentRatio.toFixed(3)}x, ${pct(r.confirmation.change)}, p ${r.confirmation.result.p.toPrecision(2)}`;
    lines.push(
      `| ${r.case} | ${r.reference.split("/")[1]} | ${r.baselineRatio.toFixed(3)}x | ${r.currentRatio.toFixed(3)}x | ${pct(r.change)} | ${r.result.p.toPrecision(2)}${stars(r.result.p)} | ${v} | ${again} |`,
    );
  }
  if (c.confirmed !== undefined && c.confirmed.length > 0) {
    const rounds = c.cases.find((x) => x.confirmation !== undefined)?.confirmation?.rounds;
    lines.push(
      "",
      `Flagged in the first pass and re-measured (${rounds ?? "?"} new rounds, each beside its reference): ${c.confirmed.join(", ")}. ` +
        "A case fails only when the re-measurement is a regression too.",
    );
  }
  if (c.missingInBaseline.length > 0) lines.push("", `Not in the baseline (not judged): ${c.missingInBaseline.join(", ")}.`);
  const slow = Object.entries(current.injectedSlowdowns);
  if (slow.length > 0) lines.push("", `Injected slowdowns in the current run: ${slow.map(([k, v]) => `${k} ×${v}`).join(", ")}.`);
  return `${lines.join("\n")}\n`;
}
