#!/usr/bin/env node
// Threadsafe callback throughput: 4 native threads call a `void (int32, int32)` callback; the figure is calls
// delivered to JS per second, from the start of the producers until the last call ran (end to end).
// Measured in the same run: @ffi-kit/callbacks (4 × 2.5 M calls, in this process), koffi's registered callback called
// from foreign threads (it blocks each caller until the JS thread ran it: 100x fewer calls, child process), and Bun's
// JSCallback({ threadsafe: true }) when a bun binary is found ($BUN, node_modules/@oven/bun-linux-x64/bin/bun, or
// bun on PATH; 10x fewer calls, child process). The figure of each is the median of --runs runs.
// Usage: node bench/callbacks-bench.mjs [--per-thread N] [--runs R]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dlopen } from "@ffi-kit/core";
import { ThreadsafeCallback } from "@ffi-kit/callbacks";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const T = 4;
const PER_THREAD = option("--per-thread", 2_500_000);
const RUNS = option("--runs", 3);
const KOFFI_PER_THREAD = Math.max(1000, Math.round(PER_THREAD / 100));
const BUN_PER_THREAD = Math.max(1000, Math.round(PER_THREAD / 10));

const library = fileURLToPath(new URL("../test/fixtures/build/libproducers.so", import.meta.url));
const lib = dlopen(library, {
  start_pairs: { args: ["ptr", "i32", "i32"], returns: "void" },
  join_all: { args: [], returns: "void" },
});

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

/** One end-to-end run of @ffi-kit/callbacks. */
async function runOurs(perThread) {
  const total = T * perThread;
  const last = new Int32Array(T).fill(-1);
  let got = 0;
  let disorder = 0;
  const all = deferred();
  const cb = new ThreadsafeCallback(
    (id, i) => {
      if (i !== last[id] + 1) disorder++;
      last[id] = i;
      if (++got === total) all.resolve();
    },
    { args: ["i32", "i32"], returns: "void" },
  );
  const t0 = performance.now();
  lib.symbols.start_pairs(cb.ptr, T, perThread);
  await all.promise;
  const ms = performance.now() - t0;
  lib.symbols.join_all();
  const stats = cb.stats();
  await cb.close();
  return { calls: total, ms, disorder, batches: stats.batches, highWaterMark: stats.highWaterMark };
}

/** One run of koffi's registered callback called from the fixture's threads, in a child process (see koffi-threads.mjs). */
function runKoffi(perThread) {
  const script = fileURLToPath(new URL("./koffi-threads.mjs", import.meta.url));
  const r = spawnSync(process.execPath, [script, library, String(T), String(perThread)], { encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`koffi run failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

function findBun() {
  const candidates = [
    process.env.BUN,
    fileURLToPath(new URL("../../../node_modules/@oven/bun-linux-x64/bin/bun", import.meta.url)),
    fileURLToPath(new URL("../node_modules/@oven/bun-linux-x64/bin/bun", import.meta.url)),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    return execFileSync("which", ["bun"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function runBun(bun, perThread) {
  const script = fileURLToPath(new URL("./bun-threadsafe.mjs", import.meta.url));
  const r = spawnSync(bun, [script, library, String(T), String(perThread)], { encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`bun failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

const rate = (r) => r.calls / (r.ms / 1000);
const fmt = (x) => `${(x / 1e6).toFixed(3)} M/s`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`threadsafe callbacks: ${T} producer threads, void (i32, i32), ${RUNS} runs each, median shown (Node ${process.version})`);
const ours = [];
const koffiRuns = [];
const bunRuns = [];
const bun = findBun();
await runOurs(Math.min(PER_THREAD, 100_000)); // warm-up
for (let r = 0; r < RUNS; r++) {
  ours.push(await runOurs(PER_THREAD));
  koffiRuns.push(runKoffi(KOFFI_PER_THREAD));
  if (bun) bunRuns.push(runBun(bun, BUN_PER_THREAD));
}
const oursRate = median(ours.map(rate));
const koffiRate = median(koffiRuns.map(rate));
const bunRate = bunRuns.length ? median(bunRuns.map(rate)) : undefined;
const disorder = [...ours, ...koffiRuns, ...bunRuns].reduce((s, r) => s + r.disorder, 0);

const rows = [
  ["@ffi-kit/callbacks `ThreadsafeCallback`", `${T} × ${PER_THREAD.toLocaleString("en-US")}`, fmt(oursRate), "1.0x"],
  [
    "koffi 3 registered callback, called from foreign threads",
    `${T} × ${KOFFI_PER_THREAD.toLocaleString("en-US")}`,
    fmt(koffiRate),
    `${(oursRate / koffiRate).toFixed(1)}x`,
  ],
];
if (bunRate !== undefined) {
  const version = spawnSync(bun, ["--version"], { encoding: "utf8" }).stdout.trim();
  rows.push([`Bun ${version} \`JSCallback({ threadsafe: true })\``, `${T} × ${BUN_PER_THREAD.toLocaleString("en-US")}`, fmt(bunRate), `${(oursRate / bunRate).toFixed(1)}x`]);
}
console.log("");
console.log("| implementation | calls | delivered calls/s | @ffi-kit/callbacks is faster by |");
console.log("|---|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log("");
console.log(
  `per-producer order violations: ${disorder}; @ffi-kit/callbacks batches per run: ${median(ours.map((r) => r.batches))}, high-water mark: ${median(ours.map((r) => r.highWaterMark))}` +
    (bun ? "" : "; Bun not measured (no bun binary: set BUN=/path/to/bun)"),
);
