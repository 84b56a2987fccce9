/**
 * Injected slowdowns, for proving that `compare` catches a real regression: `FFI_KIT_BENCH_SLOWDOWN` lists
 * `case=factor` pairs (`add_i32/core-symbol=2`); the harness then runs that case's iteration `factor` times per
 * iteration. For a path that calls native code this is a true `factor`x slowdown (the JIT cannot merge two FFI
 * calls). Pure-JS fast paths (`ptr`, `read.*`) are the exception: the JIT may fold the repeated call into the first,
 * so their injected slowdown is smaller than the factor. Only the harness wraps; the library is untouched.
 */
import { isolatedPath, type PathSpec } from "./measure.js";

/** Parses `FFI_KIT_BENCH_SLOWDOWN` (or the given text) into case → integer factor ≥ 1. */
export function parseSlowdowns(text: string | undefined = process.env.FFI_KIT_BENCH_SLOWDOWN): Record<string, number> {
  const out: Record<string, number> = {};
  if (text === undefined || text.trim() === "") return out;
  for (const part of text.split(",")) {
    const m = /^\s*([\w.-]+\/[\w.:-]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (m === null || Number(m[2]) < 1 || Number(m[2]) > 1000) {
      throw Object.assign(new RangeError(`FFI_KIT_BENCH_SLOWDOWN: "${part}" is not "group/path=factor" with an integer factor from 1 to 1000`), {
        code: "ERR_OUT_OF_RANGE",
      });
    }
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/**
 * Returns the path with its iteration repeated `factor` times when the case is listed, else unchanged.
 *
 * @example
 * const slowed = applySlowdown("add_i32", path, { "add_i32/core-symbol": 2 });
 */
export function applySlowdown(group: string, spec: PathSpec, slowdowns: Readonly<Record<string, number>>): PathSpec {
  const factor = slowdowns[`${group}/${spec.path}`];
  if (factor === undefined || factor === 1) return spec;
  // Compiled on its own, like every path, so the wrapper shares no inline cache with another path.
  return isolatedPath(spec.path, Array.from({ length: factor }, () => "fn()").join(", "), { fn: spec.fn });
}
