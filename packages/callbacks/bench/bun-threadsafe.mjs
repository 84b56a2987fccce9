// Run by callbacks-bench.mjs under Bun: Bun's own JSCallback({ threadsafe: true }) through the same fixture and
// the same measurement (producers started, then time until every call was delivered). Prints one JSON line.
import { dlopen, JSCallback } from "bun:ffi";

const [library, threadsArg, perThreadArg] = process.argv.slice(2);
const T = Number(threadsArg);
const N = Number(perThreadArg);
const total = T * N;
const lib = dlopen(library, {
  start_pairs: { args: ["ptr", "i32", "i32"], returns: "void" },
  join_all: { args: [], returns: "void" },
});
let got = 0;
let disorder = 0;
const last = new Int32Array(T).fill(-1);
let done;
const finished = new Promise((r) => (done = r));
const cb = new JSCallback(
  (id, i) => {
    if (i !== last[id] + 1) disorder++;
    last[id] = i;
    if (++got === total) done();
  },
  { args: ["i32", "i32"], returns: "void", threadsafe: true },
);
const t0 = performance.now();
lib.symbols.start_pairs(cb.ptr, T, N);
lib.symbols.join_all(); // Bun's producers never block: they post one task per call
await finished;
const ms = performance.now() - t0;
console.log(JSON.stringify({ calls: total, ms, disorder }));
cb.close();
