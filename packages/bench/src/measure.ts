/**
 * Measurement with benchmark.js in alternating rounds. Every path of a group is measured once per round, in
 * forward order on even rounds and reverse order on odd ones, so drift on a shared machine hits the case and
 * its reference alike; each round gives one ratio sample per path. A first, unrecorded round lets the JIT settle
 * and benchmark.js calibrate its loop count. A round's figure is its fastest sample: on a shared machine
 * preemption only ever adds time, so the minimum is the estimate least touched by other processes.
 * Runs under Node and under Bun.
 */
import Benchmark from "benchmark";

/** One way of doing a group's operation (for example "core-symbol" or "koffi"). */
export interface PathSpec {
  /** Short name of the path, unique within its group. */
  readonly path: string;
  /** One iteration. Must be side-effect free enough to repeat millions of times. Deferred groups: `fn(done)`. */
  readonly fn: (done?: () => void) => unknown;
}

/** Operations compared with each other: every path is judged by its ratio to `reference`. */
export interface GroupSpec {
  /** Group name, the first half of a case id (`add_i32/core-symbol`). */
  readonly group: string;
  /** What one iteration does, for the report. */
  readonly title: string;
  /** The path every other path is divided by (measured in the same rounds). */
  readonly reference: string;
  /** Operations per iteration (a C loop making 100 callbacks counts 100): figures are reported per operation. */
  readonly opsPerIteration?: number;
  /**
   * Asynchronous iterations (benchmark.js `defer: true`): each path's `fn` gets a `done` callback to call when
   * the iteration has finished. Such groups are timed by wall clock (the work happens on other threads).
   */
  readonly deferred?: boolean;
  readonly paths: readonly PathSpec[];
}

/** How long and how often to measure. */
export interface MeasureOptions {
  /** Rounds per group (each gives one ratio sample per path). */
  readonly rounds: number;
  /** benchmark.js `maxTime` per path per round, seconds. */
  readonly maxTime: number;
  /** benchmark.js `minTime` per sample, seconds. */
  readonly minTime: number;
  /** benchmark.js `minSamples` per path per round. */
  readonly minSamples: number;
  /**
   * What benchmark.js times with: `"wall"` (process.hrtime) or `"thread-cpu"` (CPU time of the measuring thread,
   * from the N-API addon: time spent descheduled by other processes does not count). Default `"wall"`.
   */
  readonly clock?: Clock;
}

/** A benchmark clock: its name and a `process.hrtime`-compatible function. */
export interface Clock {
  readonly name: "wall" | "thread-cpu";
  readonly hrtime: (previous?: [number, number]) => [number, number];
}

const contexts = new Map<Clock["hrtime"], typeof Benchmark>();
function benchmarkFor(clock: Clock | undefined): typeof Benchmark {
  if (clock === undefined || clock.name === "wall") return Benchmark;
  let b = contexts.get(clock.hrtime);
  if (b === undefined) {
    // benchmark.js picks its timer from the context's `process.hrtime`.
    b = (Benchmark as unknown as { runInContext(c: object): typeof Benchmark }).runInContext({ process: { hrtime: clock.hrtime } });
    contexts.set(clock.hrtime, b);
  }
  return b;
}

/** Raw figures of one path: benchmark.js samples (ns per operation) and one mean per round. */
export interface PathMeasurement {
  readonly group: string;
  readonly path: string;
  /** Every benchmark.js sample of every round, in ns per operation. */
  readonly sampleNs: number[];
  /** The fastest sample of each round, in ns per operation (the figure ratios are taken of). */
  readonly roundNs: number[];
}

/** Measures one deferred (asynchronous) group by wall clock, in the same alternating rounds as {@link measureGroup}. */
export async function measureDeferredGroup(group: GroupSpec, options: MeasureOptions, log?: (line: string) => void): Promise<PathMeasurement[]> {
  const per = group.opsPerIteration ?? 1;
  const out = group.paths.map((p) => ({ group: group.group, path: p.path, sampleNs: [] as number[], roundNs: [] as number[] }));
  for (let round = -1; round < options.rounds; round++) {
    const order = group.paths.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const spec = group.paths[i]!;
      const bench = new Benchmark(`${group.group}/${spec.path}`, {
        defer: true,
        fn: (deferred: { resolve(): void }) => {
          spec.fn(() => deferred.resolve());
        },
        maxTime: options.maxTime,
        minSamples: options.minSamples,
        minTime: options.minTime,
      } as unknown as Benchmark.Options);
      await new Promise<void>((resolve, reject) => {
        bench.on("complete", () => resolve());
        bench.on("error", (e: unknown) => reject(new Error(`benchmark ${group.group}/${spec.path} failed: ${String((e as { target?: { error?: unknown } }).target?.error ?? e)}`)));
        bench.run({ async: true });
      });
      if (round < 0) continue;
      const m = out[i]!;
      for (const s of bench.stats.sample) m.sampleNs.push((s * 1e9) / per);
      m.roundNs.push((Math.min(...bench.stats.sample) * 1e9) / per);
    }
    if (round >= 0) log?.(`  ${group.group}: round ${round + 1}/${options.rounds}`);
  }
  return out;
}

/**
 * How many times one benchmark.js call of a path runs its iteration (see {@link repeated}): enough that one call
 * takes tens of microseconds, at most {@link MAX_REPEAT}.
 */
export const MAX_REPEAT = 1000;
const REPEAT_TARGET_NS = 50_000;

/**
 * The path's iteration `k` times in a loop compiled for this path alone. benchmark.js calls a test through a
 * property it adds to and deletes from the benchmark object for every sample; on V8 12 and later (Node 22+) that
 * call costs about 30 ns of its own (3 ns on Node 20), which swamped nanosecond paths such as `ptr()` and
 * `read.u8`. Inside this loop the call is an ordinary monomorphic one the JIT inlines, and benchmark.js's own
 * overhead is spread over `k` iterations.
 */
export function repeated(fn: PathSpec["fn"], k: number): () => void {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`repeat count must be a positive integer. Received ${k}`);
  return new Function("fn", `"use strict"; return function repeated() { for (let i = 0; i < ${k}; i++) fn(); };`)(fn) as () => void;
}

/** A repeat count for `fn` from a rough timing (2 ms at most): about {@link REPEAT_TARGET_NS} per benchmark.js call. */
export function repeatCount(fn: PathSpec["fn"]): number {
  for (let i = 0; i < 100; i++) fn();
  const start = process.hrtime.bigint();
  let n = 0, elapsed = 0;
  do {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    elapsed = Number(process.hrtime.bigint() - start);
  } while (elapsed < 2e6 && n < 1e5);
  return Math.max(1, Math.min(MAX_REPEAT, Math.floor(REPEAT_TARGET_NS / Math.max(elapsed / n, 1))));
}

/** Measures one group; returns one entry per path, in the group's order. */
export function measureGroup(group: GroupSpec, options: MeasureOptions, log?: (line: string) => void): PathMeasurement[] {
  const counts = new Map<string, number>();
  const out = group.paths.map((p) => ({ group: group.group, path: p.path, sampleNs: [] as number[], roundNs: [] as number[] }));
  const Bench = benchmarkFor(options.clock);
  // Each path's iteration runs `repeat` times per benchmark.js call; figures are divided back to one operation.
  const repeats = group.paths.map((p) => repeatCount(p.fn));
  const fns = group.paths.map((p, i) => repeated(p.fn, repeats[i]!));
  for (let round = -1; round < options.rounds; round++) {
    const order = group.paths.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const spec = group.paths[i]!;
      const per = (group.opsPerIteration ?? 1) * repeats[i]!;
      const bench = new Bench(`${group.group}/${spec.path}`, fns[i]!, {
        maxTime: options.maxTime,
        minTime: options.minTime,
        minSamples: options.minSamples,
        initCount: counts.get(spec.path) ?? 1,
      });
      bench.run();
      const error = (bench as unknown as { error?: unknown }).error;
      if (error !== undefined) throw new Error(`benchmark ${group.group}/${spec.path} failed: ${String(error)}`, { cause: error });
      counts.set(spec.path, bench.count);
      if (round < 0) continue; // calibration round
      const m = out[i]!;
      for (const s of bench.stats.sample) m.sampleNs.push((s * 1e9) / per);
      m.roundNs.push((Math.min(...bench.stats.sample) * 1e9) / per);
    }
    if (round >= 0) log?.(`  ${group.group}: round ${round + 1}/${options.rounds}`);
  }
  return out;
}

/**
 * A path whose iteration is compiled on its own (`new Function`), so its call sites have their own inline caches:
 * closures made from one shared function literal share V8's feedback, which turns the call megamorphic and makes
 * one path's speed depend on which other paths ran before it.
 *
 * @example
 * isolatedPath("core-symbol", "sink.value = f(20, 22)", { f: lib.symbols.add_i32, sink })
 */
export function isolatedPath(path: string, body: string, env: Readonly<Record<string, unknown>>): PathSpec {
  const names = Object.keys(env);
  const make = new Function(...names, `"use strict"; return function iteration() { return ${body}; };`) as (...values: unknown[]) => () => unknown;
  return { path, fn: make(...names.map((n) => env[n])) };
}
