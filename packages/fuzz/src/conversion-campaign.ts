/**
 * Running the conversion properties: a CI-sized check and a long campaign under a time budget. Every failure
 * comes with the seed and path that replay it.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { FFIError, invalidArgValue, outOfRange } from "./errors.js";
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
  /** For a documented difference of core from the specification (see {@link KNOWN_DIFFERENCES}): which one. */
  readonly tolerated?: string;
}

/**
 * Where @ffi-kit/core deliberately departs from the specification, documented in core's README ("Differences
 * from Bun"). The model is not bent to hide them: a failure of the named property whose message has exactly this
 * shape is reported as tolerated (not as a failure); any other disagreement of the same property still fails.
 */
export const KNOWN_DIFFERENCES: Readonly<Record<string, { readonly message: RegExp; readonly reason: string }>> = Object.freeze({
  // Spec: cstring arguments follow the pointer rules ("A string throws TypeError"); core takes a JS string as a
  // temporary UTF-8 C string, so that the documentation's `getenv("HOME")` example works.
  "identity:cstring": {
    message: /^id_cstring\(".*"\): expected TypeError \[ERR_INVALID_ARG_TYPE\].*got \d+$/s,
    reason: "core accepts a JS string for a cstring argument (documented in @ffi-kit/core's README)",
  },
});

/** The result of {@link checkConversions}. */
export interface ConversionReport {
  /** Property evaluations executed (every one calls native code at least once). */
  readonly runs: number;
  readonly properties: readonly string[];
  /** Disagreements with the model (without `strict`, the documented differences are in `tolerated` instead). */
  readonly failures: readonly PropertyFailure[];
  /** Documented differences of core that were found, each with its `tolerated` reason. */
  readonly tolerated: readonly PropertyFailure[];
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
  /** Report the documented differences ({@link KNOWN_DIFFERENCES}) as failures too (default false). */
  readonly strict?: boolean;
  /** Called after every property run, for progress displays. */
  readonly onProgress?: (progress: { runs: number; failures: number; elapsedMs: number; property: string }) => void;
}

/**
 * The conversions library: the one this package's own build compiled (`test/fixtures/build/`), or else the
 * shipped `test/fixtures/conversions.c` compiled once with `cc` (or `$CC`) into a cache directory
 * (`$FFI_KIT_CACHE_DIR`, else `$XDG_CACHE_HOME/ffi-kit`, else `~/.cache/ffi-kit`; `cacheDir` overrides), keyed by
 * the source's hash. Throws `FFIError` `ERR_FFI_FUZZ_LIBRARY_MISSING` with the compiler's output when it cannot
 * be built (pass `library` then).
 */
export function defaultConversionLibrary(options: { cacheDir?: string } = {}): string {
  const ext = process.platform === "darwin" ? "dylib" : "so";
  const built = fileURLToPath(new URL(`../test/fixtures/build/libconversions.${ext}`, import.meta.url));
  if (options.cacheDir === undefined && existsSync(built)) return built;
  const source = fileURLToPath(new URL("../test/fixtures/conversions.c", import.meta.url));
  if (!existsSync(source)) {
    throw new FFIError("ERR_FFI_FUZZ_LIBRARY_MISSING", `The conversions source ${source} is missing from this installation of @ffi-kit/fuzz: reinstall it, or pass a compiled library (--library).`);
  }
  const hash = createHash("sha256").update(readFileSync(source)).update(`${process.platform}-${process.arch}`).digest("hex").slice(0, 16);
  const base =
    options.cacheDir ??
    process.env.FFI_KIT_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), ".cache") : tmpdir()), "ffi-kit");
  const dir = join(base, "fuzz", hash);
  const path = join(dir, `libconversions.${ext}`);
  if (existsSync(path)) return path;
  const cc = process.env.CC || "cc";
  const partial = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync(cc, ["-O2", "-shared", "-fPIC", "-o", partial, source, "-lm"], { stdio: ["ignore", "pipe", "pipe"] });
    renameSync(partial, path); // atomic: a concurrent run sees the whole library or none
  } catch (error) {
    rmSync(partial, { force: true });
    const e = error as { stderr?: Buffer; message?: string };
    throw new FFIError(
      "ERR_FFI_FUZZ_LIBRARY_MISSING",
      `Could not compile the conversions library (${cc} -O2 -shared -fPIC -o ${path} ${source}): ${e.stderr?.toString().trim() || e.message}. Install a C compiler, or compile it yourself and pass it (--library).`,
      { cause: error },
    );
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
  return `npx ffi-kit-fuzz conversions --property ${property} --seed=${seed} --path=${path}${library ? ` --library ${library}` : ""}`;
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
  const range = (key: string, v: unknown, min: number, max: number) => {
    if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)) {
      throw outOfRange(`checkConversions(): ${key} must be an integer from ${min} to ${max}. Received ${String(v)}`);
    }
  };
  range("numRuns", options.numRuns, 1, 2 ** 31 - 1);
  range("timeMs", options.timeMs, 1, Number.MAX_SAFE_INTEGER);
  range("seed", options.seed, -(2 ** 31), 2 ** 32 - 1);
  if (options.path !== undefined && (typeof options.path !== "string" || !/^\d+(:\d+)*$/.test(options.path) || options.seed === undefined)) {
    throw invalidArgValue(`checkConversions(): path must be a fast-check path like "4:3:5" from a report, given with its seed. Received ${String(options.path)}`);
  }
  const names = options.properties?.map((p) => p.name) ?? CONVERSION_PROPERTY_NAMES;
  if (!names.some((n) => matches(n, options.only))) {
    throw outOfRange(`No conversion property matches ${String(options.only)}. Known: ${names.join(", ")}`);
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
  const tolerated: PropertyFailure[] = [];
  const failed = new Set<string>();
  let runs = 0;
  const explicitLibrary = options.library;
  const runOne = (p: ConversionProperty, runSeed: number, path?: string): void => {
    const details = fc.check(p.property, { seed: runSeed, numRuns, ...(path !== undefined ? { path } : {}) });
    runs += details.numRuns + details.numShrinks;
    if (details.failed) {
      failed.add(p.name);
      const error = details.errorInstance;
      const message = error instanceof Error ? error.message : String(error);
      const failure = {
        property: p.name,
        seed: details.seed,
        path: details.counterexamplePath ?? "",
        counterexample: fc.stringify(details.counterexample),
        message,
        replay: replayCommand(p.name, details.seed, details.counterexamplePath ?? "", explicitLibrary),
      };
      const known = options.properties === undefined && !options.strict ? KNOWN_DIFFERENCES[p.name] : undefined;
      if (known !== undefined && known.message.test(message)) tolerated.push({ ...failure, tolerated: known.reason });
      else failures.push(failure);
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
  return { runs, properties: selected.map((p) => p.name), failures, tolerated, elapsedMs: Date.now() - started, seed };
}
