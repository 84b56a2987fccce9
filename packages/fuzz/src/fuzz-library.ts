/**
 * Fuzzing a user's native function: generated arguments are run in isolated child processes (a crash is a
 * result with its signal), judged by an optional property, and the first failure is shrunk by replaying
 * candidates in children, then reported with the minimal input and a command that replays it.
 */
import { resolve } from "node:path";
import fc from "fast-check";
import { argumentsArbitrary, type ArgumentOptions } from "./argument-arbitraries.js";
import { IsolatedRunner, type IsolatedResult } from "./isolated-runner.js";
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
  /** Number of generated calls (default 300 unless `timeMs` is given). */
  readonly runs?: number;
  /** Time budget in milliseconds (with `runs`, whichever ends first). */
  readonly timeMs?: number;
  /** Seed of the first batch (default random). */
  readonly seed?: number;
  /** Replay: with `seed`, go straight to this counterexample path (from a report) and shrink from there. */
  readonly path?: string;
  /** Calls per batch sent to one child (default 100). */
  readonly batchSize?: number;
  /** A call running longer than this is reported as a hang (default 5000 ms). */
  readonly timeoutMs?: number;
  /** `true`: a progress line on stderr (when it is a terminal); or a function called with each update. */
  readonly progress?: boolean | ((progress: FuzzProgress) => void);
}

/** The failure a fuzzing run found, shrunk. */
export interface FuzzFailure {
  /** `crash` (the child died: see `signal`), `timeout`, `threw` (the call threw), or `property` (it returned false or threw). */
  readonly kind: "crash" | "timeout" | "threw" | "property";
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

type Verdict = Omit<FuzzFailure, "input" | "original" | "seed" | "path" | "shrinks" | "replay">;

function judge(
  input: readonly unknown[],
  result: IsolatedResult,
  property: FuzzOptions["property"],
): Verdict | null {
  switch (result.kind) {
    case "crashed":
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
  parts.push(`--seed ${seed}`, `--path ${path}`);
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
  const bad = (what: string, value: unknown) =>
    Object.assign(new TypeError(`fuzzLibrary(): ${what}. Received ${show(value)}`), { code: "ERR_INVALID_ARG_TYPE" });
  if (options === null || typeof options !== "object") throw bad("argument 1 must be an options object", options);
  if (typeof options.library !== "string" || options.library === "") throw bad("library must be a non-empty path", options.library);
  if (typeof options.symbol !== "string" || options.symbol === "") throw bad("symbol must be a non-empty string", options.symbol);
  if (options.schema === undefined && !Array.isArray(options.args)) throw bad("args must be an array of FFI types (or give a bindgen schema)", options.args);
  if (options.property !== undefined && typeof options.property !== "function") throw bad("property must be a function", options.property);
  for (const key of ["runs", "timeMs", "batchSize", "timeoutMs"] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== "number" || !(v > 0) || !Number.isFinite(v))) {
      throw Object.assign(new RangeError(`fuzzLibrary(): ${key} must be a positive number. Received ${show(v)}`), { code: "ERR_OUT_OF_RANGE" });
    }
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
  const runner = new IsolatedRunner({ library, symbol: options.symbol, args: options.args, returns }, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
  const seed = options.seed ?? ((Math.random() * 2 ** 32) | 0);
  const started = Date.now();
  const maxRuns = options.runs ?? (options.timeMs !== undefined ? Infinity : 300);
  const batchSize = options.batchSize ?? 100;
  const line = new ProgressLine(options.progress);
  let runs = 0;
  let crashes = 0;
  let failure: FuzzFailure | undefined;
  const signature = `${options.symbol}(${options.args.map((t) => typeName(t)).join(", ")}) -> ${typeName(returns)}`;
  const update = (phase: FuzzProgress["phase"]) =>
    line.update({ phase, runs, calls: runner.stats.calls, crashes, elapsedMs: Date.now() - started, children: runner.stats.children });

  const shrink = async (runSeed: number, path: string, original: readonly unknown[]): Promise<FuzzFailure> => {
    let last: { input: readonly unknown[]; verdict: Verdict } | undefined;
    const property = fc.asyncProperty(arb, async (input) => {
      const [first] = await runner.run([input]);
      let verdict = judge(input, first!, options.property);
      if (verdict !== null && (first!.kind === "crashed" || first!.kind === "timeout") && !first!.isolated) {
        crashes++;
        // Pinpoint: the failure must reproduce alone, in a child that has run nothing else.
        const [again] = await runner.run([input], { fresh: true });
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
        kind: "crash",
        message: "the failure did not reproduce when the input was replayed alone (it depends on earlier calls)",
        input: original,
        original,
        seed: runSeed,
        path,
        shrinks: 0,
        replay: replayCommand(options, library, runSeed, path),
      };
    }
    const minimalPath = details.counterexamplePath ?? path;
    return {
      ...found.verdict,
      input: found.input,
      original,
      seed: runSeed,
      path: minimalPath,
      shrinks: details.numShrinks,
      replay: replayCommand(options, library, runSeed, minimalPath),
    };
  };

  try {
    await runner.start();
    if (options.path !== undefined) {
      const index = Number(options.path.split(":")[0]);
      const [original] = generate(arb, seed, index + 1).slice(index);
      runs = 1;
      const [result] = await runner.run([original!], { fresh: true });
      if (judge(original!, result!, options.property) !== null) failure = await shrink(seed, options.path, original!);
    } else {
      for (let k = 0; runs < maxRuns && failure === undefined; k++) {
        // The budget stops between batches, after the first: time spent starting the child (long on a loaded
        // machine) never leaves a run with no call at all.
        if (k > 0 && options.timeMs !== undefined && Date.now() - started >= options.timeMs) break;
        const chunkSeed = nextSeed(seed, k);
        const inputs = generate(arb, chunkSeed, Math.min(batchSize, maxRuns - runs));
        const results = await runner.run(inputs);
        for (let i = 0; i < inputs.length; i++) {
          const r = results[i]!;
          if (r.kind === "crashed" || r.kind === "timeout") crashes++;
          if (judge(inputs[i]!, r, options.property) !== null) {
            runs += i + 1;
            update("shrinking");
            failure = await shrink(chunkSeed, String(i), inputs[i]!);
            break;
          }
        }
        if (failure === undefined) runs += inputs.length;
        update("fuzzing");
      }
    }
  } finally {
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
          `FAILED (${failure.kind}${failure.signal ? `, ${failure.signal}` : ""}): ${failure.message}`,
          `  minimal input:  ${renderCall(options.symbol, failure.input)}`,
          `  first found as: ${renderCall(options.symbol, failure.original)}`,
          `  shrunk in ${failure.shrinks} steps; ${stats}`,
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
