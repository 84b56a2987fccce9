#!/usr/bin/env node
// Benchmark of @ffi-kit/fuzz: conversion checks per second in process, and calls per second in crash-isolated
// mode, each with a reference measured in the same run (the machine is shared: read the ratios).
// Usage: node bench/fuzz-bench.mjs [seconds per measurement, default 2]
// Conversion-check rows are the median of three measurements.
import { fileURLToPath } from "node:url";
import { dlopen } from "@ffi-kit/core";
import { IsolatedRunner, checkConversions, defaultConversionLibrary } from "@ffi-kit/fuzz";

const seconds = Number(process.argv[2] ?? 2);
const budget = seconds * 1000;
const planted = fileURLToPath(new URL("../test/fixtures/build/libplanted.so", import.meta.url));
const conversions = defaultConversionLibrary();

function rate(count, ms) {
  return (count * 1000) / ms;
}
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k/s` : `${n.toFixed(1)} /s`);

// Reference 1: the bare native call through core, in process (what every check does at least once).
const lib = dlopen(conversions, { id_i32: { args: ["i32"], returns: "i32" } });
let calls = 0;
let t0 = performance.now();
while (performance.now() - t0 < budget) {
  for (let i = 0; i < 10000; i++) lib.symbols.id_i32(i);
  calls += 10000;
}
const rawCalls = rate(calls, performance.now() - t0);

// 1. In-process conversion checks: generate a value, call C, compare with the reference model.
function checks(only) {
  checkConversions({ only, numRuns: 300, seed: 2 }); // warm-up: declarations, callbacks and JIT
  // Median of three timed runs: the machine is shared and single runs swing widely.
  const rates = [1, 2, 3].map((seed) => {
    const r = checkConversions({ only, numRuns: 1000, timeMs: budget, seed });
    return rate(r.runs, r.elapsedMs);
  });
  return { rate: rates.sort((a, b) => a - b)[1] };
}
const identity = checks(/^identity:(i8|u8|i16|u16|i32|u32|i64|u64|f32|f64|bool|i64_fast|u64_fast)$/);
const all = checks(/^(identity|wide|callback|read|ptr|toArrayBuffer|CString):(?!cstring$|ptr$|function$)/);

// Reference 2: the same calls in process, for the isolated runner.
const inProcess = dlopen(planted, { add_i32: { args: ["i32", "i32"], returns: "i32" } });
calls = 0;
t0 = performance.now();
while (performance.now() - t0 < budget) {
  for (let i = 0; i < 10000; i++) inProcess.symbols.add_i32(i, 1);
  calls += 10000;
}
const inProcessCalls = rate(calls, performance.now() - t0);

// 2. Crash-isolated calls: batches sent to a child process, each call bracketed by synchronous breadcrumbs.
const runner = new IsolatedRunner({ library: planted, symbol: "add_i32", args: ["i32", "i32"], returns: "i32" });
await runner.start();
const batch = Array.from({ length: 2000 }, (_, i) => [i, 1]);
await runner.run(batch); // warm-up
calls = 0;
t0 = performance.now();
while (performance.now() - t0 < budget) {
  await runner.run(batch);
  calls += batch.length;
}
const isolatedCalls = rate(calls, performance.now() - t0);

// 3. One fresh child per call (how a crash is confirmed while shrinking).
let fresh = 0;
t0 = performance.now();
while (performance.now() - t0 < budget) {
  await runner.run([[1, 2]], { fresh: true });
  fresh++;
}
const freshCalls = rate(fresh, performance.now() - t0);
await runner.close();

const rows = [
  ["in-process conversion checks, identity of 13 scalar types", fmt(identity.rate), `${(identity.rate / rawCalls).toFixed(3)}x raw call`, identity.rate >= 50_000 ? "≥ 50 k/s: met" : "≥ 50 k/s: MISSED"],
  ["in-process conversion checks, all agreeing properties (wide, callbacks, read, ptr...)", fmt(all.rate), `${(all.rate / rawCalls).toFixed(3)}x raw call`, all.rate >= 50_000 ? "≥ 50 k/s: met" : "≥ 50 k/s: MISSED"],
  ["reference: bare core call id_i32(i), in process", fmt(rawCalls), "1x", ""],
  ["crash-isolated calls, batched in one child", fmt(isolatedCalls), `${(isolatedCalls / inProcessCalls).toFixed(4)}x in-process`, ""],
  ["crash-isolated calls, one fresh child each", fmt(freshCalls), `${(freshCalls / inProcessCalls).toExponential(1)}x in-process`, ""],
  ["reference: add_i32(i, 1) in process", fmt(inProcessCalls), "1x", ""],
];
const { loadavg, cpus } = await import("node:os");
console.log(`@ffi-kit/fuzz benchmark (${cpus()[0]?.model ?? "unknown CPU"} x${cpus().length}, node ${process.version}, ${seconds} s per row, load average ${loadavg()[0].toFixed(1)}, ${new Date().toISOString().slice(0, 10)})\n`);
console.log("| measurement | rate | ratio | target |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
