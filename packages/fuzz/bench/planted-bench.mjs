#!/usr/bin/env node
// The planted-bug benchmark: how many generated inputs (and seconds) @ffi-kit/fuzz needs to find each of the
// thirteen bugs of bench/planted/planted.c, black-box (the plain `cc` build) and coverage-guided (the clang
// -fsanitize=fuzzer-no-link build), over several seeds; whether each is found within the default budget of
// 300 runs, and whether it is shrunk to its documented minimal input. Prints a markdown table and its three checks.
//
// Usage: node bench/planted-bench.mjs [options]        (from packages/fuzz, after the package build)
//   --seeds K          seeds per bug and mode (default 5: seeds 1..K)
//   --first-seed S     the first seed (default 1: seeds S..S+K-1)
//   --cap N            most runs per black-box search, and per coverage search not found within 300 (default 100000)
//   --time S           most seconds per search (default 120)
//   --mode M           both | black-box | coverage (default both)
//   --only a,b         only these bugs (ids from bench/planted/bugs.mjs)
//   --asan             fuzz the AddressSanitizer builds (libplanted-asan.so / libplanted-cov-asan.so)
//   --json FILE        also write every run's figures to FILE
// Run it with nothing else busy on the machine: the seconds it prints depend on that, the runs it counts do not.
import { cpus, loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { fuzzLibrary, DEFAULT_RUNS } from "@ffi-kit/fuzz";
import { buildPlanted } from "./planted/build.mjs";
import { PLANTED_BUGS, sameInput } from "./planted/bugs.mjs";

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const K = Number(option("seeds", 5));
const FIRST = Number(option("first-seed", 1));
const CAP = Number(option("cap", 100_000));
const TIME_CAP_MS = Number(option("time", 120)) * 1000;
const MODE = option("mode", "both");
const ONLY = option("only", undefined)?.split(",");
const ASAN = process.argv.includes("--asan");
const JSON_OUT = option("json", undefined);
if (!(K >= 1 && Number.isInteger(FIRST) && CAP >= DEFAULT_RUNS && TIME_CAP_MS > 0 && ["both", "black-box", "coverage"].includes(MODE))) {
  console.error("usage: node bench/planted-bench.mjs [--seeds K] [--first-seed S] [--cap N>=300] [--time S] [--mode both|black-box|coverage] [--only ids] [--asan] [--json FILE]");
  process.exit(2);
}

const built = buildPlanted();
const libraries = {
  "black-box": ASAN ? built.asan : built.plain,
  coverage: ASAN ? built.coverageAsan : built.coverage,
};
const modes = (MODE === "both" ? ["black-box", "coverage"] : [MODE]).filter((m) => {
  if (libraries[m] !== undefined) return true;
  console.error(`planted-bench: skipping ${m} mode: ${built.missing[ASAN ? (m === "coverage" ? "coverageAsan" : "asan") : m === "coverage" ? "coverage" : "plain"]}`);
  return false;
});
const bugs = PLANTED_BUGS.filter((b) => ONLY === undefined || ONLY.includes(b.id));
const seeds = Array.from({ length: K }, (_, i) => FIRST + i);

/** The error an AddressSanitizer report names (heap-buffer-overflow, double-free...), if there is one. */
const asanKind = (failure) => /SUMMARY: AddressSanitizer: ([\w-]+)/.exec(failure.stderr ?? "")?.[1];

/** One search: fuzzLibrary until the first failure (then shrunk), within `runs` and the time cap. */
async function search(bug, mode, seed, runs) {
  let firstFailureMs;
  const report = await fuzzLibrary({
    library: libraries[mode],
    symbol: bug.symbol,
    args: bug.args,
    returns: bug.returns,
    ...(bug.lengthOf ? { lengthOf: bug.lengthOf } : {}),
    ...(bug.property ? { property: bug.property, propertySource: bug.propertySource } : {}),
    coverage: mode === "coverage",
    ...(runs !== undefined ? { runs, timeMs: TIME_CAP_MS } : {}),
    timeoutMs: 1000,
    seed,
    // Before reports carried foundAfterMs, the first "shrinking" update was the moment of the first failure.
    progress: (p) => {
      if (p.phase === "shrinking" && firstFailureMs === undefined) firstFailureMs = p.elapsedMs;
    },
  });
  const f = report.failure;
  return {
    bug: bug.id, mode, seed, budget: runs ?? DEFAULT_RUNS,
    reportedMode: report.mode ?? "black-box",
    found: f !== undefined,
    // An ASan build ends the child with its report (exit code 1) instead of the signal of the plain build.
    expected: f !== undefined && f.kind === bug.failure.kind && (bug.failure.signal === undefined || f.signal === bug.failure.signal || (ASAN && f.signal === undefined)),
    failureKind: f ? `${f.kind}${f.signal ? ` ${f.signal}` : f.exitCode !== undefined ? ` exit ${f.exitCode}` : ""}${asanKind(f) ? ` (AddressSanitizer: ${asanKind(f)})` : ""}` : undefined,
    foundAfterRuns: f ? report.foundAfterRuns ?? report.runs : undefined,
    foundAfterMs: f ? report.foundAfterMs ?? firstFailureMs : undefined,
    runs: report.runs,
    elapsedMs: report.elapsedMs,
    minimal: f && bug.minimal ? sameInput(f.input, bug.minimal) : undefined,
    input: f ? f.input.map((v) => (v instanceof Uint8Array ? `bytes(${[...v].join(",")})` : String(v))).join(", ") : undefined,
    edges: report.coverage ? `${report.coverage.edges}/${report.coverage.totalEdges}` : undefined,
    corpus: report.coverage?.corpusSize,
  };
}

const results = [];
const started = Date.now();
for (const bug of bugs) {
  for (const mode of modes) {
    for (const seed of seeds) {
      // Coverage mode: the default budget first (what a user gets); only when that finds nothing, a longer search
      // for the runs-to-find figure. Black-box: one capped search (its first 300 runs are the default budget's).
      let r = mode === "coverage" ? await search(bug, mode, seed, undefined) : await search(bug, mode, seed, CAP);
      const withinDefault = r.found && r.foundAfterRuns <= DEFAULT_RUNS;
      if (mode === "coverage" && !r.found) r = await search(bug, mode, seed, CAP);
      r.withinDefault = withinDefault;
      results.push(r);
      const what = r.found ? `${r.expected ? "" : "UNEXPECTED "}${r.failureKind} found after ${r.foundAfterRuns} runs, ${(r.foundAfterMs / 1000).toFixed(2)} s; shrunk to ${r.input}${r.minimal === undefined ? "" : r.minimal ? " (minimal)" : " (not minimal)"}` : `not found in ${r.runs} runs, ${(r.elapsedMs / 1000).toFixed(1)} s`;
      console.error(`planted-bench: ${bug.id} ${mode}${r.reportedMode !== mode ? ` (report says ${r.reportedMode})` : ""} seed ${seed}: ${what}${r.edges ? `; edges ${r.edges}, corpus ${r.corpus}` : ""}`);
    }
  }
}

// Medians over seeds. A search that found nothing counts as "more than its runs", so it sorts after every search
// that found the bug; a median landing on one is shown as "> N" (and a ratio computed from it is a lower bound).
function median(values) {
  const s = [...values].sort((a, b) => (a.censored === b.censored ? a.value - b.value : a.censored ? 1 : -1));
  const m = s.length >> 1;
  if (s.length % 2 === 1) return s[m];
  const lo = s[m - 1], hi = s[m];
  return { value: (lo.value + hi.value) / 2, censored: lo.censored || hi.censored };
}
function stats(bugId, mode) {
  const rs = results.filter((r) => r.bug === bugId && r.mode === mode);
  if (rs.length === 0) return undefined;
  const runs = median(rs.map((r) => (r.found && r.expected ? { value: r.foundAfterRuns, censored: false } : { value: r.runs, censored: true })));
  const ms = median(rs.map((r) => (r.found && r.expected ? { value: r.foundAfterMs, censored: false } : { value: r.elapsedMs, censored: true })));
  return {
    runs, ms,
    within: rs.filter((r) => r.withinDefault && r.expected).length,
    minimal: rs.filter((r) => r.minimal === true).length,
    found: rs.filter((r) => r.found && r.expected).length,
    n: rs.length,
    modeOk: rs.every((r) => r.reportedMode === mode),
  };
}
const fmtRuns = (m) => (m.censored ? `> ${Math.round(m.value)}` : String(Math.round(m.value)));
const fmtSec = (m) => (m.censored ? `> ${(m.value / 1000).toFixed(1)}` : (m.value / 1000).toFixed(2));

const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
console.log(`@ffi-kit/fuzz planted-bug benchmark (${cpu} x${cpus().length}, node ${process.version}, ${K} seed${K === 1 ? "" : "s"} per bug and mode, cap ${CAP} runs or ${TIME_CAP_MS / 1000} s, ${ASAN ? "ASan builds, " : ""}load average ${loadavg()[0].toFixed(1)}, ${new Date().toISOString().slice(0, 10)})`);
console.log(`command: node bench/planted-bench.mjs ${process.argv.slice(2).join(" ")}`.trimEnd());
console.log("");
const both = modes.length === 2;
console.log(both
  ? "| bug | kind | runs to find, black-box | runs to find, coverage | ratio | seconds, black-box | seconds, coverage | found within 300 runs (black-box / coverage) | shrunk to minimal, of those found (black-box / coverage) |"
  : `| bug | kind | runs to find, ${modes[0]} | seconds, ${modes[0]} | found within 300 runs | shrunk to minimal, of those found |`);
console.log(both ? "|---|---|---|---|---|---|---|---|---|" : "|---|---|---|---|---|---|");
const ratios = [];
for (const bug of bugs) {
  const s = Object.fromEntries(modes.map((m) => [m, stats(bug.id, m)]));
  const minimal = (x) => (bug.minimal === null ? "n/a" : x.found === 0 ? "–" : `${x.minimal}/${x.found}`);
  if (both) {
    const b = s["black-box"], c = s.coverage;
    let ratio = "";
    if (!c.runs.censored) {
      const r = b.runs.value / c.runs.value;
      ratios.push({ value: r, censored: b.runs.censored });
      ratio = `${b.runs.censored ? "> " : ""}${r >= 10 ? Math.round(r) : r.toFixed(1)}x`;
    } else ratios.push({ value: b.runs.censored ? 1 : 0, censored: true });
    console.log(`| ${bug.symbol} (${bug.note}) | ${bug.kind} | ${fmtRuns(b.runs)} | ${fmtRuns(c.runs)} | ${ratio || "?"} | ${fmtSec(b.ms)} | ${fmtSec(c.ms)} | ${b.within}/${b.n} / ${c.within}/${c.n} | ${minimal(b)} / ${minimal(c)} |`);
  } else {
    const x = s[modes[0]];
    console.log(`| ${bug.symbol} (${bug.note}) | ${bug.kind} | ${fmtRuns(x.runs)} | ${fmtSec(x.ms)} | ${x.within}/${x.n} | ${minimal(x)} |`);
  }
}
console.log("");

const coverageStats = modes.includes("coverage") ? bugs.map((b) => stats(b.id, "coverage")) : [];
if (coverageStats.length > 0 && !coverageStats.every((s) => s.modeOk)) {
  console.log("note: this build of @ffi-kit/fuzz did not report coverage-guided runs (report.mode); the coverage column measured black-box fuzzing of the instrumented build");
}
if (coverageStats.length > 0) {
  const all = coverageStats.every((s) => s.within === s.n);
  console.log(`check: every bug found within the default budget (coverage mode): ${all ? "met" : "NOT met"} (${coverageStats.filter((s) => s.within === s.n).length}/${bugs.length} bugs on every seed; ${coverageStats.reduce((a, s) => a + s.within, 0)}/${coverageStats.reduce((a, s) => a + s.n, 0)} searches)`);
}
if (both) {
  const m = median(ratios);
  console.log(`check: median runs-to-find >= 5x fewer than black-box: ${m.value >= 5 ? "met" : "NOT met"} (median over bugs of the per-bug ratio: ${m.censored && m.value >= 5 ? "> " : ""}${m.value.toFixed(1)}x)`);
}
if (coverageStats.length > 0) {
  const withMinimal = bugs.map((b, i) => [b, coverageStats[i]]).filter(([b]) => b.minimal !== null);
  // Judged on the searches that found the bug (whether it is found at all is the first check's business).
  const ok = withMinimal.filter(([, s]) => s.found > 0 && s.minimal === s.found).length;
  console.log(`check: shrunk to minimal (coverage mode, ${withMinimal.length} bugs with a unique minimal input): ${ok === withMinimal.length ? "met" : "NOT met"} (${ok}/${withMinimal.length} bugs, every search that found it)`);
}
console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ cpu, node: process.version, K, CAP, TIME_CAP_MS, asan: ASAN, results }, null, 2));
