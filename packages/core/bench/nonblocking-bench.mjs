#!/usr/bin/env node
// Nonblocking calls, as ratios against references measured in the same run, all with default settings:
// 1. overhead: batches of 64 concurrent nonblocking calls of a C add vs the same batches through koffi's `.async`
//    (all 64 at once with callbacks, and wrapped in Promises as a user would; and, as the reference closest to what
//    the queue does, at most as many in flight as the queue hands over, each completion starting the next);
//    rounds alternate and the median of the per-round ratios is reported;
// 2. throughput: 10 000 calls of a 1 ms C sleep issued at once, against the ideal for libuv's pool
//    (10 000 x the measured time of one call / the pool's threads), and against what the machine gives as many C
//    threads sleeping 1 ms back to back (the same 10 000 sleeps, no queue, no JS); rounds alternate.
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
const { nb_sleep_ms: blockingSleep, nb_threads_sleep_ms: threadsSleep } = dlopen(path, {
  nb_sleep_ms: { args: ["i32"], returns: "i32" },
  nb_threads_sleep_ms: { args: ["i32", "i32", "i32"], returns: "f64" },
}).symbols;
const rawAdd = koffi.load(path).func("int32_t nb_add(int32_t, int32_t)");
const { maxInFlight } = configureNonblocking();
const threads = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? "", 10) || 4;

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
/** koffi's `.async` with callbacks, at most `maxInFlight` of a batch in flight: each completion issues the next call. */
function koffiLimited() {
  return new Promise((done) => {
    let b = 0;
    const batch = () => {
      if (b++ === BATCHES) return done();
      let left = BATCH;
      let issued = 0;
      const next = () => {
        if (issued === BATCH) return;
        const i = issued++;
        // The next call after this callback has returned, when koffi has freed the call's memory for it.
        rawAdd.async(i, b, () => (--left === 0 ? batch() : queueMicrotask(next)));
      };
      for (let k = 0; k < Math.min(maxInFlight, BATCH); k++) next();
    };
    batch();
  });
}
async function time(f) {
  const t = now();
  await f();
  return now() - t;
}

const cases = { ours, koffiCallbacks, koffiPromises, koffiLimited };
for (const f of Object.values(cases)) await f(); // warm-up
const perCall = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const ratios = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const n = BATCH * BATCHES;
for (let r = 0; r < ROUNDS; r++) {
  const t = {};
  for (const [k, f] of Object.entries(cases)) t[k] = await time(f);
  for (const k of Object.keys(cases)) {
    perCall[k].push((t[k] * 1000) / n);
    ratios[k].push(t.ours / t[k]);
  }
}

// Throughput with the default settings: calls handed to libuv beyond its threads wait there for a free thread.
const single = median(Array.from({ length: 50 }, () => { const t = now(); blockingSleep(1); return now() - t; }));
const throughput = [];
const cThreads = [];
for (let r = 0; r < 3; r++) {
  throughput.push(await time(() => Promise.all(Array.from({ length: CALLS }, () => symbols.nb_sleep_ms(1)))));
  cThreads.push(threadsSleep(threads, Math.ceil(CALLS / threads), 1));
}
const measured = median(throughput);
const machine = median(cThreads);
const ideal = (CALLS * single) / threads;

const f = (x, d = 2) => x.toFixed(d);
const row = (label, k) => console.log(`| ${label} | ${f(median(perCall[k]))} µs | ${k === "ours" ? "1.00x" : `ours ${f(median(ratios[k]))}x`} |`);
console.log(`Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} CPUs, UV_THREADPOOL_SIZE=${threads}, maxInFlight=${maxInFlight} (default); median of ${ROUNDS} rounds`);
console.log("");
console.log("| case | per call | ratio |");
console.log("|---|---|---|");
row(`nonblocking symbol, batches of ${BATCH} (Promise, conversions, queue)`, "ours");
row(`koffi \`.async\` with callbacks, ${BATCH} at once`, "koffiCallbacks");
row(`koffi \`.async\` wrapped in a Promise, ${BATCH} at once`, "koffiPromises");
row(`koffi \`.async\` with callbacks, at most ${maxInFlight} in flight`, "koffiLimited");
console.log("");
console.log(`| ${CALLS} concurrent 1 ms calls, ${threads} threads | time | vs ideal |`);
console.log("|---|---|---|");
console.log(`| one blocking call (reference) | ${f(single, 3)} ms | |`);
console.log(`| ideal (${CALLS} x ${f(single, 3)} ms / ${threads}) | ${f(ideal, 0)} ms | 1.00x |`);
console.log(`| ${threads} C threads, ${Math.ceil(CALLS / threads)} sleeps of 1 ms each, back to back (median of 3) | ${f(machine, 0)} ms | ${f(machine / ideal)}x |`);
console.log(`| nonblocking calls (median of 3) | ${f(measured, 0)} ms | ${f(measured / ideal)}x (${f(measured / machine)}x the C threads) |`);
