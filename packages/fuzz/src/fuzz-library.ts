/**
 * Fuzzing a user's native function: generated arguments are run in isolated child processes (a crash is a
 * result with its signal), judged by an optional property, and the first failure is shrunk by replaying
 * candidates in children, then reported with the minimal input and a command that replays it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { FFIError } from "./errors.js";
import { asanRuntime, coverageRuntime, inspectLibrary } from "./instrumentation.js";
import { Coverage, DEEP_RANK, Dictionary, Rng, callPairs, decodeInput, encodeInput, frontierInputs, loadCorpus, mutate, saveInput, slotsFor, type CorpusEntry } from "./guided.js";
import type { ChildCoverage } from "./child-protocol.js";
import { argumentsArbitrary, type ArgumentOptions } from "./argument-arbitraries.js";
import { IsolatedRunner, MAX_TIMEOUT_MS, type IsolatedResult } from "./isolated-runner.js";
import { invalidArgType, invalidArgValue, outOfRange } from "./errors.js";
import { show } from "./outcome.js";
import { typeName } from "./type-names.js";
import { ProgressLine, type FuzzProgress } from "./progress.js";
import { signatureFromSchema, type FunctionSchemaLike } from "./bindgen-schema.js";

/** What a fuzzing run is given. */
export interface FuzzOptions extends ArgumentOptions {
  /** Path of the shared library. */
  readonly library: string;
  /** Name of the exported function. */
  readonly symbol: string;
  /** Argument types (FFI type numbers or names, as in `dlopen`). Optional with `schema`. */
  readonly args?: readonly unknown[];
  /**
   * An @ffi-kit/bindgen function schema (`fn({ args, ret })`) instead of `args`/`returns`: the C signature and the
   * argument domains (bounded integers, enum values, strings) come from it. Dictionaries are not supported yet.
   */
  readonly schema?: FunctionSchemaLike;
  /** How the CLI named the schema (`file.mjs#export`), for replay commands. */
  readonly schemaSource?: string;
  /** Return type (default `"void"`). */
  readonly returns?: unknown;
  /**
   * Optional check of each call, run in this process: return `false` or throw to report a failure. Arguments are
   * the generated inputs; `result` is what the function returned (a string for `cstring`).
   */
  readonly property?: (args: readonly unknown[], result: unknown) => boolean | void;
  /** The property as a JS expression over `args` and `result` (what the CLI takes; also used in replay commands). */
  readonly propertySource?: string;
  /** Number of generated calls (default {@link DEFAULT_RUNS}, 300, unless `timeMs` is given). */
  readonly runs?: number;
  /** Time budget in milliseconds (with `runs`, whichever ends first). */
  readonly timeMs?: number;
  /** Seed of the first batch (default random): an integer from −2^31 to 2^32 − 1. */
  readonly seed?: number;
  /** Replay: with `seed` (required), go straight to this counterexample path (from a report) and shrink from there. */
  readonly path?: string;
  /** Calls per batch sent to one child (default 100 black-box, 25 coverage-guided; at most 100,000). */
  readonly batchSize?: number;
  /** A call (or the library's constructors) running longer than this is reported as a hang (default 1000 ms, at most 2^31 − 1). */
  readonly timeoutMs?: number;
  /**
   * `"auto"` (default): coverage-guided when the library is instrumented (clang `-fsanitize=fuzzer-no-link`, gcc
   * `-fsanitize-coverage=trace-pc`), else black-box. `true` requires instrumentation (`ERR_FFI_FUZZ_NO_COVERAGE`
   * otherwise); `false` is black-box (generated inputs only).
   */
  readonly coverage?: "auto" | boolean;
  /** A folder of inputs: loaded and run first, and where inputs that reached new coverage (and failures) are saved. */
  readonly corpus?: string;
  /** Child processes fuzzing in parallel (default 1; with more, a campaign is no longer reproducible run for run). */
  readonly jobs?: number;
  /** Runs shard `index` of `count` of the seed's campaign (disjoint inputs per shard, for CI jobs). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Replay: an input file (from a report or a corpus folder); with `path`, goes to that shrink step. */
  readonly input?: string;
  /** `true`: a progress line on stderr (when it is a terminal); or a function called with each update. */
  readonly progress?: boolean | ((progress: FuzzProgress) => void);
}

/** The failure a fuzzing run found, shrunk. */
export interface FuzzFailure {
  /**
   * `crash` (the child died: see `signal`), `timeout` (a hang: the call did not return within `timeoutMs`),
   * `threw` (the call threw), or `property` (it returned false or threw).
   */
  readonly kind: "crash" | "timeout" | "threw" | "property";
  /** The kind of the failure as first found, when shrinking changed it (a crash that shrank into a hang). */
  readonly originalKind?: "crash" | "timeout" | "threw" | "property";
  /** The signal that killed the child (`SIGSEGV`, `SIGABRT`...), for crashes. */
  readonly signal?: string;
  /** The exit code of the child, for crashes without a signal. */
  readonly exitCode?: number;
  /** What went wrong, in words. */
  readonly message: string;
  /** The last output of the crashed child on stderr (glibc and sanitizer reports land here). */
  readonly stderr?: string;
  /** The minimal failing input after shrinking. */
  readonly input: readonly unknown[];
  /** The failing input as first generated. */
  readonly original: readonly unknown[];
  /** The seed and fast-check path that replay the minimal input. */
  readonly seed: number;
  readonly path: string;
  /** Successful shrinking steps. */
  readonly shrinks: number;
  /** A shell command that replays this failure. */
  readonly replay: string;
  /** The file the failing input was saved to (coverage mode, corpus inputs): what the replay command reads. */
  readonly inputFile?: string;
}

/** What the coverage-guided mode reached. */
export interface FuzzCoverage {
  /** Edges of the library that some input executed. */
  readonly edges: number;
  /** Instrumented edges (for gcc's trace-pc, the size of the map PCs are hashed into). */
  readonly totalEdges: number;
  /** Inputs kept because they reached new features (edges or hit-count buckets). */
  readonly corpusSize: number;
  /** When the edge count grew: after which run, at which time (ms from the start). */
  readonly timeline: readonly { readonly run: number; readonly ms: number; readonly edges: number }[];
}

/** The result of {@link fuzzLibrary}. */
export interface FuzzReport {
  /** No failure found within the budget. */
  readonly ok: boolean;
  /** Generated inputs judged. */
  readonly runs: number;
  /** Native calls made (including shrinking and confirmation). */
  readonly calls: number;
  /** Child processes started. */
  readonly children: number;
  readonly elapsedMs: number;
  /** The seed of the run. */
  readonly seed: number;
  /** Coverage-guided, or black-box (generated inputs only). */
  readonly mode: "coverage" | "black-box";
  /** Generated inputs executed up to and including the first failing one (before shrinking). */
  readonly foundAfterRuns?: number;
  /** Milliseconds from the start to that moment. */
  readonly foundAfterMs?: number;
  /** Coverage reached (coverage mode). */
  readonly coverage?: FuzzCoverage;
  readonly failure?: FuzzFailure;
  /** A human-readable report. */
  readonly summary: string;
}

type Verdict = Omit<FuzzFailure, "input" | "original" | "seed" | "path" | "shrinks" | "replay" | "originalKind">;

/** Generated calls of a run without `runs` or `timeMs`. */
export const DEFAULT_RUNS = 300;
/** The default hang timeout of a call, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Timed-out shrink candidates tried before shrinking a hang stops (each costs a timeout and a new child). */
const MAX_HANG_CANDIDATES = 8;
/** Shrinking stops trying candidates after this long (the best failing input so far is reported). */
const SHRINK_BUDGET_MS = 120_000;
/** Slots of the coverage runtime's map of hashed PCs (gcc's trace-pc). */
const TRACE_PC_MAP = 1 << 16;
/** How many frontier inputs in a row that reach nothing new are followed by the frontier of their own call. */
const FRONTIER_DEPTH = 3;
/** The share of a batch's mutated inputs that frontier inputs of a call's earlier compares may take. */
const DEEP_SHARE = 0.25;
/** Most frontier inputs pending (those of the oldest corpus entries are dropped). */
const MAX_FRONTIER = 4096;
/** Most frontier inputs remembered as run. */
const MAX_TRIED = 1 << 16;
/** The largest `batchSize`, and the largest index a replay `path` may start with. */
export const MAX_BATCH = 100_000;

function judge(
  input: readonly unknown[],
  result: IsolatedResult,
  property: FuzzOptions["property"],
): Verdict | null {
  switch (result.kind) {
    case "crashed":
      if (result.protocolError !== undefined) {
        return {
          kind: "crash",
          message: `the child was killed: its result pipe received ${result.protocolError} (the function wrote to the fuzzer's own file descriptor)`,
          stderr: result.stderr.trim(),
        };
      }
      {
        const how = result.signal ? `the process was killed by ${result.signal}` : `the process exited with code ${result.exitCode}`;
        // "ERROR: AddressSanitizer: heap-buffer-overflow on address ...", "...: attempting double-free on 0x...".
        const sanitizer = /ERROR: (\w+Sanitizer): ([^\n]*?)(?: on (?:address )?0x[0-9a-f]+| \(|\n|$)/.exec(result.stderr);
        return {
          kind: "crash",
          ...(result.signal ? { signal: result.signal } : {}),
          ...(result.exitCode !== null ? { exitCode: result.exitCode } : {}),
          message: sanitizer ? `${sanitizer[1]}: ${sanitizer[2]} (${how})` : how,
          stderr: result.stderr.trim(),
        };
      }
    case "timeout":
      return { kind: "timeout", message: `the call did not return within ${result.timeoutMs} ms`, stderr: result.stderr.trim() };
    case "threw":
      return { kind: "threw", message: `the call threw ${result.error.name}${result.error.code ? ` [${result.error.code}]` : ""}: ${result.error.message}` };
    case "returned": {
      if (property === undefined) return null;
      try {
        if (property(input, result.value) === false) return { kind: "property", message: `the property returned false (result: ${show(result.value)})` };
      } catch (error) {
        return { kind: "property", message: `the property threw: ${error instanceof Error ? error.message : String(error)} (result: ${show(result.value)})` };
      }
      return null;
    }
  }
}

/** Quotes a shell argument when needed. */
function quote(s: string): string {
  return /^[\w@%+=:,./#-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function replayCommand(options: FuzzOptions & { args: readonly unknown[] }, library: string, seed: number, path: string, inputFile?: string): string {
  const parts = ["npx ffi-kit-fuzz run", `--library ${quote(library)}`, `--symbol ${quote(options.symbol)}`];
  if (options.schemaSource !== undefined) parts.push(`--schema ${quote(options.schemaSource)}`);
  else parts.push(`--args ${quote(options.args.map((t) => typeName(t)).join(",") || "none")}`, `--returns ${typeName(options.returns ?? "void")}`);
  for (const [l, b] of Object.entries(options.lengthOf ?? {})) parts.push(`--length-of ${l}=${b}`);
  if (options.maxBufferLength !== undefined) parts.push(`--max-buffer ${options.maxBufferLength}`);
  if (options.propertySource !== undefined) parts.push(`--property ${quote(options.propertySource)}`);
  if (options.coverage !== undefined && options.coverage !== "auto") parts.push(`--coverage ${options.coverage ? "on" : "off"}`);
  if (options.timeoutMs !== undefined) parts.push(`--timeout ${options.timeoutMs}`);
  // `--seed=-5`: a separate negative value would read as an option.
  if (inputFile !== undefined) parts.push(`--input ${quote(inputFile)}`, `--path=${path}`);
  else parts.push(`--seed=${seed}`, `--path=${path}`);
  return parts.join(" ") + (options.property !== undefined && options.propertySource === undefined ? "   # plus your property function" : "");
}

/** Generates exactly the inputs fast-check gives runs 0…n−1 for this seed (so path "i" replays input i). */
function generate(arb: fc.Arbitrary<unknown[]>, seed: number, n: number): unknown[][] {
  const inputs: unknown[][] = [];
  fc.check(
    fc.property(arb, (input) => {
      inputs.push(input);
    }),
    { seed, numRuns: n },
  );
  return inputs;
}

const nextSeed = (seed: number, k: number): number => (k === 0 ? seed : (seed + Math.imul(k, 0x61c88647)) | 0);

function renderCall(symbol: string, input: readonly unknown[]): string {
  return `${symbol}(${input.map((v) => fc.stringify(v)).join(", ")})`;
}

function validate(options: FuzzOptions): void {
  const bad = (what: string, value: unknown) => invalidArgType(`fuzzLibrary(): ${what}. Received ${show(value)}`);
  if (options === null || typeof options !== "object") throw bad("argument 1 must be an options object", options);
  if (typeof options.library !== "string" || options.library === "") throw bad("library must be a non-empty path", options.library);
  if (typeof options.symbol !== "string" || options.symbol === "") throw bad("symbol must be a non-empty string", options.symbol);
  if (options.schema === undefined && !Array.isArray(options.args)) throw bad("args must be an array of FFI types (or give a bindgen schema)", options.args);
  if (options.property !== undefined && typeof options.property !== "function") throw bad("property must be a function", options.property);
  const range = (key: string, v: unknown, min: number, max: number, integer: boolean) => {
    if (v === undefined) return;
    if (typeof v !== "number" || Number.isNaN(v)) throw bad(`${key} must be a number`, v);
    if ((integer && !Number.isInteger(v)) || !(v >= min && v <= max)) {
      throw outOfRange(`fuzzLibrary(): ${key} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}. Received ${show(v)}`);
    }
  };
  range("runs", options.runs, 1, 2 ** 31 - 1, true);
  range("timeMs", options.timeMs, 1, Number.MAX_SAFE_INTEGER, false);
  range("batchSize", options.batchSize, 1, MAX_BATCH, true);
  range("timeoutMs", options.timeoutMs, 1, MAX_TIMEOUT_MS, true);
  range("seed", options.seed, -(2 ** 31), 2 ** 32 - 1, true);
  range("maxBufferLength", options.maxBufferLength, 0, 1 << 24, true);
  range("jobs", options.jobs, 1, 256, true);
  if (options.coverage !== undefined && options.coverage !== "auto" && typeof options.coverage !== "boolean") {
    throw invalidArgValue(`fuzzLibrary(): coverage must be "auto", true or false. Received ${show(options.coverage)}`);
  }
  if (options.corpus !== undefined && (typeof options.corpus !== "string" || options.corpus === "")) throw bad("corpus must be a folder path", options.corpus);
  if (typeof options.corpus === "string" && existsSync(options.corpus) && !statSync(options.corpus).isDirectory()) {
    throw invalidArgValue(`fuzzLibrary(): corpus must be a folder (it is created when missing); ${options.corpus} is a file`);
  }
  if (options.input !== undefined && (typeof options.input !== "string" || options.input === "")) throw bad("input must be the path of an input file", options.input);
  if (options.shard !== undefined) {
    const sh = options.shard as { index?: unknown; count?: unknown } | null;
    if (sh === null || typeof sh !== "object") throw bad("shard must be { index, count }", options.shard);
    range("shard.count", sh.count, 1, 1 << 20, true);
    range("shard.index", sh.index, 0, (sh.count as number) - 1, true);
  }
  if (options.path !== undefined) {
    if (typeof options.path !== "string" || !/^\d+(:\d+)*$/.test(options.path)) {
      throw invalidArgValue(`fuzzLibrary(): path must be a fast-check path like "20:4:7" (from a report). Received ${show(options.path)}`);
    }
    if (options.seed === undefined && options.input === undefined) {
      throw invalidArgValue("fuzzLibrary(): path replays a failure of one seed: give the seed of the report with it");
    }
    const first = Number(options.path.split(":")[0]);
    if (first >= MAX_BATCH) throw outOfRange(`fuzzLibrary(): path must start with a run index below ${MAX_BATCH} (a batch is at most ${MAX_BATCH} runs). Received ${show(options.path)}`);
  }
}

/** Resolves `schema` into `args`, `returns` and per-argument arbitraries (explicit options win). */
function withSchema(options: FuzzOptions): FuzzOptions & { args: readonly unknown[] } {
  if (options.schema === undefined) return options as FuzzOptions & { args: readonly unknown[] };
  const sig = signatureFromSchema(options.schema);
  return {
    ...options,
    args: options.args ?? sig.args,
    returns: options.returns ?? sig.returns,
    arbitraries: { ...sig.arbitraries, ...options.arbitraries },
  };
}

/**
 * Fuzzes one native function. Every call runs in a child process; the first failure (crash, hang, throw, or
 * property violation) is shrunk and reported with a replay command.
 *
 * @example
 * const report = await fuzzLibrary({
 *   library: "./libmath.so", symbol: "total", args: ["u32", "u32"], returns: "i64",
 *   property: ([a, b], r) => r === BigInt(a) + BigInt(b),
 * });
 * console.log(report.summary);
 */
export async function fuzzLibrary(given: FuzzOptions): Promise<FuzzReport> {
  validate(given);
  const options = withSchema(given);
  const library = resolve(options.library);
  const returns = options.returns ?? "void";
  const arb = argumentsArbitrary(options.args, options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const info = inspectLibrary(library);
  const wanted = options.coverage ?? "auto";
  if (wanted === true && !info.coverage) {
    throw new FFIError(
      "ERR_FFI_FUZZ_NO_COVERAGE",
      `fuzzLibrary(): coverage: true, but ${library} is not instrumented for coverage (it calls no __sanitizer_cov_* function). Rebuild it with clang -fsanitize=fuzzer-no-link -g -O1 (add -fsanitize=address for AddressSanitizer), or with gcc -fsanitize-coverage=trace-pc,trace-cmp; or fuzz black-box with coverage: false`,
    );
  }
  let mode: FuzzReport["mode"] = wanted !== false && info.coverage ? "coverage" : "black-box";
  const childCoverage: ChildCoverage | undefined =
    info.coverage || info.asan ? { runtime: coverageRuntime(), ...(info.asan ? { asan: asanRuntime(info, library) } : {}) } : undefined;
  const jobs = options.jobs ?? 1;
  const target = { library, symbol: options.symbol, args: options.args, returns, ...(childCoverage !== undefined ? { coverage: childCoverage } : {}) };
  const runners = Array.from({ length: jobs }, () => new IsolatedRunner(target, { timeoutMs, spares: jobs > 1 ? 1 : 2 }));
  const runner = runners[0]!;
  const stats = () => ({
    calls: runners.reduce((n, r) => n + r.stats.calls, 0),
    children: runners.reduce((n, r) => n + r.stats.children, 0),
  });
  const seed = options.seed ?? ((Math.random() * 2 ** 32) | 0);
  const started = Date.now();
  const maxRuns = options.runs ?? (options.timeMs !== undefined ? Infinity : DEFAULT_RUNS);
  const line = new ProgressLine(options.progress);
  let runs = 0;
  let crashes = 0;
  let hangs = 0;
  let failure: FuzzFailure | undefined;
  let foundAfterRuns: number | undefined;
  let foundAfterMs: number | undefined;
  const signature = `${options.symbol}(${options.args.map((t) => typeName(t)).join(", ")}) -> ${typeName(returns)}`;
  let phase: FuzzProgress["phase"] = "fuzzing";
  const update = (next: FuzzProgress["phase"] = phase) => {
    phase = next;
    line.update({ symbol: options.symbol, phase, runs, ...stats(), crashes, hangs, elapsedMs: Date.now() - started });
  };
  const count = (r: IsolatedResult) => {
    if (r.kind === "crashed") crashes++;
    else if (r.kind === "timeout") hangs++;
  };

  /** Where a failing input that fast-check did not generate is saved, so that its replay command can read it. */
  const failureDir = options.corpus !== undefined ? resolve(options.corpus) : join(tmpdir(), "ffi-kit-fuzz-failures");

  /**
   * Shrinks a failure: from a generated input (seed + path), or from an input given as an example (mutated, or
   * from a file: `inputFile` names it in the replay command).
   */
  const shrink = async (
    runSeed: number,
    path: string,
    original: readonly unknown[],
    originalVerdict: Verdict,
    example?: { inputFile: string },
  ): Promise<FuzzFailure> => {
    let last: { input: readonly unknown[]; verdict: Verdict } | undefined;
    const shrinkStarted = Date.now();
    let hangCandidates = 0;
    let first = true;
    const property = fc.asyncProperty(arb, async (input) => {
      // Bounded: past the budget (or too many hanging candidates), the remaining candidates are not run.
      if (!first && (Date.now() - shrinkStarted > SHRINK_BUDGET_MS || hangCandidates >= MAX_HANG_CANDIDATES)) return true;
      first = false;
      const [r] = await runner.run([input]);
      count(r!);
      if (r!.kind === "timeout") hangCandidates++;
      let verdict = judge(input, r!, options.property);
      if (verdict !== null && (r!.kind === "crashed" || r!.kind === "timeout") && !r!.isolated) {
        // Pinpoint: the failure must reproduce alone, in a child that has run nothing else.
        const [again] = await runner.run([input], { fresh: true });
        count(again!);
        if (again!.kind === "timeout") hangCandidates++;
        verdict = judge(input, again!, options.property);
      }
      update("shrinking");
      if (verdict !== null) {
        last = { input, verdict };
        return false;
      }
      return true;
    });
    const details = await fc.check(property, {
      seed: runSeed,
      path,
      numRuns: Number(path.split(":")[0]) + 1,
      ...(example !== undefined ? { examples: [[original as unknown[]]] } : {}),
    });
    const replayOf = (p: string) => replayCommand(options, library, runSeed, p, example?.inputFile);
    const found = details.failed && last !== undefined ? last : undefined;
    if (found === undefined) {
      return {
        ...originalVerdict,
        message: `${originalVerdict.message}; it did not reproduce when the input was replayed alone (it depends on earlier calls)`,
        input: original,
        original,
        seed: runSeed,
        path,
        shrinks: 0,
        replay: replayOf(path),
        ...(example !== undefined ? { inputFile: example.inputFile } : {}),
      };
    }
    const minimalPath = details.counterexamplePath ?? path;
    const changed = found.verdict.kind !== originalVerdict.kind;
    return {
      ...found.verdict,
      ...(changed ? { originalKind: originalVerdict.kind, message: `${found.verdict.message} (first found as a ${describeKind(originalVerdict)}: shrinking turned it into a ${describeKind(found.verdict)})` } : {}),
      input: found.input,
      original,
      seed: runSeed,
      path: minimalPath,
      shrinks: details.numShrinks,
      replay: replayOf(minimalPath),
      ...(example !== undefined ? { inputFile: example.inputFile } : {}),
    };
  };

  const guide = new Coverage();
  const dict = new Dictionary();
  const timeline: { run: number; ms: number; edges: number }[] = [];
  let totalEdges = 0;
  const shard = options.shard ?? { index: 0, count: 1 };
  const batchSize = options.batchSize ?? (mode === "coverage" ? 25 : 100);

  line.start(
    `ffi-kit-fuzz: fuzzing ${signature} in ${library} (${options.path !== undefined || options.input !== undefined ? `replaying ${options.input !== undefined ? options.input : `seed ${seed}`}${options.path !== undefined ? `, path ${options.path}` : ""}` : `${maxRuns === Infinity ? "" : `${maxRuns} runs, `}${options.timeMs !== undefined ? `${(options.timeMs / 1000).toFixed(1)} s, ` : ""}seed ${seed}${shard.count > 1 ? `, shard ${shard.index + 1}/${shard.count}` : ""}${jobs > 1 ? `, ${jobs} jobs` : ""}`}; ${mode}; hang timeout ${timeoutMs} ms)`,
  );
  update("fuzzing");
  const ticker = setInterval(() => update(), 250);
  ticker.unref();
  try {
    await runner.start();
    if (mode === "coverage") {
      totalEdges = runner.totalEdges ?? 0;
      // gcc's trace-pc registers nothing up front: its PCs are hashed into a map of this many slots as they run.
      if (totalEdges === 0 && info.coverageSymbols.includes("__sanitizer_cov_trace_pc")) totalEdges = TRACE_PC_MAP;
      if (totalEdges === 0) {
        // Instrumented symbols, but no counters registered (the runtime did not get them): say so, or go black-box.
        if (wanted === true) {
          throw new FFIError("ERR_FFI_FUZZ_NO_COVERAGE", `fuzzLibrary(): ${library} calls __sanitizer_cov_* functions, but registered no coverage counters with ffi-kit's runtime when it was opened (is LD_PRELOAD ignored, or was it built with -fsanitize=fuzzer, which links libFuzzer itself?)`);
        }
        mode = "black-box";
      }
    }
    if (options.input !== undefined) {
      const file = resolve(options.input);
      let original: unknown[];
      try {
        original = decodeInput(readFileSync(file, "utf8"), options.args.length);
      } catch (error) {
        throw invalidArgValue(`fuzzLibrary(): input ${file} cannot be replayed: ${(error as Error).message}`);
      }
      runs = 1;
      const [result] = await runner.run([original], { fresh: true });
      count(result!);
      const verdict = judge(original, result!, options.property);
      if (verdict !== null) failure = await shrink(seed, options.path ?? "0", original, verdict, { inputFile: file });
    } else if (options.path !== undefined) {
      const index = Number(options.path.split(":")[0]);
      const [original] = generate(arb, seed, index + 1).slice(index);
      runs = 1;
      const [result] = await runner.run([original!], { fresh: true });
      count(result!);
      const verdict = judge(original!, result!, options.property);
      if (verdict !== null) failure = await shrink(seed, options.path, original!, verdict);
    } else {
      type Origin = { kind: "fresh"; seed: number; index: number } | { kind: "mutated" } | { kind: "file"; file: string };
      const names = options.args.map((t) => typeName(t) as string);
      const lengthOf = options.lengthOf ?? {};
      const slots = slotsFor(options.args, lengthOf, options.arbitraries ?? {});
      const rng = new Rng((seed ^ Math.imul(shard.index + 1, 0x2545f491)) | 0);
      const loaded: CorpusEntry[] = options.corpus !== undefined ? loadCorpus(resolve(options.corpus), options.args.length).filter((e) => !/^(crash|timeout|threw|property)-/.test(e.file!.split("/").pop()!)) : [];
      let recentFresh: unknown[][] = [];
      let batchNumber = 0;
      let found: { input: readonly unknown[]; verdict: Verdict; origin: Origin } | undefined;
      let reserved = 0;
      const maxBufferLength = options.maxBufferLength ?? 64;
      /**
       * Inputs made from the last compares of corpus entries (see frontierInputs), pending: those of the last
       * compare of a call first, then of the entry that reached the most edges (the deepest: in a parser, the
       * furthest into the input), then of the newest entry. `tried`: frontier inputs already run.
       */
      type FrontierItem = { edges: number; order: number; rank: number; depth: number; input: unknown[] };
      const frontier: FrontierItem[] = [];
      /** Inputs made from the compares before the last FRONTIER_PAIRS of corpus entries, pending. */
      const deepFrontier: FrontierItem[] = [];
      /** The frontier inputs of the batch being run, by input. */
      const fromFrontier = new Map<readonly unknown[], { edges: number; depth: number }>();
      const tried = new Set<string>();
      let frontierOrder = 0;
      const donor = (): readonly unknown[] =>
        guide.corpus.length > 0 && rng.chance(0.5) ? rng.pick(guide.corpus).input : recentFresh.length > 0 ? rng.pick(recentFresh) : [];
      const nextBatch = (n: number): { inputs: unknown[][]; origins: Origin[] } => {
        const inputs: unknown[][] = [];
        const origins: Origin[] = [];
        while (loaded.length > 0 && inputs.length < n) {
          const e = loaded.shift()!;
          inputs.push([...e.input]);
          origins.push({ kind: "file", file: e.file! });
        }
        if (inputs.length === n) return { inputs, origins };
        const rest = n - inputs.length;
        const k = batchNumber++;
        const chunkSeed = nextSeed(seed, k * shard.count + shard.index);
        const guided = mode === "coverage" && guide.corpus.length > 0;
        const freshCount = guided ? Math.max(1, Math.round(rest * 0.2)) : rest;
        const fresh = generate(arb, chunkSeed, freshCount);
        recentFresh = fresh;
        fresh.forEach((input, index) => {
          inputs.push(input);
          origins.push({ kind: "fresh", seed: chunkSeed, index });
        });
        const ctx = { slots, names, lengthOf, maxBufferLength, dict, rng, donor };
        // The rest: input-to-state on the last compares of corpus entries while there are some (the deterministic
        // stage), then random mutations of corpus entries.
        const pick = (queue: FrontierItem[], take: number, better: (a: FrontierItem, b: FrontierItem) => boolean) => {
          while (take > 0 && queue.length > 0) {
            let best = 0;
            for (let k = 1; k < queue.length; k++) if (better(queue[k]!, queue[best]!)) best = k;
            const [next] = queue.splice(best, 1);
            const key = encodeInput("", next!.input);
            if (tried.has(key)) continue;
            // Bounded: a long campaign forgets (and may run again) frontier inputs it ran long ago.
            if (tried.size >= MAX_TRIED) tried.clear();
            tried.add(key);
            inputs.push(next!.input);
            origins.push({ kind: "mutated" });
            fromFrontier.set(next!.input, { edges: next!.edges, depth: next!.depth });
            take--;
          }
        };
        const deeper = (a: FrontierItem, b: FrontierItem) => a.edges > b.edges || (a.edges === b.edges && a.order > b.order);
        // A share of these places for the earlier compares of the deepest entries (see frontierInputs' `deep`):
        // the last compares of a call always have inputs pending, and a check passed long before the call stopped
        // (a range whose other end matters later) would never be tried.
        pick(deepFrontier, Math.round((n - inputs.length) * DEEP_SHARE), deeper);
        pick(frontier, n - inputs.length, (a, b) => a.rank < b.rank || (a.rank === b.rank && deeper(a, b)));
        while (inputs.length < n) {
          // The newest entries (the deepest coverage so far) half the time, else any.
          const c = guide.corpus;
          const parent = rng.chance(0.5) ? c[c.length - 1 - rng.below(Math.min(4, c.length))]! : rng.pick(c);
          inputs.push(mutate(parent.input, ctx, parent.pairs));
          origins.push({ kind: "mutated" });
        }
        return { inputs, origins };
      };
      const worker = async (job: IsolatedRunner, first: boolean) => {
        for (let k = 0; found === undefined && runs + reserved < maxRuns; k++) {
          // The budget stops between batches, after the first: time spent starting the child (long on a loaded
          // machine) never leaves a run with no call at all.
          if ((k > 0 || !first) && options.timeMs !== undefined && Date.now() - started >= options.timeMs) break;
          const n = Math.min(batchSize, maxRuns - runs - reserved);
          const { inputs, origins } = nextBatch(n);
          reserved += n;
          // The first crash or hang ends the batch: later inputs are not run (each would cost a child or a timeout).
          let results: IsolatedResult[];
          try {
            results = await job.run(inputs, { stopAfterCrash: true });
          } finally {
            reserved -= n;
          }
          if (found !== undefined) break;
          for (let i = 0; i < results.length; i++) {
            const r = results[i]!;
            count(r);
            runs++;
            let isNew: boolean | undefined;
            if (mode === "coverage" && (r.kind === "returned" || r.kind === "threw") && r.cov !== undefined) {
              dict.add(r.cov, inputs[i]!);
              isNew = guide.observe(r.cov.features);
              if (isNew) {
                const entry: CorpusEntry = { input: inputs[i]!, pairs: callPairs(r.cov, inputs[i]!) };
                let edges = 0;
                for (const f of r.cov.features) if (f < 0x80000000) edges++;
                const order = frontierOrder++;
                for (const { input, rank } of frontierInputs(entry.input, entry.pairs!, { slots, names, lengthOf }, { deep: true })) (rank >= DEEP_RANK ? deepFrontier : frontier).push({ edges, order, rank, depth: 0, input });
                // Too many pending: drop those of the oldest entries.
                if (frontier.length > MAX_FRONTIER) frontier.splice(0, frontier.length - MAX_FRONTIER);
                if (deepFrontier.length > MAX_FRONTIER) deepFrontier.splice(0, deepFrontier.length - MAX_FRONTIER);
                if (options.corpus !== undefined) entry.file = saveInput(resolve(options.corpus), "cov", options.symbol, inputs[i]!);
                guide.corpus.push(entry);
                if (timeline.length === 0 || timeline[timeline.length - 1]!.edges !== guide.edges.size) {
                  timeline.push({ run: runs, ms: Date.now() - started, edges: guide.edges.size });
                }
              }
            }
            const chain = fromFrontier.get(inputs[i]!);
            if (chain !== undefined && isNew === false && chain.depth < FRONTIER_DEPTH && (r.kind === "returned" || r.kind === "threw") && r.cov !== undefined) {
              // A frontier input that reached nothing new may still have passed its compare and stopped at the
              // next one (a value range checked from both sides): the last compare of its call is tried too.
              const order = frontierOrder++;
              for (const { input, rank } of frontierInputs(inputs[i]!, callPairs(r.cov, inputs[i]!), { slots, names, lengthOf })) {
                if (rank === 0) frontier.push({ edges: chain.edges, order, rank, depth: chain.depth + 1, input });
              }
            }
            const verdict = judge(inputs[i]!, r, options.property);
            if (verdict !== null) {
              found = { input: inputs[i]!, verdict, origin: origins[i]! };
              foundAfterRuns = runs;
              foundAfterMs = Date.now() - started;
              break;
            }
          }
          for (const input of inputs) fromFrontier.delete(input);
          update("fuzzing");
        }
      };
      await Promise.all(runners.map((job, j) => (j === 0 ? worker(job, true) : job.start().then(() => worker(job, false)))));
      if (found !== undefined) {
        update("shrinking");
        const { input, verdict, origin } = found;
        if (origin.kind === "fresh") failure = await shrink(origin.seed, String(origin.index), input, verdict);
        else {
          const inputFile = origin.kind === "file" ? origin.file : saveInput(failureDir, verdict.kind, options.symbol, input);
          failure = await shrink(seed, "0", input, verdict, { inputFile });
        }
        if (options.corpus !== undefined && origin.kind !== "mutated") saveInput(failureDir, verdict.kind, options.symbol, input);
      }
    }
  } finally {
    clearInterval(ticker);
    await Promise.all(runners.map((r) => r.close()));
    line.end();
  }
  const elapsedMs = Date.now() - started;
  const { calls, children } = stats();
  const head = `ffi-kit-fuzz: ${signature} in ${library} (${mode}${info.asan ? ", AddressSanitizer" : ""})`;
  const statsLine = `${runs} runs, ${calls} calls in ${children} child processes, ${(elapsedMs / 1000).toFixed(1)} s`;
  const coverage: FuzzCoverage | undefined = mode === "coverage" ? { edges: guide.edges.size, totalEdges, corpusSize: guide.corpus.length, timeline } : undefined;
  const coverageLines =
    coverage === undefined
      ? []
      : [
          `  coverage: ${coverage.edges} of ${coverage.totalEdges} edges, corpus of ${coverage.corpusSize} input${coverage.corpusSize === 1 ? "" : "s"}${options.corpus !== undefined ? ` (saved in ${resolve(options.corpus)})` : ""}`,
          `  new coverage: ${timeline.length === 0 ? "none" : timeline.slice(-8).map((t) => `run ${t.run} (${(t.ms / 1000).toFixed(1)} s): ${t.edges}`).join(", ")}${timeline.length > 8 ? ` (last 8 of ${timeline.length})` : ""}`,
        ];
  const summary =
    failure === undefined
      ? [`${head}`, `OK: no failure in ${statsLine} (seed ${seed})`, ...coverageLines].join("\n")
      : [
          head,
          `FAILED (${failure.kind}${failure.signal ? `, ${failure.signal}` : ""}${failure.originalKind ? `; first found as ${failure.originalKind}` : ""}): ${failure.message}`,
          `  minimal input:  ${renderCall(options.symbol, failure.input)}`,
          `  first found as: ${renderCall(options.symbol, failure.original)}${foundAfterRuns !== undefined ? ` (run ${foundAfterRuns}, ${((foundAfterMs ?? 0) / 1000).toFixed(1)} s)` : ""}`,
          `  shrunk in ${failure.shrinks} step${failure.shrinks === 1 ? "" : "s"}; ${statsLine}`,
          ...(failure.stderr ? [`  stderr: ${stderrExcerpt(failure.stderr).join("\n          ")}`] : []),
          ...coverageLines,
          failure.inputFile !== undefined ? `  input file ${failure.inputFile}, path ${failure.path}` : `  seed ${failure.seed}, path ${failure.path}`,
          `  replay: ${failure.replay}`,
        ].join("\n");
  return {
    ok: failure === undefined,
    runs,
    calls,
    children,
    elapsedMs,
    seed,
    mode,
    ...(foundAfterRuns !== undefined ? { foundAfterRuns, foundAfterMs: foundAfterMs! } : {}),
    ...(coverage !== undefined ? { coverage } : {}),
    ...(failure !== undefined ? { failure } : {}),
    summary,
  };
}

/** The lines of a child's stderr worth showing: a sanitizer's headline and first frames, else the last lines. */
function stderrExcerpt(stderr: string): string[] {
  const lines = stderr.split("\n");
  const at = lines.findIndex((l) => /ERROR: \w+Sanitizer/.test(l));
  return at >= 0 ? lines.slice(at, at + 6) : lines.slice(-5);
}

function describeKind(v: Verdict): string {
  switch (v.kind) {
    case "crash":
      return v.signal ? `crash (${v.signal})` : "crash";
    case "timeout":
      return "hang (timeout)";
    case "threw":
      return "throw";
    case "property":
      return "property violation";
  }
}
