#!/usr/bin/env node
/**
 * `ffi-kit-bench`: run the call-path suite, compare with the committed baseline, or run the bounded CI check.
 *
 *   ffi-kit-bench run      [--rounds N] [--max-time S] [--clock thread-cpu|wall] [--groups a,b] [--paths p,q] [--no-bun] [--out-dir DIR]
 *   ffi-kit-bench compare  [--baseline FILE] [--current REPORT.json] [--threshold 0.1] [--alpha 0.05]
 *                          [--test welch|mann-whitney] [--update-baseline] [run options]
 *   ffi-kit-bench ci       [--baseline FILE] [--threshold T] [--update-baseline] [--bun] [run options]
 *
 * Exit codes: 0 fine, 1 significant regression, 2 usage error or missing baseline.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runSuite, FULL_SETTINGS, CI_SETTINGS, CI_SELECTION, type RunOptions, type Selection } from "./suite.js";
import { markdownReport } from "./markdown-report.js";
import { barChartSvg, trendChartSvg } from "./svg-charts.js";
import { appendHistory, readHistory } from "./history.js";
import { compareReports, comparisonMarkdown, DEFAULT_COMPARE, type CompareOptions } from "./compare.js";
import { packageDir } from "./native-library.js";
import { parseSlowdowns } from "./slowdown.js";
import type { BenchReport } from "./schema.js";

/** The threshold of `ffi-kit-bench ci`: wide enough for a shared 2-core machine, far below a 2x slowdown. */
export const CI_THRESHOLD = 0.35;

const USAGE = `usage: ffi-kit-bench <run|compare|ci> [options]
  run       measure every group; print the Markdown table; write report.json, report.md, chart.svg,
            history.jsonl and trends/*.svg into --out-dir (default: the package's results/)
  compare   run (or read --current) and compare with --baseline (default baseline/full.json)
  ci        bounded run of the core paths, compared with baseline/ci.json (threshold ${CI_THRESHOLD * 100}%)
options: --rounds N --max-time S --clock thread-cpu|wall --groups a,b --paths p,q --no-bun --bun --out-dir DIR --baseline FILE
         --current FILE --threshold X --alpha X --test welch|mann-whitney --update-baseline --quiet`;

class UsageError extends Error {}

function num(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}. Received ${JSON.stringify(v)}`);
  return n;
}

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function writeOutputs(report: BenchReport, outDir: string): void {
  mkdirSync(join(outDir, "trends"), { recursive: true });
  writeFileSync(join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, "report.md"), markdownReport(report));
  writeFileSync(join(outDir, "chart.svg"), barChartSvg(report));
  const historyFile = join(outDir, "history.jsonl");
  appendHistory(historyFile, report);
  const history = readHistory(historyFile).filter((h) => Object.keys(h.injectedSlowdowns ?? {}).length === 0);
  for (const c of report.cases) writeFileSync(join(outDir, "trends", `${c.case.replace(/[^\w.-]+/g, "_")}.svg`), trendChartSvg(c.case, history));
}

function readReport(file: string): BenchReport {
  const r = JSON.parse(readFileSync(file, "utf8")) as BenchReport;
  if (r.schema !== "ffi-kit-bench/1" || !Array.isArray(r.cases)) throw new UsageError(`${file} is not an ffi-kit-bench/1 report`);
  return r;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rounds: { type: "string" },
      "max-time": { type: "string" },
      clock: { type: "string" },
      groups: { type: "string" },
      paths: { type: "string" },
      "no-bun": { type: "boolean" },
      bun: { type: "boolean" },
      "out-dir": { type: "string" },
      baseline: { type: "string" },
      current: { type: "string" },
      threshold: { type: "string" },
      alpha: { type: "string" },
      test: { type: "string" },
      "update-baseline": { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0];
  if (values.help === true || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (!["run", "compare", "ci"].includes(command)) throw new UsageError(`unknown command "${command}"`);
  if (values.test !== undefined && values.test !== "welch" && values.test !== "mann-whitney") {
    throw new UsageError(`--test must be "welch" or "mann-whitney". Received ${JSON.stringify(values.test)}`);
  }
  if (values.clock !== undefined && values.clock !== "wall" && values.clock !== "thread-cpu") {
    throw new UsageError(`--clock must be "thread-cpu" or "wall". Received ${JSON.stringify(values.clock)}`);
  }
  const ci = command === "ci";
  const base = ci ? CI_SETTINGS : FULL_SETTINGS;
  const selection: Selection = {
    ...(ci ? CI_SELECTION : {}),
    ...(values.groups !== undefined ? { groups: list(values.groups)! } : {}),
    ...(values.paths !== undefined ? { paths: list(values.paths)! } : {}),
  };
  const quiet = values.quiet === true;
  const options: RunOptions = {
    mode: ci ? "ci" : "full",
    rounds: num(values.rounds, "rounds", 2, 1000) ?? base.rounds,
    maxTime: num(values["max-time"], "max-time", 0.005, 60) ?? base.maxTime,
    minTime: base.minTime,
    minSamples: base.minSamples,
    clockName: (values.clock as "wall" | "thread-cpu" | undefined) ?? "thread-cpu",
    selection,
    bun: ci ? values.bun === true : values["no-bun"] !== true,
    log: quiet ? () => {} : (line) => process.stderr.write(`${line}\n`),
  };
  const outDir = resolve(values["out-dir"] ?? join(packageDir, "results"));
  const compareOptions: CompareOptions = {
    threshold: num(values.threshold, "threshold", 0, 100) ?? (ci ? CI_THRESHOLD : DEFAULT_COMPARE.threshold),
    alpha: num(values.alpha, "alpha", 0, 1) ?? DEFAULT_COMPARE.alpha,
    test: (values.test as CompareOptions["test"] | undefined) ?? DEFAULT_COMPARE.test,
  };
  const baselineFile = resolve(values.baseline ?? join(packageDir, "baseline", ci ? "ci.json" : "full.json"));

  if (values["update-baseline"] === true && Object.keys(parseSlowdowns()).length > 0) {
    throw new UsageError("refusing to write a baseline from a run with injected slowdowns (FFI_KIT_BENCH_SLOWDOWN)");
  }
  if (command !== "run" && values["update-baseline"] !== true && !existsSync(baselineFile)) {
    throw new UsageError(`no baseline at ${baselineFile}: create it with \`ffi-kit-bench ${command} --update-baseline\``);
  }
  const current = command === "compare" && values.current !== undefined ? readReport(resolve(values.current)) : await runSuite(options);
  if (values.current === undefined) {
    writeOutputs(current, outDir);
    if (!quiet || command === "run") process.stdout.write(`${markdownReport(current)}\nwritten: ${outDir}/{report.json,report.md,chart.svg,history.jsonl,trends/}\n\n`);
  }
  if (command === "run") return 0;
  let status = 0;
  if (existsSync(baselineFile)) {
    const baseline = readReport(baselineFile);
    const comparison = compareReports(baseline, current, compareOptions);
    const summary = comparisonMarkdown(comparison, baseline, current);
    writeFileSync(join(outDir, "compare.md"), summary);
    process.stdout.write(summary);
    if (comparison.regressions > 0) status = 1;
  }
  if (values["update-baseline"] === true) {
    if (Object.keys(current.injectedSlowdowns).length > 0) throw new UsageError("refusing to write a baseline from a run with injected slowdowns (FFI_KIT_BENCH_SLOWDOWN)");
    mkdirSync(resolve(baselineFile, ".."), { recursive: true });
    writeFileSync(baselineFile, `${JSON.stringify(current, null, 2)}\n`);
    process.stdout.write(`\nbaseline updated: ${baselineFile}\n`);
    status = 0;
  }
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || (e as { code?: string }).code === "ERR_OUT_OF_RANGE") {
      process.stderr.write(`ffi-kit-bench: ${(e as Error).message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`ffi-kit-bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
