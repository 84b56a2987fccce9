// benchmark.js's own cost per call of a test that does nothing (wall clock): run under each Node.
//   node scripts/v8-probe/benchmarkjs-overhead.cjs
const Benchmark = require("benchmark");
const o = { value: 0 };
const f1 = new Function("o", '"use strict"; return function iteration() { return o.value = 1; };')(o);
const f2 = new Function("o", '"use strict"; return function iteration() { o.value = 1; };')(o);
for (const [name, fn] of [["return", f1], ["noreturn", f2], ["return", f1], ["noreturn", f2]]) {
  const b = new Benchmark(name, fn, { maxTime: 0.3 }); b.run();
  console.log(process.version, name, (b.stats.mean * 1e9).toFixed(2), "ns", b.compiled && String(b.compiled).length);
}
