#!/usr/bin/env node
/**
 * ffi-kit-fuzz: the command line of @ffi-kit/fuzz.
 *
 *   ffi-kit-fuzz run --library ./libx.so --symbol parse --args buffer,u32 --returns i32 --length-of 1=0 [--property EXPR] [--runs N | --time 5m]
 *   ffi-kit-fuzz conversions [--time 10m] [--property identity:i32] [--seed N --path P]
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { checkConversions } from "./conversion-campaign.js";
import { DEFAULT_RUNS, DEFAULT_TIMEOUT_MS, fuzzLibrary } from "./fuzz-library.js";
import { killChildren } from "./isolated-runner.js";
import { formatProgress } from "./progress.js";
import type { FunctionSchemaLike } from "./bindgen-schema.js";

const USAGE = `Usage:
  ffi-kit-fuzz run --library <path> --symbol <name> (--args <t1,t2,...|none> [--returns <type>] | --schema <file.mjs#export>)
                   [--length-of <i>=<j>]... [--property <js expression over args, result>] [--property-module <file.mjs>]
                   [--runs <n>] [--time <30s|5m|1h>] [--seed <n> [--path <p>]] [--max-buffer <bytes>]
                   [--timeout <ms>] [--batch <n>] [--coverage auto|on|off] [--corpus <dir>] [--jobs <n>]
                   [--shard <i>/<n>] [--input <file> [--path <p>]] [--json]
      Fuzzes one native function; every call runs in a child process. Two kinds of failure: a crash (the child
      died: a signal such as SIGSEGV, or an exit) and a hang (a call, or opening the library, took longer than
      --timeout); and, when you check results, a call that threw or broke --property. Exit code 1 when a failure
      is found, 0 when none is, 2 on usage errors.
      --runs            generated calls (default ${DEFAULT_RUNS}; with --time, whichever ends first)
      --timeout         hang timeout of one call, in ms (default ${DEFAULT_TIMEOUT_MS}, at most 2147483647)
      --length-of 1=0   argument 1 is the byte length of argument 0 (a ptr/buffer/cstring); indices are 0-based,
                        in this option and in its error messages (args[0] is the first argument)
      --property        e.g. 'result === BigInt(args[0]) + BigInt(args[1])'
      --schema          an @ffi-kit/bindgen fn({ args, ret }) schema exported by a module: signature and domains
      --seed, --path    replay a report: --path needs the --seed it was printed with (--seed=-5 or --seed -5)
      --coverage        auto (default): coverage-guided when the library is instrumented (clang
                        -fsanitize=fuzzer-no-link, gcc -fsanitize-coverage=trace-pc), else black-box;
                        on: require it; off: black-box
      --corpus          folder of inputs: run first, and new-coverage inputs and failures are saved there
      --jobs            child processes fuzzing in parallel (default 1)
      --shard 2/4       run the 2nd of 4 disjoint parts of the seed's campaign (one per CI job)
      --input           replay a saved input file (a report of a mutated or corpus input names it)
  ffi-kit-fuzz conversions [--library <libconversions.so>] [--time <duration>] [--runs <n per property>]
                   [--property <name or /regex/>] [--seed <n>] [--path <p>] [--json]
      Checks @ffi-kit/core's conversions against the reference model (a long campaign with --time). Without
      --library, compiles the package's conversions.c with cc once into a cache directory. Exit code 0 when core
      agrees with the model apart from its documented differences (listed as tolerated), 1 otherwise.
Durations: a number with ms, s, m or h (a bare number is seconds).`;

class UsageError extends Error {}

function duration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`invalid duration ${JSON.stringify(text)} (examples: 500ms, 30s, 5m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * unit;
}

function integer(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (!/^\s*[-+]?\d+\s*$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`${what} must be an integer, got ${JSON.stringify(text)}`);
  return n;
}

/** `--seed -5` → `--seed=-5` (parseArgs would take "-5" for an option). */
function joinNegativeValues(argv: readonly string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith("--") && !a.includes("=") && options[a.slice(2)]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

const wantsHelp = (argv: readonly string[]) => argv.includes("--help") || argv.includes("-h");

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : ArrayBuffer.isView(v) ? Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) : v), 2);
}

const RUN_OPTIONS = {
      library: { type: "string" },
      symbol: { type: "string" },
      args: { type: "string" },
      returns: { type: "string" },
      "length-of": { type: "string", multiple: true },
      property: { type: "string" },
      "property-module": { type: "string" },
      schema: { type: "string" },
      runs: { type: "string" },
      time: { type: "string" },
      seed: { type: "string" },
      path: { type: "string" },
      "max-buffer": { type: "string" },
      timeout: { type: "string" },
      batch: { type: "string" },
      coverage: { type: "string" },
      corpus: { type: "string" },
      jobs: { type: "string" },
      shard: { type: "string" },
      input: { type: "string" },
      json: { type: "boolean" },
} as const;

async function runCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(USAGE);
    return 0;
  }
  const { values } = parseArgs({
    args: joinNegativeValues(argv, RUN_OPTIONS),
    options: RUN_OPTIONS,
    strict: true,
  });
  if (!values.library || !values.symbol || (values.args === undefined && values.schema === undefined)) {
    throw new UsageError("run needs --library, --symbol and --args (or --schema)");
  }
  if (values.path !== undefined && values.seed === undefined && values.input === undefined) {
    throw new UsageError("--path replays a failure of one seed: give it with the --seed it was printed with (the report's replay command has both)");
  }
  let schema: FunctionSchemaLike | undefined;
  if (values.schema !== undefined) {
    const [file, name = "default"] = values.schema.split("#");
    const mod = (await import(pathToFileURL(resolve(file!)).href)) as Record<string, unknown>;
    schema = mod[name] as FunctionSchemaLike | undefined;
    if (schema === undefined || !Array.isArray((schema as { signatures?: unknown }).signatures)) {
      throw new UsageError(`--schema ${values.schema}: export "${name}" of ${file} is not a bindgen function schema (fn({ args, ret }))`);
    }
  }
  const lengthOf: Record<number, number> = {};
  for (const link of values["length-of"] ?? []) {
    const m = /^(\d{1,6})=(\d{1,6})$/.exec(link);
    if (!m) throw new UsageError(`--length-of takes <length argument>=<buffer argument>, 0-based (got ${JSON.stringify(link)})`);
    lengthOf[Number(m[1])] = Number(m[2]);
  }
  let property: ((args: readonly unknown[], result: unknown) => boolean | void) | undefined;
  if (values.property !== undefined) {
    try {
      property = new Function("args", "result", `"use strict";\nreturn (${values.property});`) as never;
    } catch (error) {
      throw new UsageError(`--property is not a valid JavaScript expression: ${(error as Error).message}`);
    }
  } else if (values["property-module"] !== undefined) {
    const mod = (await import(pathToFileURL(resolve(values["property-module"])).href)) as { default?: unknown };
    if (typeof mod.default !== "function") throw new UsageError(`${values["property-module"]} must export a default function (args, result) => boolean`);
    property = mod.default as never;
  }
  const runs = integer(values.runs, "--runs");
  const timeMs = duration(values.time);
  const seed = integer(values.seed, "--seed");
  const maxBufferLength = integer(values["max-buffer"], "--max-buffer");
  const timeoutMs = integer(values.timeout, "--timeout");
  const batchSize = integer(values.batch, "--batch");
  const jobs = integer(values.jobs, "--jobs");
  const coverage = values.coverage === undefined ? undefined : ({ auto: "auto", on: true, off: false } as const)[values.coverage as "auto" | "on" | "off"];
  if (values.coverage !== undefined && coverage === undefined) throw new UsageError(`--coverage takes auto, on or off (got ${JSON.stringify(values.coverage)})`);
  let shard: { index: number; count: number } | undefined;
  if (values.shard !== undefined) {
    const m = /^(\d{1,7})\/(\d{1,7})$/.exec(values.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`--shard takes <i>/<n> with 1 <= i <= n, e.g. 2/4 (got ${JSON.stringify(values.shard)})`);
    shard = { index: Number(m[1]) - 1, count: Number(m[2]) };
  }
  const report = await fuzzLibrary({
    library: values.library,
    symbol: values.symbol,
    ...(values.args !== undefined ? { args: values.args === "none" || values.args === "" ? [] : values.args.split(",").map((s) => s.trim()) } : {}),
    ...(values.returns !== undefined || schema === undefined ? { returns: values.returns ?? "void" } : {}),
    ...(schema !== undefined ? { schema, schemaSource: values.schema! } : {}),
    lengthOf,
    ...(property !== undefined ? { property } : {}),
    ...(values.property !== undefined ? { propertySource: values.property } : {}),
    ...(runs !== undefined ? { runs } : {}),
    ...(timeMs !== undefined ? { timeMs } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(values.path !== undefined ? { path: values.path } : {}),
    ...(maxBufferLength !== undefined ? { maxBufferLength } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(coverage !== undefined ? { coverage } : {}),
    ...(values.corpus !== undefined ? { corpus: values.corpus } : {}),
    ...(shard !== undefined ? { shard } : {}),
    ...(values.input !== undefined ? { input: values.input } : {}),
    progress: true,
  });
  if (values.json) {
    const { failure, ...rest } = report;
    console.log(json({ ...rest, ...(failure ? { failure: { ...failure, input: fc.stringify(failure.input), original: fc.stringify(failure.original) } } : {}) }));
  } else console.log(report.summary);
  return report.ok ? 0 : 1;
}

const CONVERSIONS_OPTIONS = {
  library: { type: "string" },
  time: { type: "string" },
  runs: { type: "string" },
  property: { type: "string" },
  seed: { type: "string" },
  path: { type: "string" },
  json: { type: "boolean" },
} as const;

function conversionsCommand(argv: string[]): number {
  if (wantsHelp(argv)) {
    console.log(USAGE);
    return 0;
  }
  const { values } = parseArgs({ args: joinNegativeValues(argv, CONVERSIONS_OPTIONS), options: CONVERSIONS_OPTIONS, strict: true });
  const p = values.property;
  const only = p === undefined ? undefined : /^\/.*\/$/.test(p) ? new RegExp(p.slice(1, -1)) : p;
  const timeMs = duration(values.time);
  const numRuns = integer(values.runs, "--runs");
  const seed = integer(values.seed, "--seed");
  if (values.path !== undefined && (seed === undefined || typeof only !== "string")) {
    throw new UsageError("--path replays one failure: give it with --seed and --property <name>");
  }
  const tty = process.stderr.isTTY;
  let last = 0;
  const report = checkConversions({
    ...(values.library !== undefined ? { library: values.library } : {}),
    ...(timeMs !== undefined ? { timeMs } : {}),
    ...(numRuns !== undefined ? { numRuns } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(values.path !== undefined ? { path: values.path } : {}),
    ...(only !== undefined ? { only } : {}),
    onProgress: ({ runs, failures, elapsedMs, property }) => {
      if (!tty || Date.now() - last < 100) return;
      last = Date.now();
      process.stderr.write(`\r\x1b[2K${formatProgress({ symbol: property, phase: "fuzzing", runs, calls: runs, crashes: failures, children: 0, elapsedMs })}`);
    },
  });
  if (tty) process.stderr.write("\n");
  if (values.json) {
    console.log(json(report));
  } else {
    console.log(`ffi-kit-fuzz conversions: ${report.properties.length} propert${report.properties.length === 1 ? "y" : "ies"}, ${report.runs} runs in ${(report.elapsedMs / 1000).toFixed(1)} s (${Math.round((report.runs * 1000) / Math.max(1, report.elapsedMs))} checks/s), seed ${report.seed}`);
    if (report.failures.length === 0) {
      console.log(`OK: core agrees with the reference model${report.tolerated.length > 0 ? `, apart from ${report.tolerated.length} documented difference${report.tolerated.length === 1 ? "" : "s"}` : ""}`);
    }
    for (const f of report.tolerated) {
      console.log(`\ntolerated in ${f.property}: ${f.tolerated}\n  ${f.message}\n  replay: ${f.replay}`);
    }
    for (const f of report.failures) {
      console.log(`\nDISAGREEMENT in ${f.property}\n  ${f.message}\n  counterexample: ${f.counterexample}\n  seed ${f.seed}, path ${f.path}\n  replay: ${f.replay}`);
    }
  }
  return report.failures.length === 0 ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await runCommand(rest);
      case "conversions":
        return conversionsCommand(rest);
      case undefined:
      case "-h":
      case "--help":
      case "help":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`ffi-kit-fuzz: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const e = error as { code?: string; message?: string };
    console.error(`ffi-kit-fuzz: ${e.code ? `[${e.code}] ` : ""}${e.message ?? String(error)}`);
    return 2;
  }
}

// Children stuck in native code ignore everything but SIGKILL: kill them before going away.
for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]] as const) {
  process.on(signal, () => {
    killChildren();
    process.stderr.write(`\nffi-kit-fuzz: stopped by ${signal}\n`);
    process.exit(128 + number);
  });
}

process.exitCode = await main(process.argv.slice(2));
