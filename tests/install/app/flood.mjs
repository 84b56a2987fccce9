// A threadsafe: true JSCallback flooded by native threads (tests/install/fixtures/producer.c): every call arrives,
// each thread's calls in order. Usage: node flood.mjs <libproducer.so> <threads> <calls per thread>
import { dlopen, JSCallback } from "@ffi-kit/core";
import "@ffi-kit/callbacks";

const [library, threads, calls] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const lib = dlopen(library, {
  flood_start: { args: ["function", "i32", "i32"], returns: "i32" },
  flood_join: { args: [], returns: "i32" },
});
const next = new Int32Array(threads);
let received = 0;
let outOfOrder = 0;
const cb = new JSCallback(
  (thread, i) => {
    if (next[thread] !== i) outOfOrder++;
    next[thread] = i + 1;
    received++;
  },
  { args: ["i32", "i32"], returns: "void", threadsafe: true },
);
const started = lib.symbols.flood_start(cb, threads, calls);
const deadline = Date.now() + 60_000;
while (received < started * calls && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
const made = lib.symbols.flood_join();
await cb.close();
lib.close();
console.log(JSON.stringify({ started, made, received, outOfOrder }));
