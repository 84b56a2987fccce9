/** Runs the whole suite (Node groups, optional package groups, Bun) and assembles the report. */
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem, arch, platform } from "node:os";
import Benchmark from "benchmark";
import koffi from "koffi";
import { measureDeferredGroup, measureGroup, type Clock, type GroupSpec, type MeasureOptions } from "./measure.js";
import { summariseGroup } from "./summarise.js";
import { nodeCases } from "./node-cases.js";
import { optionalGroups } from "./optional-groups.js";
import { applySlowdown, parseSlowdowns } from "./slowdown.js";
import { runBun } from "./bun-runner.js";
import { FAST_ENGINE_GROUPS, runFastEngineGroups } from "./fast-engine-groups.js";
import { loadFloorAddon, packageDir } from "./native-library.js";
import type { BenchReport, CaseResult, MachineInfo, RuntimeInfo } from "./schema.js";

/** Which groups and paths a run measures; `undefined` means all. */
export interface Selection {
  /** Group names to run. */
  readonly groups?: readonly string[];
  /** Paths to keep in every group (the reference is always kept). */
  readonly paths?: readonly string[];
}

/** Settings of a run. */
export interface RunOptions extends Omit<MeasureOptions, "clock"> {
  /** `"thread-cpu"` (default: the measuring thread's CPU time, immune to being descheduled) or `"wall"`. */
  readonly clockName?: Clock["name"];
  readonly mode: "full" | "ci";
  readonly selection?: Selection;
  /** Run the Bun side when a Bun binary is found (default true). */
  readonly bun?: boolean;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

/** The clock of a name: wall time (`process.hrtime`) or the thread's CPU time from the N-API addon. */
export function clockOf(name: Clock["name"]): Clock {
  if (name === "wall") return { name, hrtime: process.hrtime as Clock["hrtime"] };
  const addon = loadFloorAddon();
  return { name, hrtime: addon.threadCpuHrtime as Clock["hrtime"] };
}

/** Full run: 5 rounds of up to 0.25 s per path. */
export const FULL_SETTINGS: Omit<MeasureOptions, "clock"> = { rounds: 5, maxTime: 0.25, minTime: 0.02, minSamples: 5 };
/**
 * CI run: the core paths against raw koffi only, 8 rounds of up to 0.06 s per path: about a minute on 2 shared
 * cores. More rounds (not longer ones) give the statistical test more samples.
 */
export const CI_SETTINGS: Omit<MeasureOptions, "clock"> = { rounds: 8, maxTime: 0.06, minTime: 0.01, minSamples: 4 };
/** Groups and paths of the CI run: every core path, each beside the raw-koffi path it is judged against. */
export const CI_SELECTION: Selection = {
  groups: ["noop", "add_i32", "add_f64", "ret_i64", "sum_buf", "get_hello", "callback", "ptr", "read_u8", "to_array_buffer", "cstring", ...FAST_ENGINE_GROUPS],
  paths: ["core-symbol", "core-ptr", "core-read", "core-to-array-buffer", "core-cstring", "core-address"],
};

/** Machine facts for the report. */
export function machineInfo(): MachineInfo {
  const c = cpus();
  return { platform: platform(), arch: arch(), cpu: c[0]?.model ?? "unknown", cpus: c.length, loadavg: Number(loadavg()[0]!.toFixed(2)), totalMemoryMB: Math.round(totalmem() / 2 ** 20) };
}

/** Runtime facts for the report. */
export function runtimeInfo(): RuntimeInfo {
  return { name: "node", version: process.version, engine: `V8 ${process.versions.v8}`, koffi: koffi.version, benchmarkjs: (Benchmark as unknown as { version: string }).version };
}

function gitCommit(): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: packageDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function select(groups: readonly GroupSpec[], selection: Selection | undefined): GroupSpec[] {
  const out: GroupSpec[] = [];
  for (const g of groups) {
    if (selection?.groups !== undefined && !selection.groups.includes(g.group)) continue;
    const paths = selection?.paths === undefined ? g.paths : g.paths.filter((p) => p.path === g.reference || selection.paths!.includes(p.path));
    if (paths.length > 0) out.push({ ...g, paths });
  }
  return out;
}

/** Measures the selected groups and returns the report (nothing is written). */
export async function runSuite(options: RunOptions): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const machine = machineInfo();
  const slowdowns = parseSlowdowns();
  const node = nodeCases();
  const optional = await optionalGroups();
  const skipped = [...optional.skipped];
  for (const s of skipped) log(`skipped ${s.group}: ${s.reason}`);
  const merged = node.groups.map((g) => ({ ...g, paths: [...g.paths, ...(optional.extraPaths[g.group] ?? [])] }));
  const all = select([...merged, ...optional.groups], options.selection);
  const cases: CaseResult[] = [];
  const clockName = options.clockName ?? "thread-cpu";
  const measure: MeasureOptions = { rounds: options.rounds, maxTime: options.maxTime, minTime: options.minTime, minSamples: options.minSamples, clock: clockOf(clockName) };
  // The fast-engine groups run first, in a child process where no callback is ever registered.
  const fast = FAST_ENGINE_GROUPS.filter((g) => options.selection?.groups === undefined || options.selection.groups.includes(g));
  const keep = (c: CaseResult): boolean => options.selection?.paths === undefined || c.path === "koffi" || options.selection.paths.includes(c.path);
  cases.push(...runFastEngineGroups(fast, measure, log).filter(keep));
  try {
    for (const g of all) {
      const spec: GroupSpec = {
        ...g,
        paths: g.paths.map((p) => applySlowdown(g.group, p, slowdowns)),
      };
      cases.push(...summariseGroup(spec, spec.deferred === true ? await measureDeferredGroup(spec, measure, log) : measureGroup(spec, measure, log)));
    }
  } finally {
    node.close();
    optional.close();
  }
  const bun =
    options.bun === false
      ? { ran: false, reason: "disabled (--no-bun)", cases: [] }
      : runBun(measure, [...fast, ...all.map((g) => g.group)], log);
  if (!bun.ran) log(`Bun: skipped: ${bun.reason}`);
  return {
    schema: "ffi-kit-bench/1",
    startedAt,
    mode: options.mode,
    commit: gitCommit(),
    machine,
    runtime: runtimeInfo(),
    settings: { rounds: options.rounds, maxTime: options.maxTime, minTime: options.minTime, minSamples: options.minSamples, clock: clockName },
    injectedSlowdowns: slowdowns,
    skipped,
    cases,
    bun,
    durationSec: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
}
