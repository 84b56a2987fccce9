#!/usr/bin/env node
// What callback thunks cost and give back, each figure a ratio against raw koffi measured in the same process
// (alternating rounds, medians), in child processes:
// - a C loop calling a JSCallback (`call_cb_n(cb.ptr, 1000)`, per callback) against the same loop calling a callback
//   registered with raw koffi: with the fast engine (the pointer is a thunk that jumps to koffi's trampoline) and
//   with FFI_KIT_ENGINE=koffi (the pointer is koffi's trampoline itself, no thunk);
//   and, in one process, the same core call with one koffi callback's own address and with a thunk to it (the
//   thunk's own cost: the ratio is thunk / trampoline);
// - add(i32, i32) through core against raw koffi: with no callback ever created, after a JSCallback was created and
//   closed (its thunk returns zero natively, so core takes the fast entry again), and while one is open (koffi).
//   node bench/callback-thunk-bench.mjs [--rounds 9]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg("rounds", 9));
const LOOP = 1000;

if (process.argv.includes("--child")) {
  const mode = arg("child");
  const { dlopen, JSCallback, callbackStats } = await import("@ffi-kit/core");
  const { default: koffi } = await import("koffi");
  const path = fileURLToPath(new URL("../test/fixtures/build/libffi.so", import.meta.url));
  const core = dlopen(path, { call_cb_n: { args: ["ptr", "i32"], returns: "i32" }, add_int32_t: { args: ["i32", "i32"], returns: "i32" } }).symbols;
  const k = koffi.load(path);
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const time = (run, n, ops) => {
    const t0 = process.hrtime.bigint();
    run(n);
    return Number(process.hrtime.bigint() - t0) / (n * ops);
  };
  const compare = (a, b, n, ops) => {
    a(Math.max(1, n / 10));
    b(Math.max(1, n / 10));
    const ra = [], rb = [], ratios = [];
    for (let r = 0; r < ROUNDS; r++) {
      const ta = time(a, n, ops), tb = time(b, n, ops);
      ra.push(ta); rb.push(tb); ratios.push(ta / tb);
    }
    return { coreNs: median(ra), koffiNs: median(rb), ratio: median(ratios) };
  };
  const inc = (x) => x + 1;
  let result;
  if (mode === "loop") {
    const cb = new JSCallback(inc, { args: ["i32"], returns: "i32" });
    const proto = koffi.proto("int32_t bench_thunk_cb(int32_t)");
    const kcb = koffi.register(inc, koffi.pointer(proto));
    const rawLoop = k.func("int32_t call_cb_n(bench_thunk_cb *, int32_t)");
    const p = cb.ptr;
    let s = 0;
    result = compare((n) => { for (let i = 0; i < n; i++) s += core.call_cb_n(p, LOOP); }, (n) => { for (let i = 0; i < n; i++) s += rawLoop(kcb, LOOP); }, 300, LOOP);
    result.thunk = callbackStats().thunks.used > 0;
  } else if (mode === "thunk-vs-trampoline") {
    // One koffi callback called by the same core symbol through a thunk of the addon and through its own address.
    const { createRequire } = await import("node:module");
    const addonFile = fileURLToPath(new URL(`../fast-engine/${process.platform}-${process.arch}-abi${process.versions.modules}/ffi_kit_fast.node`, import.meta.url));
    const addon = createRequire(import.meta.url)(addonFile);
    const kcb = koffi.register(inc, koffi.pointer(koffi.proto("int32_t bench_thunk_cb(int32_t)")));
    const trampoline = Number(koffi.address(kcb));
    const thunk = addon.thunkOpen(trampoline);
    if (typeof thunk !== "number") throw new Error("no thunk on this platform");
    let s = 0;
    result = compare((n) => { for (let i = 0; i < n; i++) s += core.call_cb_n(thunk, LOOP); }, (n) => { for (let i = 0; i < n; i++) s += core.call_cb_n(trampoline, LOOP); }, 300, LOOP);
  } else {
    if (mode === "closed" || mode === "open") {
      const cb = new JSCallback(inc, { args: ["i32"], returns: "i32" });
      if (core.call_cb_n(cb.ptr, 10) !== 55) throw new Error("callback did not run");
      if (mode === "closed") cb.close();
    }
    const raw = k.func("int32_t add_int32_t(int32_t, int32_t)");
    const f = core.add_int32_t;
    let s = 0;
    result = compare((n) => { for (let i = 0; i < n; i++) s = f(i, 1); }, (n) => { for (let i = 0; i < n; i++) s = raw(i, 1); }, 2e6, 1);
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}

const run = (mode, engine) => {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, "--rounds", String(ROUNDS)], {
    encoding: "utf8",
    env: { ...process.env, FFI_KIT_ENGINE: engine },
  });
  if (r.status !== 0) throw new Error(`${mode} (${engine}): ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const fmt = (x) => x.toFixed(x < 10 ? 2 : 1);
console.log(`core callback thunks: Node ${process.version} (V8 ${process.versions.v8}), ${cpus()[0]?.model ?? "unknown CPU"}, ${ROUNDS} alternating rounds, medians; ratio = core / raw koffi in the same process`);
console.log("| case | engine | core ns / raw koffi ns | ratio |");
console.log("|---|---|---|---|");
for (const [name, mode, engine] of [
  [`call_cb_n(cb.ptr, ${LOOP}), per callback: pointer is koffi's trampoline`, "loop", "koffi"],
  [`call_cb_n(cb.ptr, ${LOOP}), per callback: pointer is a thunk`, "loop", "fast"],
  [`call_cb_n(p, ${LOOP}), per callback, one koffi callback: p = a thunk vs p = its trampoline (ratio thunk / trampoline)`, "thunk-vs-trampoline", "fast"],
  ["add(i32, i32), no callback created", "none", "fast"],
  ["add(i32, i32), after a JSCallback was created and closed", "closed", "fast"],
  ["add(i32, i32), while a JSCallback is open", "open", "fast"],
]) {
  const r = run(mode, engine);
  if (mode === "loop" && r.thunk !== (engine === "fast")) throw new Error(`${name}: expected thunk=${engine === "fast"}`);
  console.log(`| ${name} | ${engine} | ${fmt(r.coreNs)} / ${fmt(r.koffiNs)} | ${r.ratio.toFixed(2)}x |`);
}
