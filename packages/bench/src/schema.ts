/**
 * The JSON report written by `ffi-kit-bench run` (`report.json`) and kept as the committed baseline
 * (`baseline/baseline.json`). Schema version 1; see README.md "Report schema" for the field-by-field description.
 */

/** Where and on what a run took place. */
export interface MachineInfo {
  readonly platform: string;
  readonly arch: string;
  /** Model of the first CPU. */
  readonly cpu: string;
  readonly cpus: number;
  /** 1-minute load average when the run started (the machine may be shared). */
  readonly loadavg: number;
  readonly totalMemoryMB: number;
}

/** The JavaScript runtime and libraries of a run. */
export interface RuntimeInfo {
  /** `"node"` or `"bun"`. */
  readonly name: string;
  readonly version: string;
  /** V8 or JavaScriptCore version when known. */
  readonly engine: string;
  /** koffi's version (Node) or `undefined` (Bun). */
  readonly koffi: string | undefined;
  readonly benchmarkjs: string;
}

/** One path of one group, with its figures and its ratio to the group's reference. */
export interface CaseResult {
  /** `group/path`, for example `add_i32/core-symbol`: the key `compare` matches on. */
  readonly case: string;
  readonly group: string;
  readonly path: string;
  /** What one operation is. */
  readonly title: string;
  /** The case this one is divided by (`group/reference`); equal to `case` for the reference itself. */
  readonly reference: string;
  /** Operations per second (from the mean over all samples). */
  readonly opsPerSec: number;
  /** Nanoseconds per operation (mean over all samples). */
  readonly nsPerOp: number;
  /** Relative margin of error of `nsPerOp`, percent, 95% confidence (as benchmark.js's `rme`). */
  readonly rme: number;
  /** Number of benchmark.js samples behind `nsPerOp`. */
  readonly samples: number;
  /** Median over rounds of (this path's fastest sample ÷ the reference's fastest sample in the same round). 1 for the reference. */
  readonly ratio: number;
  /** One ratio per round: the samples `compare` runs its statistical test on. */
  readonly ratioSamples: readonly number[];
}

/** Bun's figures for the same groups (a separate process), or why they are absent. */
export interface BunSection {
  /** `true` when Bun ran; `false` with `reason` otherwise. */
  readonly ran: boolean;
  readonly reason?: string;
  readonly runtime?: RuntimeInfo;
  /** The clock Bun's side used (`"wall"` if the addon could not load under Bun). */
  readonly clock?: "wall" | "thread-cpu";
  /** Same schema as `cases`; under Bun each group's reference is its `plain-js` path. */
  readonly cases: readonly CaseResult[];
}

/** A whole run. */
export interface BenchReport {
  readonly schema: "ffi-kit-bench/1";
  /** ISO time the run started. */
  readonly startedAt: string;
  /** `"full"` (`run`) or `"ci"` (the bounded subset). */
  readonly mode: "full" | "ci";
  /** Git commit of the tree, when known. */
  readonly commit: string | undefined;
  readonly machine: MachineInfo;
  readonly runtime: RuntimeInfo;
  /** Measurement settings. */
  readonly settings: {
    readonly rounds: number;
    readonly maxTime: number;
    readonly minTime: number;
    readonly minSamples: number;
    /** `"thread-cpu"`: ns are CPU time of the measuring thread; `"wall"`: elapsed time. */
    readonly clock: "wall" | "thread-cpu";
  };
  /** Injected slowdowns (`FFI_KIT_BENCH_SLOWDOWN`), for the record: a report with any is never a valid baseline. */
  readonly injectedSlowdowns: Readonly<Record<string, number>>;
  /** Groups that could not run (an optional package missing, for example), with the reason. */
  readonly skipped: readonly { readonly group: string; readonly reason: string }[];
  readonly cases: readonly CaseResult[];
  readonly bun: BunSection;
  /** Wall-clock seconds the run took. */
  readonly durationSec: number;
}
