/**
 * Fuzzing a user's native function: generated arguments are run in isolated child processes (a crash is a
 * result with its signal), judged by an optional property, and the first failure is shrunk by replaying
 * candidates in children, then reported with the minimal input and a command that replays it.
 */
import { resolve } from "node:path";
import fc from "fast-check";
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
  /** Calls per batch sent to one child (default 100, at most 100,000). */
  readonly batchSize?: number;
  /** A call (or the library's constructors) running longer than this is reported as a hang (default 5000 ms, at most 2^31 − 1). */
  readonly timeoutMs?: number;
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
  readonly failure?: FuzzFailure;
  /** A human-readable report. */
  readonly summary: string;
}

type Verdict = Omit<FuzzFailure, "input" | "original" | "seed" | "path" | "shrinks" | "replay" | "originalKind">;

/** Generated calls of a run without `runs` or `timeMs`. */
export const DEFAULT_RUNS = 300;
/** The default hang timeout of a call, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;
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
      return {
        kind: "crash",
        ...(result.signal ? { signal: result.signal } : {}),
        ...(result.exitCode !== null ? { exitCode: result.exitCode } : {}),
        message: result.signal ? `the process was killed by ${result.signal}` : `the process exited with code ${result.exitCode}`,
        stderr: result.stderr.trim(),
      };
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

function replayCommand(options: FuzzOptions & { args: readonly unknown[] }, library: string, seed: number, path: string): string {
  const parts = ["npx ffi-kit-fuzz run", `--library ${quote(library)}`, `--symbol ${quote(options.symbol)}`];
  if (options.schemaSource !== undefined) parts.push(`--schema ${quote(options.schemaSource)}`);
  else parts.push(`--args ${quote(options.args.map((t) => typeName(t)).join(",") || "none")}`, `--returns ${typeName(options.returns ?? "void")}`);
  for (const [l, b] of Object.entries(options.lengthOf ?? {})) parts.push(`--length-of ${l}=${b}`);
  if (options.maxBufferLength !== undefined) parts.push(`--max-buffer ${options.maxBufferLength}`);
  if (options.propertySource !== undefined) parts.push(`--property ${quote(options.propertySource)}`);
  // `--seed=-5`: a separate negative value would read as an option.
  parts.push(`--seed=${seed}`, `--path=${path}`);
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
  if (options.path !== undefined) {
    if (typeof options.path !== "string" || !/^\d+(:\d+)*$/.test(options.path)) {
      throw invalidArgValue(`fuzzLibrary(): path must be a fast-check path like "20:4:7" (from a report). Received ${show(options.path)}`);
    }
    if (options.seed === undefined) {
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
  const runner = new IsolatedRunner({ library, symbol: options.symbol, args: options.args, returns }, { timeoutMs });
  const seed = options.seed ?? ((Math.random() * 2 ** 32) | 0);
  const started = Date.now();
  const maxRuns = options.runs ?? (options.timeMs !== undefined ? Infinity : DEFAULT_RUNS);
  const batchSize = options.batchSize ?? 100;
  const line = new ProgressLine(options.progress);
  let runs = 0;
  let crashes = 0;
  let hangs = 0;
  let failure: FuzzFailure | undefined;
  const signature = `${options.symbol}(${options.args.map((t) => typeName(t)).join(", ")}) -> ${typeName(returns)}`;
  let phase: FuzzProgress["phase"] = "fuzzing";
  const update = (next: FuzzProgress["phase"] = phase) => {
    phase = next;
    line.update({ symbol: options.symbol, phase, runs, calls: runner.stats.calls, crashes, hangs, elapsedMs: Date.now() - started, children: runner.stats.children });
  };
  const count = (r: IsolatedResult) => {
    if (r.kind === "crashed") crashes++;
    else if (r.kind === "timeout") hangs++;
  };

  const shrink = async (runSeed: number, path: string, original: readonly unknown[], originalVerdict: Verdict): Promise<FuzzFailure> => {
    let last: { input: readonly unknown[]; verdict: Verdict } | undefined;
    const property = fc.asyncProperty(arb, async (input) => {
      const [first] = await runner.run([input]);
      count(first!);
      let verdict = judge(input, first!, options.property);
      if (verdict !== null && (first!.kind === "crashed" || first!.kind === "timeout") && !first!.isolated) {
        // Pinpoint: the failure must reproduce alone, in a child that has run nothing else.
        const [again] = await runner.run([input], { fresh: true });
        count(again!);
        verdict = judge(input, again!, options.property);
      }
      update("shrinking");
      if (verdict !== null) {
        last = { input, verdict };
        return false;
      }
      return true;
    });
    const details = await fc.check(property, { seed: runSeed, path, numRuns: Number(path.split(":")[0]) + 1 });
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
        replay: replayCommand(options, library, runSeed, path),
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
      replay: replayCommand(options, library, runSeed, minimalPath),
    };
  };

  line.start(
    `ffi-kit-fuzz: fuzzing ${signature} in ${library} (${options.path !== undefined ? `replaying seed ${seed}, path ${options.path}` : `${maxRuns === Infinity ? "" : `${maxRuns} runs, `}${options.timeMs !== undefined ? `${(options.timeMs / 1000).toFixed(1)} s, ` : ""}seed ${seed}`}; hang timeout ${timeoutMs} ms)`,
  );
  update("fuzzing");
  const ticker = setInterval(() => update(), 250);
  ticker.unref();
  try {
    await runner.start();
    if (options.path !== undefined) {
      const index = Number(options.path.split(":")[0]);
      const [original] = generate(arb, seed, index + 1).slice(index);
      runs = 1;
      const [result] = await runner.run([original!], { fresh: true });
      count(result!);
      const verdict = judge(original!, result!, options.property);
      if (verdict !== null) failure = await shrink(seed, options.path, original!, verdict);
    } else {
      for (let k = 0; runs < maxRuns && failure === undefined; k++) {
        // The budget stops between batches, after the first: time spent starting the child (long on a loaded
        // machine) never leaves a run with no call at all.
        if (k > 0 && options.timeMs !== undefined && Date.now() - started >= options.timeMs) break;
        const chunkSeed = nextSeed(seed, k);
        const inputs = generate(arb, chunkSeed, Math.min(batchSize, maxRuns - runs));
        // The first crash or hang ends the batch: later inputs are not run (each would cost a child or a timeout).
        const results = await runner.run(inputs, { stopAfterCrash: true });
        for (let i = 0; i < results.length; i++) {
          const r = results[i]!;
          count(r);
          const verdict = judge(inputs[i]!, r, options.property);
          if (verdict !== null) {
            runs += i + 1;
            update("shrinking");
            failure = await shrink(chunkSeed, String(i), inputs[i]!, verdict);
            break;
          }
        }
        if (failure === undefined) runs += inputs.length;
        update("fuzzing");
      }
    }
  } finally {
    clearInterval(ticker);
    await runner.close();
    line.end();
  }
  const elapsedMs = Date.now() - started;
  const head = `ffi-kit-fuzz: ${signature} in ${library}`;
  const stats = `${runs} runs, ${runner.stats.calls} calls in ${runner.stats.children} child processes, ${(elapsedMs / 1000).toFixed(1)} s`;
  const summary =
    failure === undefined
      ? `${head}\nOK: no failure in ${stats} (seed ${seed})`
      : [
          head,
          `FAILED (${failure.kind}${failure.signal ? `, ${failure.signal}` : ""}${failure.originalKind ? `; first found as ${failure.originalKind}` : ""}): ${failure.message}`,
          `  minimal input:  ${renderCall(options.symbol, failure.input)}`,
          `  first found as: ${renderCall(options.symbol, failure.original)}`,
          `  shrunk in ${failure.shrinks} step${failure.shrinks === 1 ? "" : "s"}; ${stats}`,
          ...(failure.stderr ? [`  stderr: ${failure.stderr.split("\n").slice(-5).join("\n          ")}`] : []),
          `  seed ${failure.seed}, path ${failure.path}`,
          `  replay: ${failure.replay}`,
        ].join("\n");
  return {
    ok: failure === undefined,
    runs,
    calls: runner.stats.calls,
    children: runner.stats.children,
    elapsedMs,
    seed,
    ...(failure !== undefined ? { failure } : {}),
    summary,
  };
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
