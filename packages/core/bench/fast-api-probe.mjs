#!/usr/bin/env node
// Measures the candidate fast-call routes against raw koffi in the same run, on the running Node:
//   - ffi-kit's V8 Fast API addon (fast-engine/<platform>-<arch>-abi<modules>/, built for this Node major by
//     scripts/build-fast-engine.mjs), called directly with the target address as its first argument: noop, add(i32, i32), add(f64, f64); the addon's counters say
//     whether V8 took the fast entry once the loop was optimised;
//   - node:ffi, where it exists (Node 26 with --experimental-ffi), same three calls.
// Rounds alternate the candidates and the median ns/call and ratio to koffi are printed.
//   node [--experimental-ffi] bench/fast-api-probe.mjs [--rounds 7] [--calls 5000000] [--addon path]
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import koffi from "koffi";

const require = createRequire(import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg("rounds", 7));
const N = Number(arg("calls", 5_000_000));
const lib = fileURLToPath(new URL("../test/fixtures/build/libffi.so", import.meta.url));
const addonPath = resolve(arg("addon", fileURLToPath(new URL(`../fast-engine/${process.platform}-${process.arch}-abi${process.versions.modules}/ffi_kit_fast.node`, import.meta.url))));

const k = koffi.load(lib);
const koffiFns = {
  noop: k.func("void noop(void)"),
  add_i32: k.func("int32_t add_int32_t(int32_t, int32_t)"),
  add_f64: k.func("double add_double(double, double)"),
};
const symbolAddress = (name) => Number(k.symbol(name));

const candidates = { koffi: koffiFns };
let addon;
try {
  addon = require(addonPath);
  const code = (s) => [...s].map((c) => c.charCodeAt(0));
  const noopE = addon.entry(...code("v"));
  const addI = addon.entry(...code("iii"));
  const addD = addon.entry(...code("ddd"));
  const aNoop = symbolAddress("noop");
  const aAddI = symbolAddress("add_int32_t");
  const aAddD = symbolAddress("add_double");
  candidates.fastapi = {
    noop: () => noopE(aNoop),
    add_i32: (a, b) => addI(aAddI, a, b),
    add_f64: (a, b) => addD(aAddD, a, b),
  };
} catch (e) {
  console.log(`fast API addon: not loaded (${e.message.split("\n")[0]})`);
}
let nodeFfi;
try {
  nodeFfi = process.getBuiltinModule?.("node:ffi");
} catch {}
if (nodeFfi) {
  const { functions: s } = nodeFfi.dlopen(lib, {
    noop: { arguments: [], return: "void" },
    add_int32_t: { arguments: ["i32", "i32"], return: "i32" },
    add_double: { arguments: ["f64", "f64"], return: "f64" },
  });
  candidates["node:ffi"] = { noop: s.noop, add_i32: s.add_int32_t, add_f64: s.add_double };
}

// One loop per (candidate, call) pair, built by hand so that each call site sees one function only.
function loops(f) {
  return {
    noop(n) {
      const g = f.noop;
      for (let i = 0; i < n; i++) g();
      return 0;
    },
    add_i32(n) {
      const g = f.add_i32;
      let x = 0;
      for (let i = 0; i < n; i++) x = g(i, x & 1023);
      return x;
    },
    add_f64(n) {
      const g = f.add_f64;
      let x = 0;
      for (let i = 0; i < n; i++) x = g(i + 0.5, x * 0.25);
      return x;
    },
  };
}
// Fresh closures per candidate (so V8 optimises each loop for its own callee).
const bench = Object.fromEntries(Object.entries(candidates).map(([name, f]) => [name, loops(f)]));
// Check results agree before timing.
for (const [name, f] of Object.entries(candidates)) {
  const a = f.add_i32(2, 3), b = f.add_f64(1.5, 2.25), c = f.add_i32(-2147483648, -1);
  if (a !== 5 || b !== 3.75 || c !== 2147483647) throw new Error(`${name}: wrong results ${a} ${b} ${c}`);
}
const calls = ["noop", "add_i32", "add_f64"];
const samples = {};
for (const name of Object.keys(bench)) for (const c of calls) bench[name][c](20000); // warm up
const before = addon?.counters();
for (let r = 0; r < ROUNDS; r++) {
  for (const c of calls) {
    for (const name of Object.keys(bench)) {
      const t0 = process.hrtime.bigint();
      bench[name][c](N);
      const ns = Number(process.hrtime.bigint() - t0) / N;
      ((samples[name] ??= {})[c] ??= []).push(ns);
    }
  }
}
const after = addon?.counters();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpu = (await import("node:os")).cpus()[0]?.model ?? "unknown CPU";
console.log(`Node ${process.versions.node} (V8 ${process.versions.v8}), ${cpu}; ${ROUNDS} rounds x ${N} calls, median`);
for (const c of calls) {
  const base = median(samples.koffi[c]);
  const cells = Object.keys(bench).map((name) => {
    const m = median(samples[name][c]);
    return `${name} ${m.toFixed(1)} ns (${(m / base).toFixed(2)}x)`;
  });
  console.log(`${c.padEnd(8)} ${cells.join("  |  ")}`);
}
if (addon) {
  const fast = after[0] - before[0], slow = after[1] - before[1];
  console.log(`fast API addon (V8 ${addon.v8}): ${fast} fast-entry calls, ${slow} slow-entry calls during the timed rounds`);
}
