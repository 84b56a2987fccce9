import { afterAll, describe, it, expect, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { BenchReport } from "@ffi-kit/bench";

// The real CLI in a child process, measuring real native calls; settings kept tiny so the file stays fast.
const cli = join(dirname(createRequire(import.meta.url).resolve("@ffi-kit/bench/package.json")), "dist", "cli.js");
const NO_BUN = { FFI_KIT_BUN: "/nonexistent/bun" };

function bench(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("ffi-kit-bench run", () => {
  const out = mkdtempSync(join(tmpdir(), "ffi-kit-bench-run-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let first: ReturnType<typeof bench>;
  beforeAll(() => {
    first = bench(["run", "--groups", "noop,ptr", "--rounds", "2", "--max-time", "0.02", "--out-dir", out], NO_BUN);
  });

  it("prints the Markdown table and writes the JSON report in the documented schema", () => {
    expect(first.stderr).toContain("Bun: skipped: no Bun binary found");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/\| case \| ns\/op \| ops\/s \| ± \| samples \| ratio to reference \| Bun bun:ffi ns\/op \|/);
    expect(first.stdout).toMatch(/\| noop\/core-symbol \| [\d.]+ \| [\d.]+ [Mk]? ?\| ±[\d.]+% \| \d+ \| [\d.]+x \|/);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as BenchReport;
    expect(report.schema).toBe("ffi-kit-bench/1");
    expect(report.runtime.name).toBe("node");
    expect(report.settings).toMatchObject({ rounds: 2, maxTime: 0.02, clock: "thread-cpu" });
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.bun).toMatchObject({ ran: false, cases: [] });
    expect(report.cases.map((c) => c.case)).toEqual(expect.arrayContaining(["noop/plain-js", "noop/koffi", "noop/core-symbol", "noop/napi", "ptr/koffi", "ptr/core-ptr"]));
    for (const c of report.cases) {
      expect(c.nsPerOp).toBeGreaterThan(0);
      expect(c.opsPerSec * c.nsPerOp).toBeCloseTo(1e9, -3);
      expect(c.ratioSamples).toHaveLength(2);
      expect(c.samples).toBeGreaterThanOrEqual(2 * 5);
      if (c.case === c.reference) expect(c.ratioSamples).toEqual([1, 1]);
    }
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("| noop/koffi |");
    const svg = readFileSync(join(out, "chart.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/class="bar-ns"/g)).toHaveLength(report.cases.length);
    expect(svg.match(/class="bar-ratio"/g)).toHaveLength(report.cases.filter((c) => c.case !== c.reference).length);
    expect(svg.match(/class="group-band"/g)).toHaveLength(2);
    // A log axis with decade ticks, the 1x line, each group's reference named, and no Bun legend entry when Bun did not run.
    expect(svg).toContain(">1 ns</text>");
    expect(svg).toContain(">10 ns</text>");
    expect(svg).toContain(">1x</text>");
    expect(svg.match(/reference: koffi/g)).toHaveLength(2);
    expect(svg).not.toContain("bun:ffi (separate process)");
    expect(svg).toContain("Bun not measured: no Bun binary found");
    const major = Number(process.version.slice(1).split(".")[0]);
    expect(existsSync(join(out, `report-full-node${major}.json`))).toBe(true);
    const majors = readFileSync(join(out, "majors.md"), "utf8");
    expect(majors).toContain(`| case | Node ${major} |`);
    expect(majors).toMatch(/\| ptr\/core-ptr \| [\d.]+x \([\d.]+ ns\) \|/);
    expect(readFileSync(join(out, "majors.svg"), "utf8").match(/class="bar-major"/g)?.length).toBe(report.cases.filter((c) => c.case !== c.reference).length);
  });

  it("appends one history line per run and draws a trend chart per case", () => {
    const second = bench(["run", "--groups", "ptr", "--rounds", "2", "--max-time", "0.02", "--out-dir", out, "--quiet"], NO_BUN);
    expect(second.status).toBe(0);
    const lines = readFileSync(join(out, "history.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(Object.keys(JSON.parse(lines[1]!).cases)).toEqual(["ptr/koffi", "ptr/core-ptr"]);
    expect(readdirSync(join(out, "trends"))).toEqual(expect.arrayContaining(["noop_core-symbol.svg", "ptr_core-ptr.svg"]));
    // Both series (ratio and ns/op) have a point per run and a line from the second run on.
    const trend = readFileSync(join(out, "trends", "ptr_core-ptr.svg"), "utf8");
    expect(trend.match(/class="point"/g)).toHaveLength(4);
    expect(trend.match(/class="series"/g)).toHaveLength(2);
    expect(readFileSync(join(out, "trends", "noop_core-symbol.svg"), "utf8").match(/class="series"/g)).toBeNull();
  });
});

describe("ffi-kit-bench ci / compare", () => {
  const dir = mkdtempSync(join(tmpdir(), "ffi-kit-bench-ci-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const baseline = join(dir, "baseline.json");
  const args = ["ci", "--groups", "add_i32,callback", "--rounds", "5", "--max-time", "0.04", "--baseline", baseline, "--out-dir", dir];

  it("fails on an injected 2x slowdown of a core path and names the case", () => {
    const made = bench([...args, "--update-baseline", "--quiet"]);
    expect(made.status).toBe(0);
    expect(existsSync(baseline)).toBe(true);
    const slow = bench([...args, "--quiet"], { FFI_KIT_BENCH_SLOWDOWN: "add_i32/core-symbol=2,callback/core-ptr=2" });
    expect(slow.stdout).toContain("significant regression");
    expect(slow.stdout).toMatch(/\| add_i32\/core-symbol \| koffi \| [\d.]+x \| [\d.]+x \| \+\d+\.\d% \| [\d.e-]+\**? \| ❌ regression \|/);
    expect(slow.stdout).toMatch(/\| callback\/core-ptr \| koffi \| .* \| ❌ regression \|/);
    expect(slow.stdout).toContain("Injected slowdowns in the current run: add_i32/core-symbol ×2, callback/core-ptr ×2.");
    // Confirmed by the re-measurement, which names both cases.
    expect(slow.stdout).toMatch(/Flagged in the first pass and re-measured \(\d+ new rounds, each beside its reference\): .*add_i32\/core-symbol/);
    expect(slow.stdout).toMatch(/\| add_i32\/core-symbol \|.*\| ❌ regression \| [\d.]+x, \+\d+\.\d%, p [\d.e-]+ \|/);
    expect(slow.status).toBe(1);
  });

  it("refuses to take a run with injected slowdowns as the baseline", () => {
    const r = bench([...args, "--update-baseline", "--quiet", "--rounds", "2"], { FFI_KIT_BENCH_SLOWDOWN: "add_i32/core-symbol=2" });
    expect(r.stderr).toContain("refusing to write a baseline from a run with injected slowdowns");
    expect(r.status).toBe(2);
  });

  it("reads a saved report with compare --current", () => {
    const r = bench(["compare", "--baseline", baseline, "--current", baseline, "--out-dir", dir]);
    expect(r.stdout).toContain("no significant regression");
    expect(r.stdout).toMatch(/\| add_i32\/core-symbol \| koffi \| ([\d.]+)x \| \1x \| \+0\.0% \| 1\.0 \| unchanged \| +\|/);
    expect(r.status).toBe(0);
  });
});

describe("ffi-kit-bench usage errors exit 2 with a message", () => {
  it.each([
    [["frob"], 'unknown command "frob"'],
    [["run", "--rounds", "1"], "--rounds must be a number from 2 to 1000. Received \"1\""],
    [["compare", "--test", "z"], '--test must be "welch" or "mann-whitney". Received "z"'],
    [["compare", "--threshold=-1"], "--threshold must be a number from 0 to 100. Received \"-1\""],
    [["run", "--clock", "sundial"], '--clock must be "thread-cpu" or "wall". Received "sundial"'],
    [["ci", "--baseline", "/nonexistent/ci.json"], "no baseline at /nonexistent/ci.json"],
    [["majors", "--bogus"], "Unknown option '--bogus'"],
    [["run", "--bogus"], "Unknown option '--bogus'"],
    [["compare", "--current", "/etc/hostname", "--baseline", "/etc/hostname"], "Unexpected token"],
  ])("%j", (argv, message) => {
    const r = bench(argv);
    expect(r.stderr).toContain(message);
    expect(r.status).toBe(2);
  });

  it("a malformed FFI_KIT_BENCH_SLOWDOWN", () => {
    const r = bench(["run", "--groups", "noop", "--rounds", "2"], { FFI_KIT_BENCH_SLOWDOWN: "noop" });
    expect(r.stderr).toContain('FFI_KIT_BENCH_SLOWDOWN: "noop" is not "group/path=factor"');
    expect(r.status).toBe(2);
  });
});

describe("the committed baselines", () => {
  const dir = join(dirname(createRequire(import.meta.url).resolve("@ffi-kit/bench/package.json")), "baseline");
  const majors = [20, 22, 24, 26];
  it.each(majors)("baseline/ci-node%i.json holds every case `ci` judges, with its ratio samples, measured on that major", async (major) => {
    const { CI_SELECTION, nodeCases, fastEngineCases } = await import("@ffi-kit/bench");
    const ci = JSON.parse(readFileSync(join(dir, `ci-node${major}.json`), "utf8")) as BenchReport;
    expect(ci).toMatchObject({ schema: "ffi-kit-bench/1", mode: "ci", injectedSlowdowns: {} });
    expect(ci.runtime.version).toMatch(new RegExp(`^v${major}\\.`));
    expect(ci.machine.cpu.length).toBeGreaterThan(0);
    const cases = nodeCases();
    const fast = fastEngineCases();
    try {
      const judged = [...cases.groups, ...fast.groups]
        .filter((g) => CI_SELECTION.groups!.includes(g.group))
        .flatMap((g) => g.paths.filter((p) => CI_SELECTION.paths!.includes(p.path)).map((p) => `${g.group}/${p.path}`));
      expect(judged.length).toBe(17);
      for (const id of judged) {
        const c = ci.cases.find((x) => x.case === id);
        expect({ id, samples: c?.ratioSamples.length }).toEqual({ id, samples: ci.settings.rounds });
      }
    } finally {
      cases.close();
      fast.close();
    }
  });
  it.each(majors)("baseline/full-node%i.json is a full run in the same schema, on that major", (major) => {
    const full = JSON.parse(readFileSync(join(dir, `full-node${major}.json`), "utf8")) as BenchReport;
    expect(full).toMatchObject({ schema: "ffi-kit-bench/1", mode: "full", injectedSlowdowns: {} });
    expect(full.runtime.version).toMatch(new RegExp(`^v${major}\\.`));
    expect(full.cases.length).toBeGreaterThan(40);
  });
});
