#!/usr/bin/env node
// The fast-call engine against raw koffi: each case is a core symbol call timed against the same C function
// called through raw koffi in the same process (alternating rounds, median ratio), once with core's engine
// FFI_KIT_ENGINE=koffi and once with FFI_KIT_ENGINE=fast (each in its own child process, since the engine is
// chosen when core loads). No JSCallback exists during the cases: while one is open, core calls through koffi.
//   node bench/fast-engine-bench.mjs [--rounds 9] [--json out.json]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg("rounds", 9));

if (process.argv.includes("--child")) {
  const { dlopen, ptr } = await import("@ffi-kit/core");
  const { default: koffi } = await import("koffi");
  const path = fileURLToPath(new URL("../test/fixtures/build/libffi.so", import.meta.url));
  const decls = {
    noop: { args: [], returns: "void" },
    add_int32_t: { args: ["i32", "i32"], returns: "i32" },
    add_double: { args: ["f64", "f64"], returns: "f64" },
    add_float: { args: ["f32", "f32"], returns: "f32" },
    add_uint8_t: { args: ["u8", "u8"], returns: "u8" },
    sum_buf: { args: ["ptr", "u32"], returns: "u32" },
    add_int64_t: { args: ["i64_fast", "i64_fast"], returns: "i64_fast" },
    returns_neg_42_int64_t: { args: [], returns: "i64" },
    returns_i64_min: { args: [], returns: "i64_fast" },
  };
  const core = dlopen(path, decls).symbols;
  const k = koffi.load(path);
  const raw = {
    noop: k.func("void noop(void)"),
    add_int32_t: k.func("int32_t add_int32_t(int32_t, int32_t)"),
    add_double: k.func("double add_double(double, double)"),
    add_float: k.func("float add_float(float, float)"),
    add_uint8_t: k.func("uint8_t add_uint8_t(uint8_t, uint8_t)"),
    sum_buf: k.func("uint32_t sum_buf(const uint8_t *, uint32_t)"),
    add_int64_t: k.func("int64_t add_int64_t(int64_t, int64_t)"),
    returns_neg_42_int64_t: k.func("int64_t returns_neg_42_int64_t(void)"),
    returns_i64_min: k.func("int64_t returns_i64_min(void)"),
  };
  let loops = 0;
  // Each loop compiled on its own (unique source), so each call site has its own feedback.
  const loop = (body) => new Function("f", "x", `"use strict"; /* loop ${++loops} */ return function run(n) { let s; for (let i = 0; i < n; i++) { ${body}; } return s; };`);
  const bytes = new Uint8Array(64).fill(1);
  const address = ptr(bytes);
  const cases = [
    ["noop()", "s = f()", "noop", 2e6],
    ["add(i32, i32)", "s = f(i, 1)", "add_int32_t", 2e6],
    ["add(f64, f64)", "s = f(i, 1.5)", "add_double", 2e6],
    ["add(f32, f32)", "s = f(i, 1.5)", "add_float", 2e6],
    ["add(u8, u8)", "s = f(i & 255, 1)", "add_uint8_t", 2e6],
    ["sum_buf(ptr(view) as a number, u32)", "s = f(x, 64)", "sum_buf", 1e6],
    ["sum_buf(Uint8Array(64), u32)", "s = f(x, 64)", "sum_buf", 1e6, bytes],
    ["add(i64_fast, i64_fast)", "s = f(i, 1)", "add_int64_t", 2e6],
    ["i64 return (bigint)", "s = f()", "returns_neg_42_int64_t", 2e6],
    // Not a safe integer: the engine's slow case (NaN from the entry, the BigInt read from the slot).
    ["i64_fast return INT64_MIN (bigint)", "s = f()", "returns_i64_min", 2e6],
  ];
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const time = (run, n) => {
    const t0 = process.hrtime.bigint();
    run(n);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  const results = [];
  for (const [name, body, sym, n, view] of cases) {
    const x = view ?? (sym === "sum_buf" ? address : undefined);
    const a0 = loop(body)(core[sym], x), b0 = loop(body)(raw[sym], x);
    const a = (m) => a0(m), b = (m) => b0(m);
    a(1e5); b(1e5);
    const ra = [], rb = [], ratios = [];
    for (let r = 0; r < ROUNDS; r++) {
      const ta = time(a, n), tb = time(b, n);
      ra.push(ta); rb.push(tb); ratios.push(ta / tb);
    }
    results.push({ name, coreNs: median(ra), koffiNs: median(rb), ratio: median(ratios), source: core[sym].source.includes("X(T") ? "fast" : "koffi" });
  }
  console.log(JSON.stringify(results));
  process.exit(0);
}

const run = (engine) => {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", "--rounds", String(ROUNDS)], {
    encoding: "utf8",
    env: { ...process.env, FFI_KIT_ENGINE: engine },
  });
  if (r.status !== 0) throw new Error(`engine ${engine}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const koffiEngine = run("koffi");
const fastEngine = run("fast");
const fmt = (x) => x.toFixed(x < 10 ? 2 : 1);
console.log(`core fast engine vs koffi: Node ${process.version} (V8 ${process.versions.v8}), ${cpus()[0]?.model ?? "unknown CPU"}, ${ROUNDS} alternating rounds, medians; ratio = core / raw koffi in the same process`);
console.log("| case | koffi engine: core ns / raw koffi ns | ratio | fast engine: core ns / raw koffi ns | ratio | engine used |");
console.log("|---|---|---|---|---|---|");
koffiEngine.forEach((k, i) => {
  const f = fastEngine[i];
  console.log(`| ${k.name} | ${fmt(k.coreNs)} / ${fmt(k.koffiNs)} | ${k.ratio.toFixed(2)}x | ${fmt(f.coreNs)} / ${fmt(f.koffiNs)} | ${f.ratio.toFixed(2)}x | ${f.source} |`);
});
const out = arg("json");
if (out) writeFileSync(out, JSON.stringify({ node: process.version, v8: process.versions.v8, rounds: ROUNDS, koffi: koffiEngine, fast: fastEngine }, null, 2));
