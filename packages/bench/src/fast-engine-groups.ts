/**
 * The "fast engine" groups: core's symbol calls of scalar signatures (the ones @ffi-kit/core's fast-call engine
 * takes), each beside raw koffi. They run in a child process of their own (see {@link runFastEngineGroups}) in
 * which no callback is ever created: while any callback is open in a process (a JSCallback not yet closed, or a
 * callback registered with koffi directly), core calls through koffi (C could call the callback, and a V8 fast call
 * must not run JavaScript), and the main suite's `callback` group keeps callbacks open.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dlopen, ptr } from "@ffi-kit/core";
import koffi from "koffi";
import { isolatedPath, type GroupSpec, type MeasureOptions } from "./measure.js";
import { benchLibraryPath, requireBuilt } from "./native-library.js";
import { rawKoffiCalls } from "./node-cases.js";
import { benchSymbols } from "./symbols.js";
import type { CaseResult } from "./schema.js";

/** The names of the fast-engine groups, in the order they run. */
export const FAST_ENGINE_GROUPS: readonly string[] = ["fast_noop", "fast_add_i32", "fast_add_f64", "fast_sum_buf", "fast_ret_i64"];

/** Results land here so no call can be optimised away. */
const sink: { value: unknown } = { value: undefined };

/** Builds the fast-engine groups. Registers no callback. */
export function fastEngineCases(): { groups: GroupSpec[]; close(): void } {
  requireBuilt();
  const { noop, add_i32, add_f64, ret_i64, sum_buf } = benchSymbols;
  const lib = dlopen(benchLibraryPath, { noop, add_i32, add_f64, ret_i64, sum_buf });
  const s = lib.symbols;
  const k = koffi.load(benchLibraryPath);
  const raw = rawKoffiCalls(k);
  const bytes = new Uint8Array(64).fill(1);
  const address = ptr(bytes);
  const o = sink;
  const group = (name: string, title: string, call: string, f: unknown, r: unknown, extra: GroupSpec["paths"] = []): GroupSpec => ({
    group: name,
    title,
    reference: "koffi",
    paths: [isolatedPath("koffi", `o.value = ${call}`, { f: r, o, bytes }), isolatedPath("core-symbol", `o.value = ${call}`, { f, o, bytes }), ...extra],
  });
  const groups = [
    group("fast_noop", "noop() -> void, no callback registered", "f()", s.noop, raw.noop),
    group("fast_add_i32", "add_i32(i32, i32) -> i32, no callback registered", "f(20, 22)", s.add_i32, raw.add_i32),
    group("fast_add_f64", "add_f64(f64, f64) -> f64, no callback registered", "f(20.5, 21.5)", s.add_f64, raw.add_f64),
    group("fast_sum_buf", "sum_buf(Uint8Array(64), u32) -> u32, no callback registered (core-address: ptr() of the view, cached)", "f(bytes, 64)", s.sum_buf, raw.sum_buf, [
      isolatedPath("core-address", "o.value = f(address, 64)", { f: s.sum_buf, o, address }),
    ]),
    group("fast_ret_i64", "ret_i64() -> i64, no callback registered", "f()", s.ret_i64, raw.ret_i64),
  ];
  return { groups, close: () => lib.close() };
}

/**
 * Measures the selected fast-engine groups in a child process (this package's `fast-engine-child.js`) and returns
 * their cases. The child inherits the environment, so `FFI_KIT_ENGINE` and `FFI_KIT_BENCH_SLOWDOWN` apply there.
 */
export function runFastEngineGroups(groups: readonly string[], options: MeasureOptions, log: (line: string) => void): CaseResult[] {
  if (groups.length === 0) return [];
  const script = fileURLToPath(new URL("./fast-engine-child.js", import.meta.url));
  log(`fast engine groups: measuring ${groups.join(", ")} in a child process with no callback registered`);
  const r = spawnSync(
    process.execPath,
    [script, JSON.stringify({ groups, rounds: options.rounds, maxTime: options.maxTime, minTime: options.minTime, minSamples: options.minSamples, clock: options.clock?.name ?? "wall" })],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000, maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`the fast engine groups' child process exited with ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ""}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as CaseResult[];
}
