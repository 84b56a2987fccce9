#!/usr/bin/env node
// Nonblocking calls, as ratios against references measured in the same run:
// 1. overhead: batches of concurrent nonblocking calls of a C add vs the same batches through koffi's `.async`
//    (with its callbacks, and wrapped in Promises as a user would); rounds alternate and the median is reported;
// 2. throughput: 10 000 calls of a 1 ms C sleep issued at once, against the ideal for the pool
//    (10 000 x the measured time of one call / calls running at once).
//   node bench/nonblocking-bench.mjs [--rounds 9] [--batch 64] [--calls 10000]
import { fileURLToPath } from "node:url";
import { availableParallelism, cpus } from "node:os";
import { configureNonblocking, dlopen } from "@ffi-kit/core";
import koffi from "koffi";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg("rounds", 9);
const BATCH = arg("batch", 64);
const CALLS = arg("calls", 10_000);
const BATCHES = 200;
const path = fileURLToPath(new URL("../test/fixtures/build/libnonblocking.so", import.meta.url));
const { symbols } = dlopen(path, {
  nb_add: { args: ["i32", "i32"], returns: "i32", nonblocking: true },
  nb_sleep_ms: { args: ["i32"], returns: "i32", nonblocking: true },
});
const blockingSleep = dlopen(path, { nb_sleep_ms: { args: ["i32"], returns: "i32" } }).symbols.nb_sleep_ms;
const rawAdd = koffi.load(path).func("int32_t nb_add(int32_t, int32_t)");

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function ours() {
  for (let b = 0; b < BATCHES; b++) {
    const calls = new Array(BATCH);
    for (let i = 0; i < BATCH; i++) calls[i] = symbols.nb_add(i, b);
    await Promise.all(calls);
  }
}
function koffiCallbacks() {
  return new Promise((done) => {
    let b = 0;
    const batch = () => {
      if (b++ === BATCHES) return done();
      let left = BATCH;
      for (let i = 0; i < BATCH; i++) rawAdd.async(i, b, () => --left === 0 && batch());
    };
    batch();
  });
}
async function koffiPromises() {
  for (let b = 0; b < BATCHES; b++) {
    const calls = new Array(BATCH);
    for (let i = 0; i < BATCH; i++) calls[i] = new Promise((res, rej) => rawAdd.async(i, b, (e, r) => (e ? rej(e) : res(r))));
    await Promise.all(calls);
  }
}
async function time(f) {
  const t = now();
  await f();
  return now() - t;
}

configureNonblocking({ maxInFlight: BATCH });
await ours(), await koffiCallbacks(), await koffiPromises(); // warm-up
const ratios = { callbacks: [], promises: [] };
const perCall = { ours: [], callbacks: [], promises: [] };
for (let r = 0; r < ROUNDS; r++) {
  const a = await time(ours);
  const b = await time(koffiCallbacks);
  const c = await time(koffiPromises);
  ratios.callbacks.push(a / b);
  ratios.promises.push(a / c);
  const n = BATCH * BATCHES;
  perCall.ours.push((a * 1000) / n);
  perCall.callbacks.push((b * 1000) / n);
  perCall.promises.push((c * 1000) / n);
}

// Throughput: how many calls run at once is min(maxInFlight, libuv's pool).
const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
configureNonblocking({ maxInFlight: Math.min(pool, 256) });
const single = median(Array.from({ length: 50 }, () => { const t = now(); blockingSleep(1); return now() - t; }));
const throughput = [];
for (let r = 0; r < 3; r++) {
  throughput.push(await time(() => Promise.all(Array.from({ length: CALLS }, () => symbols.nb_sleep_ms(1)))));
}
const measured = median(throughput);
const ideal = (CALLS * single) / Math.min(pool, 256);

const f = (x, d = 2) => x.toFixed(d);
console.log(`Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} CPUs, UV_THREADPOOL_SIZE=${pool}; median of ${ROUNDS} rounds`);
console.log("");
console.log("| case | per call | ratio |");
console.log("|---|---|---|");
console.log(`| nonblocking symbol, batches of ${BATCH} (Promise, conversions, queue) | ${f(median(perCall.ours))} µs | 1.00x |`);
console.log(`| koffi \`.async\` with callbacks, same batches | ${f(median(perCall.callbacks))} µs | ours ${f(median(ratios.callbacks))}x |`);
console.log(`| koffi \`.async\` wrapped in a Promise, same batches | ${f(median(perCall.promises))} µs | ours ${f(median(ratios.promises))}x |`);
console.log("");
console.log(`| ${CALLS} concurrent 1 ms calls, ${Math.min(pool, 256)} at once | time | vs ideal |`);
console.log("|---|---|---|");
console.log(`| one blocking call (reference) | ${f(single, 3)} ms | |`);
console.log(`| ideal (${CALLS} x ${f(single, 3)} ms / ${Math.min(pool, 256)}) | ${f(ideal, 0)} ms | 1.00x |`);
console.log(`| measured (median of 3) | ${f(measured, 0)} ms | ${f(measured / ideal)}x |`);
