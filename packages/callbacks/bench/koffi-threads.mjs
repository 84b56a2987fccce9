// Run by callbacks-bench.mjs in a child process: koffi's registered callback called from the fixture's threads
// (koffi queues each call to the JS thread and blocks the caller until it ran). Prints one JSON line.
// No top-level await here on purpose: koffi 3.3.4 aborts (uv_mutex_lock in napi_call_threadsafe_function) when
// foreign threads call a registered callback while the main ES module is still suspended in a top-level await.
import koffi from "koffi";

const [library, threadsArg, perThreadArg] = process.argv.slice(2);
const T = Number(threadsArg);
const N = Number(perThreadArg);
const total = T * N;
const lib = koffi.load(library);
const proto = koffi.proto("void ffikit_bench_pair_cb(int32_t, int32_t)");
const start = lib.func("void start_pairs(ffikit_bench_pair_cb *, int32_t, int32_t)");
const join = lib.func("void join_all(void)");
let got = 0;
let disorder = 0;
const last = new Int32Array(T).fill(-1);
let t0 = 0;
const cb = koffi.register(
  (id, i) => {
    if (i !== last[id] + 1) disorder++;
    last[id] = i;
    if (++got === total) {
      const ms = performance.now() - t0;
      setImmediate(() => {
        join();
        koffi.unregister(cb);
        console.log(JSON.stringify({ calls: total, ms, disorder }));
        process.exit(0);
      });
    }
  },
  koffi.pointer(proto),
);
t0 = performance.now();
start(cb, T, N);
setTimeout(() => {
  console.error(`koffi: only ${got} of ${total} calls after 120 s`);
  process.exit(1);
}, 120_000);
