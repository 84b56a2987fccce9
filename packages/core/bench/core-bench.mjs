#!/usr/bin/env node
// Core's speed targets, as ratios against a reference measured in the same run (never absolute times):
// a core symbol call vs the same call through raw koffi; ptr() vs koffi.address; read.u8 vs koffi.decode.uint8;
// a JSCallback invoked from a C loop vs koffi's registered callback. Rounds alternate A and B and the median
// ratio is reported, so drift on a shared machine hits both sides alike.
//   node bench/core-bench.mjs [--rounds 9] [--json out.json]
import { fileURLToPath } from "node:url";
import { writeFileSync } from "node:fs";
import { dlopen, JSCallback, ptr, read } from "@ffi-kit/core";
import koffi from "koffi";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg("rounds", 9));
const path = fileURLToPath(new URL("../test/fixtures/build/libffi.so", import.meta.url));

const core = dlopen(path, {
  noop: { args: [], returns: "void" },
  add_int32_t: { args: ["i32", "i32"], returns: "i32" },
  add_double: { args: ["f64", "f64"], returns: "f64" },
  add_int64_t: { args: ["i64", "i64"], returns: "i64" },
  sum_buf: { args: ["ptr", "u32"], returns: "u32" },
  call_cb_n: { args: ["function", "i32"], returns: "i32" },
}).symbols;
// The same C function declared i64_fast: numbers in and out while they are safe integers, as koffi does.
const fast = dlopen(path, { add_int64_t: { args: ["i64_fast", "i64_fast"], returns: "i64_fast" } }).symbols;
const k = koffi.load(path);
const raw = {
  noop: k.func("void noop(void)"),
  add_int32_t: k.func("int32_t add_int32_t(int32_t, int32_t)"),
  add_double: k.func("double add_double(double, double)"),
  add_int64_t: k.func("int64_t add_int64_t(int64_t, int64_t)"),
  sum_buf: k.func("uint32_t sum_buf(const uint8_t *, uint32_t)"),
};
const CB = koffi.proto("int32_t bench_cb(int32_t)");
const rawCallCb = k.func("call_cb_n", "int32_t", [koffi.pointer(CB), "int32_t"]);

/**
 * A loop compiled on its own, so each case has its own inline caches. The source carries a unique number: V8 caches
 * `new Function` by source text, and two loops of the same text (ours and the reference) would share one feedback
 * vector, making each call site polymorphic (on Node 26 that kept `ptr()` from being inlined: 20+ ns instead of ~1).
 */
let loops = 0;
function loop(body, setup = "") {
  return new Function("f", "x", `"use strict"; /* loop ${++loops} */ return function run(n) { ${setup}; let s; for (let i = 0; i < n; i++) { ${body}; } return s; };`);
}
function timeOne(run, n) {
  const t0 = process.hrtime.bigint();
  run(n);
  return Number(process.hrtime.bigint() - t0) / n;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const bytes = new Uint8Array(64).fill(1);
const u8mem = new Uint8Array(4096).fill(3);
const u8ptr = ptr(u8mem);
const jsCb = new JSCallback((x) => x + 1, { args: ["i32"], returns: "i32" });
const kCb = koffi.register((x) => x + 1, koffi.pointer(CB));

// [name, A (ours), B (reference), iterations per round, target ratio A/B, "max" | "min"]
const cases = [
  ["noop()", loop("s = f()")(core.noop), loop("s = f()")(raw.noop), 2e6, 1.1, "max"],
  ["add(i32, i32)", loop("s = f(i, 1)")(core.add_int32_t), loop("s = f(i, 1)")(raw.add_int32_t), 2e6, 1.1, "max"],
  ["add(f64, f64)", loop("s = f(i, 1.5)")(core.add_double), loop("s = f(i, 1.5)")(raw.add_double), 2e6, 1.1, "max"],
  ["add(i64, i64) -> i64", loop("s = f(1n, 2n)")(core.add_int64_t), loop("s = f(1n, 2n)")(raw.add_int64_t), 1e6, 1.1, "max"],
  ["add(i64_fast, i64_fast) -> i64_fast", loop("s = f(i, 2)")(fast.add_int64_t), loop("s = f(i, 2)")(raw.add_int64_t), 1e6, 1.1, "max"],
  ["sum_buf(Uint8Array(64), u32)", loop("s = f(x, 64)")(core.sum_buf, bytes), loop("s = f(x, 64)")(raw.sum_buf, bytes), 1e6, 1.1, "max"],
  ["ptr(view) vs koffi.address", loop("s = f(x)")(ptr, bytes), loop("s = f(x)")(koffi.address, bytes), 2e6, 1 / 3, "max"],
  ["read.u8 vs koffi.decode.uint8", loop("s = f(x, i & 1023)")(read.u8, u8ptr), loop("s = f(x + (i & 1023))")(koffi.decode.uint8, u8ptr), 2e6, 1 / 5, "max"],
  ["JSCallback from a C loop (per call)", loop("s = f(x, 1000)")(core.call_cb_n, jsCb.ptr), loop("s = f(x, 1000)")(rawCallCb, kCb), 2e3, 1.1, "max"],
];

const results = [];
for (const [name, a, b, n, target] of cases) {
  a(Math.min(n, 1e5)); b(Math.min(n, 1e5)); // warm up and let both optimise
  const ra = [], rb = [], ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    const ta = timeOne(a, n), tb = timeOne(b, n);
    ra.push(ta); rb.push(tb); ratios.push(ta / tb);
  }
  const ratio = median(ratios);
  const perCall = name.startsWith("JSCallback") ? 1000 : 1;
  results.push({ name, oursNs: median(ra) / perCall, referenceNs: median(rb) / perCall, ratio, target, meets: ratio <= target });
}
jsCb.close();

const fmt = (x) => x.toFixed(x < 10 ? 2 : 1);
console.log(`@ffi-kit/core benchmark: Node ${process.version}, koffi ${koffi.version}, ${ROUNDS} alternating rounds, medians`);
console.log("| case | ffi-kit ns/op | reference ns/op | ratio | target | |");
console.log("|---|---|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.name} | ${fmt(r.oursNs)} | ${fmt(r.referenceNs)} | ${r.ratio.toFixed(3)}x | ≤ ${r.target < 1 ? `${(1 / r.target).toFixed(0)}x faster (${r.target.toFixed(2)}x)` : `${r.target.toFixed(2)}x`} | ${r.meets ? "meets" : "MISSES"} |`);
}
const out = arg("json");
if (out) writeFileSync(out, JSON.stringify({ node: process.version, rounds: ROUNDS, results }, null, 2));
