/**
 * Running the conversion properties: a CI-sized check and a long campaign under a time budget. Every failure
 * comes with the seed and path that replay it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { FFIError } from "@ffi-kit/core";
import { CONVERSION_PROPERTY_NAMES, conversionProperties, type ConversionProperty } from "./conversion-properties.js";
import type { ValueKind } from "./arbitraries.js";

/** One property that failed, with everything needed to replay it. */
export interface PropertyFailure {
  readonly property: string;
  readonly seed: number;
  /** fast-check's path to the shrunk counterexample. */
  readonly path: string;
  /** The shrunk counterexample, rendered. */
  readonly counterexample: string;
  /** What core did versus what the model expected. */
  readonly message: string;
  /** A shell command that replays exactly this failure. */
  readonly replay: string;
}

/** The result of {@link checkConversions}. */
export interface ConversionReport {
  /** Property evaluations executed (every one calls native code at least once). */
  readonly runs: number;
  readonly properties: readonly string[];
  readonly failures: readonly PropertyFailure[];
  readonly elapsedMs: number;
  /** The base seed (each property and round derives its own from it). */
  readonly seed: number;
}

/** Options for {@link checkConversions}. */
export interface ConversionCheckOptions {
  /** Compiled `conversions.c` (default: this package's `test/fixtures/build/libconversions.so`). */
  readonly library?: string;
  /** Runs per property per round (default 100). */
  readonly numRuns?: number;
  /** Keep going in rounds until this many milliseconds have passed (default: one round). */
  readonly timeMs?: number;
  /** Base seed (default: random). */
  readonly seed?: number;
  /** Replay one failure: with `seed` and a single `only` property. */
  readonly path?: string;
  /** Only the properties whose name matches (exact name, or a RegExp). */
  readonly only?: string | RegExp;
  /** Kinds of values for identity and callback inputs. */
  readonly kinds?: readonly ValueKind[];
  /** Properties to check instead of the built-in ones (same reporting, seeds and replay). */
  readonly properties?: readonly ConversionProperty[];
  /** Called after every property run, for progress displays. */
  readonly onProgress?: (progress: { runs: number; failures: number; elapsedMs: number; property: string }) => void;
}

/**
 * The conversions library shipped with this package, compiled by its build (`test/fixtures/conversions.c`).
 * Throws with the command to build it when it is missing.
 */
export function defaultConversionLibrary(): string {
  const path = fileURLToPath(new URL("../test/fixtures/build/libconversions.so", import.meta.url));
  if (!existsSync(path)) {
    const source = fileURLToPath(new URL("../test/fixtures/conversions.c", import.meta.url));
    throw new FFIError("ERR_FFI_FUZZ_LIBRARY_MISSING", `The conversions library ${path} is missing. Build it: cc -O2 -shared -fPIC -o ${path} ${source}`);
  }
  return path;
}

function matches(name: string, only: string | RegExp | undefined): boolean {
  if (only === undefined) return true;
  return typeof only === "string" ? name === only : only.test(name);
}

/** A 32-bit seed for property `index` in `round`, derived from the base seed. */
function derivedSeed(base: number, round: number, index: number): number {
  return (base + Math.imul(round, 0x9e3779b9) + Math.imul(index, 0x61c88647)) | 0;
}

function replayCommand(property: string, seed: number, path: string, library: string | undefined): string {
  return `npx ffi-kit-fuzz conversions --property ${property} --seed ${seed} --path ${path}${library ? ` --library ${library}` : ""}`;
}

/**
 * Checks core's conversions against the reference model. One round runs every property `numRuns` times; with
 * `timeMs`, rounds repeat with fresh seeds until the budget is spent. A failing property is shrunk, recorded and
 * not run again.
 *
 * @example
 * const report = checkConversions({ numRuns: 200 });
 * for (const f of report.failures) console.log(f.property, f.message, f.replay);
 */
export function checkConversions(options: ConversionCheckOptions = {}): ConversionReport {
  const names = options.properties?.map((p) => p.name) ?? CONVERSION_PROPERTY_NAMES;
  if (!names.some((n) => matches(n, options.only))) {
    throw Object.assign(new RangeError(`No conversion property matches ${String(options.only)}. Known: ${names.join(", ")}`), {
      code: "ERR_OUT_OF_RANGE",
    });
  }
  const selected =
    options.properties?.filter((p) => matches(p.name, options.only)) ??
    conversionProperties({
      library: options.library ?? defaultConversionLibrary(),
      ...(options.kinds ? { kinds: options.kinds } : {}),
      ...(options.only !== undefined ? { only: options.only } : {}),
    });
  const seed = options.seed ?? ((Math.random() * 2 ** 32) | 0);
  const numRuns = options.numRuns ?? 100;
  const started = Date.now();
  const failures: PropertyFailure[] = [];
  const failed = new Set<string>();
  let runs = 0;
  const explicitLibrary = options.library;
  const runOne = (p: ConversionProperty, runSeed: number, path?: string): void => {
    const details = fc.check(p.property, { seed: runSeed, numRuns, ...(path !== undefined ? { path } : {}) });
    runs += details.numRuns + details.numShrinks;
    if (details.failed) {
      failed.add(p.name);
      const error = details.errorInstance;
      failures.push({
        property: p.name,
        seed: details.seed,
        path: details.counterexamplePath ?? "",
        counterexample: fc.stringify(details.counterexample),
        message: error instanceof Error ? error.message : String(error),
        replay: replayCommand(p.name, details.seed, details.counterexamplePath ?? "", explicitLibrary),
      });
    }
    options.onProgress?.({ runs, failures: failures.length, elapsedMs: Date.now() - started, property: p.name });
  };
  if (options.path !== undefined) {
    for (const p of selected) runOne(p, seed, options.path);
  } else {
    for (let round = 0; ; round++) {
      selected.forEach((p, i) => {
        if (!failed.has(p.name)) runOne(p, round === 0 && selected.length === 1 ? seed : derivedSeed(seed, round, names.indexOf(p.name)), undefined);
      });
      if (options.timeMs === undefined || Date.now() - started >= options.timeMs || failed.size === selected.length) break;
    }
  }
  return { runs, properties: selected.map((p) => p.name), failures, elapsedMs: Date.now() - started, seed };
}
