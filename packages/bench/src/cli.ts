#!/usr/bin/env node
/**
 * `ffi-kit-bench`: run the call-path suite, compare with the committed baseline, or run the bounded CI check.
 *
 *   ffi-kit-bench run      [--rounds N] [--max-time S] [--clock thread-cpu|wall] [--groups a,b] [--paths p,q] [--no-bun] [--out-dir DIR]
 *   ffi-kit-bench compare  [--baseline FILE] [--current REPORT.json] [--threshold 0.1] [--alpha 0.05]
 *                          [--test welch|mann-whitney] [--update-baseline] [run options]
 *   ffi-kit-bench ci       [--baseline FILE] [--threshold T] [--update-baseline] [--no-confirm] [--bun] [run options]
 *   ffi-kit-bench majors   [--out-dir DIR]
 *
 * Without --baseline, `compare` and `ci` use baseline/<full|ci>-node<major>.json of the running Node major.
 * Exit codes: 0 fine, 1 significant regression, 2 usage error or missing baseline.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runSuite, FULL_SETTINGS, CI_SETTINGS, CI_SELECTION, type RunOptions, type Selection } from "./suite.js";
import { markdownReport } from "./markdown-report.js";
import { barChartSvg, trendChartSvg, majorsChartSvg } from "./svg-charts.js";
import { appendHistory, readHistory } from "./history.js";
import { compareReports, comparisonMarkdown, confirmComparison, DEFAULT_COMPARE, type CompareOptions } from "./compare.js";
import { baselineFileName, chooseBaseline, nodeMajor } from "./baselines.js";
import { majorsMarkdown, readMajorReports, majorReportFile } from "./majors.js";
import { packageDir } from "./native-library.js";
import { parseSlowdowns } from "./slowdown.js";
import type { BenchReport } from "./schema.js";

/** The threshold of `ffi-kit-bench ci`: wide enough for a shared 2-core machine, far below a 2x slowdown. */
export const CI_THRESHOLD = 0.35;

const USAGE = `usage: ffi-kit-bench <run|compare|ci|majors> [options]
  run       measure every group; print the Markdown table; write report.json, report-node<major>.json, report.md,
            chart.svg, history.jsonl, trends/*.svg, majors.md and majors.svg into --out-dir (default: the package's results/)
  compare   run (or read --current) and compare with --baseline (default baseline/full-node<major>.json)
  ci        bounded run of the core paths, compared with baseline/ci-node<major>.json (threshold ${CI_THRESHOLD * 100}%);
            cases flagged are re-measured once and fail only when the re-measurement agrees (--no-confirm: no re-run)
  majors    print the table comparing the Node majors of the report-node<major>.json files in --out-dir; write majors.svg
options: --rounds N --max-time S --clock thread-cpu|wall --groups a,b --paths p,q --no-bun --bun --out-dir DIR --baseline FILE
         --current FILE --threshold X --alpha X --test welch|mann-whitney --update-baseline --no-confirm --quiet`;

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
  // One series per mode and Node major: a figure of another V8 or of the shorter CI settings is not the same series.
  const major = nodeMajor(report.runtime.version);
  const history = readHistory(historyFile).filter(
    (h) => Object.keys(h.injectedSlowdowns ?? {}).length === 0 && h.mode === report.mode && nodeMajor(h.node) === major,
  );
  for (const c of report.cases) writeFileSync(join(outDir, "trends", `${c.case.replace(/[^\w.-]+/g, "_")}.svg`), trendChartSvg(c.case, history));
  if (Object.keys(report.injectedSlowdowns).length === 0) {
    // The latest real run of each Node major, for the side-by-side comparison.
    writeFileSync(join(outDir, majorReportFile(report.mode, nodeMajor(report.runtime.version))), `${JSON.stringify(report, null, 2)}\n`);
  }
  if (report.mode === "full" || readMajorReports(outDir, "full").length === 0) writeMajors(outDir, report.mode);
}

function writeMajors(outDir: string, mode: "ci" | "full"): string {
  const reports = readMajorReports(outDir, mode);
  const table = majorsMarkdown(reports);
  writeFileSync(join(outDir, "majors.md"), table);
  writeFileSync(join(outDir, "majors.svg"), majorsChartSvg(reports));
  return table;
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
      "no-confirm": { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0];
  if (values.help === true || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (!["run", "compare", "ci", "majors"].includes(command)) throw new UsageError(`unknown command "${command}"`);
  if (command === "majors") {
    const dir = resolve(values["out-dir"] ?? join(packageDir, "results"));
    // Full runs when there are any, else the CI runs.
    const table = writeMajors(dir, readMajorReports(dir, "full").length > 0 ? "full" : "ci");
    process.stdout.write(`${table}\nwritten: ${dir}/{majors.md,majors.svg}\n`);
    return 0;
  }
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
  const mode = ci ? "ci" : "full";
  const baselineDir = join(packageDir, "baseline");
  const choice =
    values.baseline !== undefined || values["update-baseline"] === true ? undefined : chooseBaseline(baselineDir, mode, nodeMajor());
  const explicitThreshold = num(values.threshold, "threshold", 0, 100);
  const defaultThreshold = ci ? CI_THRESHOLD : DEFAULT_COMPARE.threshold;
  const compareOptions: CompareOptions = {
    threshold: explicitThreshold ?? (choice !== undefined && !choice.exact ? 2 * defaultThreshold : defaultThreshold),
    alpha: num(values.alpha, "alpha", 0, 1) ?? DEFAULT_COMPARE.alpha,
    test: (values.test as CompareOptions["test"] | undefined) ?? DEFAULT_COMPARE.test,
  };
  const baselineFile = resolve(values.baseline ?? choice?.file ?? join(baselineDir, baselineFileName(mode, nodeMajor())));
  if (command !== "run" && choice !== undefined && !quiet) process.stderr.write(`ffi-kit-bench: ${choice.note}\n`);
  if (command !== "run" && choice !== undefined && !choice.exact) process.stdout.write(`Note: ${choice.note}\n\n`);

  if (values["update-baseline"] === true && Object.keys(parseSlowdowns()).length > 0) {
    throw new UsageError("refusing to write a baseline from a run with injected slowdowns (FFI_KIT_BENCH_SLOWDOWN)");
  }
  if (command !== "run" && values["update-baseline"] !== true && !existsSync(baselineFile)) {
    throw new UsageError(
      values.baseline === undefined
        ? `no baseline for ${mode} runs in ${baselineDir} (looked for ${baselineFileName(mode, nodeMajor())} and any other ${mode}-node<major>.json): create one with \`ffi-kit-bench ${command} --update-baseline\``
        : `no baseline at ${baselineFile}: create it with \`ffi-kit-bench ${command} --update-baseline\``,
    );
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
    let comparison = compareReports(baseline, current, compareOptions);
    if (comparison.regressions > 0 && values.current === undefined && values["no-confirm"] !== true && values["update-baseline"] !== true) {
      // Confirmation round: only the flagged cases, each beside its reference, in new interleaved rounds.
      const flagged = comparison.cases.filter((c) => c.verdict === "regression");
      const rounds = Math.max(options.rounds, 8);
      options.log?.(`re-measuring ${flagged.map((c) => c.case).join(", ")} (${rounds} rounds) to confirm`);
      const again = await runSuite({
        ...options,
        rounds,
        bun: false,
        selection: { groups: [...new Set(flagged.map((c) => c.case.split("/")[0]!))], paths: [...new Set(flagged.map((c) => c.case.split("/")[1]!))] },
      });
      comparison = confirmComparison(comparison, compareReports(baseline, again, compareOptions), rounds);
    }
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
