// Small loops outside benchmark.js, for finding out what a V8 version does with read.* and ptr(): core's own
// functions, raw koffi, and candidate implementations (candidates.mjs) side by side, each compiled on its own, in
// 15 interleaved rounds, fastest round kept, timed by the measuring thread's CPU time (the bench addon's clock).
//   node scripts/v8-probe/probe.mjs [case,case,...]     (after pnpm build; run under each Node to compare)
import { createRequire } from "node:module";
const require = createRequire(new URL("../../../core/package.json", import.meta.url));
const koffi = require("koffi");
const addon = createRequire(import.meta.url)("../../build/Release/ffi_kit_bench_floor.node");
const core = await import(new URL("../../../core/dist/index.js", import.meta.url).href);
const cand = await import("./candidates.mjs");
const which = process.argv[2];
const clk = addon.threadCpuHrtime;
const ns = () => { const [s, n] = clk(); return s * 1e9 + n; };
const mem = new Uint8Array(8192).fill(3);
const base = Number(koffi.address(mem));
const bytes = new Uint8Array(64);
const sink = { v: 0 };
function time(body, env, iters = 2e6) {
  const names = Object.keys(env);
  const f = new Function(...names, `"use strict"; return function(n){ let off = 0; for (let i = 0; i < n; i++) { off = (off + 1) & 1023; sink.v = ${body}; } };`)(...names.map((k) => env[k]));
  f(1e5); f(1e5);
  let best = Infinity;
  for (let r = 0; r < 9; r++) { const t0 = ns(); f(iters); const t = ns() - t0; best = Math.min(best, t / iters); }
  return best;
}
const env = { sink, base, bytes, koffi, core, cand };
const cases = {
  koffi_decode: ["koffi.decode.uint8(base + off)", env],
  core_read_u8: ["core.read.u8(base, off)", env],
  core_read_i32: ["core.read.i32(base, off)", env],
  koffi_address: ["koffi.address(bytes)", env],
  core_ptr: ["core.ptr(bytes)", env],
  empty: ["off", env],
};
for (const [k, f] of Object.entries(cand.reads)) cases["cand_read_" + k] = [`cand.reads.${k}(base, off)`, env];
for (const [k, f] of Object.entries(cand.ptrs)) cases["cand_ptr_" + k] = [`cand.ptrs.${k}(bytes)`, env];
const sel = which ? which.split(",") : Object.keys(cases);
const fns = {};
for (const k of sel) { const [b, e] = cases[k]; const names = Object.keys(e);
  fns[k] = new Function(...names, `"use strict"; return function(n){ let off = 0; for (let i = 0; i < n; i++) { off = (off + 1) & 1023; sink.v = ${b}; } };`)(...names.map((x) => e[x]));
  fns[k](2e5); fns[k](2e5); }
const out = Object.fromEntries(sel.map((k) => [k, Infinity]));
for (let r = 0; r < 15; r++) for (const k of (r % 2 ? [...sel].reverse() : sel)) { const t0 = ns(); fns[k](5e5); out[k] = Math.min(out[k], (ns() - t0) / 5e5); }
console.log(JSON.stringify({ node: process.version, ...Object.fromEntries(Object.entries(out).map(([k, v]) => [k, +v.toFixed(2)])) }));
