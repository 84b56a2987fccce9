/**
 * The same groups under Bun's own `bun:ffi`, run by `bun dist/bun-suite.js <rounds> <maxTime> <minTime> <minSamples>`
 * in a child process. Prints one JSON line: `{ runtime, cases }` (cases in the report schema; each group's
 * reference is its `plain-js` path). Only ever loaded by Bun.
 */
import { measureGroup, type Clock, type GroupSpec, type MeasureOptions } from "./measure.js";
import { summariseGroup } from "./summarise.js";
import { benchLibraryPath, loadFloorAddon } from "./native-library.js";
import { benchSymbols } from "./symbols.js";
import type { CaseResult, RuntimeInfo } from "./schema.js";

interface BunFFI {
  dlopen(path: string, symbols: Record<string, { readonly args: readonly string[]; readonly returns: string }>): { symbols: Record<string, (...a: unknown[]) => unknown> };
  ptr(view: ArrayBufferView): number;
  read: { u8(p: number, offset: number): number };
  toArrayBuffer(p: number, offset: number, length: number): ArrayBuffer;
  CString: new (p: number) => string;
  JSCallback: new (fn: (x: number) => number, o: { args: string[]; returns: string }) => { ptr: number; close(): void };
}

const CALLBACKS = 100;
const sink: { value: unknown } = { value: undefined };

async function main(): Promise<void> {
  const [rounds = "3", maxTime = "0.2", minTime = "0.02", minSamples = "5", only = "", clockName = "wall"] = process.argv.slice(2);
  // Bun loads N-API addons too: the same thread-CPU clock as the Node side when asked for and loadable.
  let clock: Clock = { name: "wall", hrtime: process.hrtime as Clock["hrtime"] };
  if (clockName === "thread-cpu") {
    try {
      clock = { name: "thread-cpu", hrtime: loadFloorAddon().threadCpuHrtime as Clock["hrtime"] };
    } catch (e) {
      process.stderr.write(`bun: thread-cpu clock unavailable, using wall time: ${String(e)}\n`);
    }
  }
  const options: MeasureOptions = { rounds: Number(rounds), maxTime: Number(maxTime), minTime: Number(minTime), minSamples: Number(minSamples), clock };
  const ffi = (await import("bun:ffi" as string)) as BunFFI;
  const s = ffi.dlopen(benchLibraryPath, benchSymbols).symbols;
  const o = sink;
  const bytes = new Uint8Array(64).fill(1);
  const inc = (x: number): number => x + 1;
  const noop = (): void => {};
  const add = (a: number, b: number): number => (a + b) | 0;
  const cb = new ffi.JSCallback(inc, { args: ["i32"], returns: "i32" });
  const block = s.get_block!() as number;
  let off = 0;
  const f = s as Record<string, (...a: unknown[]) => unknown>;
  const pair = (group: string, title: string, plain: () => unknown, bun: () => unknown, opsPerIteration?: number): GroupSpec => ({
    group,
    title,
    reference: "plain-js",
    ...(opsPerIteration === undefined ? {} : { opsPerIteration }),
    paths: [
      { path: "plain-js", fn: plain },
      { path: "bun-ffi", fn: bun },
    ],
  });
  const groups: GroupSpec[] = [
    pair("noop", "noop() -> void", () => (o.value = noop()), () => (o.value = f.noop!())),
    pair("add_i32", "add_i32(i32, i32) -> i32", () => (o.value = add(20, 22)), () => (o.value = f.add_i32!(20, 22))),
    pair("add_f64", "add_f64(f64, f64) -> f64", () => (o.value = 20.5 + 21.5), () => (o.value = f.add_f64!(20.5, 21.5))),
    pair("ret_i64", "ret_i64() -> i64", () => (o.value = 1234567890123n), () => (o.value = f.ret_i64!())),
    pair("sum_buf", "sum_buf(Uint8Array(64), u32) -> u32", () => {
      let t = 0;
      for (let i = 0; i < 64; i++) t += bytes[i]!;
      return (o.value = t);
    }, () => (o.value = f.sum_buf!(bytes, 64))),
    pair("get_hello", "get_hello() -> cstring", () => (o.value = "hello, world"), () => (o.value = f.get_hello!())),
    pair("callback", `call_cb_n(cb, ${CALLBACKS}), per callback`, () => {
      let t = 0;
      for (let i = 0; i < CALLBACKS; i++) t += inc(i);
      return (o.value = t);
    }, () => (o.value = f.call_cb_n!(cb.ptr, CALLBACKS)), CALLBACKS),
    pair("ptr", "address of a Uint8Array(64)", () => (o.value = bytes.byteOffset), () => (o.value = ffi.ptr(bytes))),
    pair("read_u8", "read one u8 at a pointer + offset", () => (o.value = bytes[(off = (off + 1) & 63)]), () => (o.value = ffi.read.u8(block, (off = (off + 1) & 1023)))),
    pair("to_array_buffer", "an ArrayBuffer over 64 bytes of native memory", () => (o.value = new ArrayBuffer(64)), () => (o.value = ffi.toArrayBuffer(block, 0, 64))),
    pair("cstring", "a JS string from a NUL-terminated C string (12 bytes)", () => (o.value = "hello, world".slice(0)), () => (o.value = new ffi.CString(block))),
  ];
  // The fast-engine groups of the Node side (fast-engine-groups.ts) do the same operations: Bun's figures beside them.
  for (const name of ["noop", "add_i32", "add_f64", "sum_buf", "ret_i64"]) {
    const g = groups.find((x) => x.group === name)!;
    groups.push({ ...g, group: `fast_${name}`, paths: g.paths.map((p) => ({ ...p })) });
  }
  const wanted = only === "" ? undefined : new Set(only.split(","));
  const cases: CaseResult[] = [];
  for (const g of groups) {
    if (wanted !== undefined && !wanted.has(g.group)) continue;
    cases.push(...summariseGroup(g, measureGroup(g, options, (line) => process.stderr.write(`bun ${line.trim()}\n`))));
  }
  cb.close();
  const bunGlobal = (globalThis as unknown as { Bun: { version: string; revision: string } }).Bun;
  const benchmarkVersion = ((await import("benchmark")) as unknown as { default: { version: string } }).default.version;
  const runtime: RuntimeInfo = { name: "bun", version: bunGlobal.version, engine: `JavaScriptCore (${bunGlobal.revision.slice(0, 9)})`, koffi: undefined, benchmarkjs: benchmarkVersion };
  process.stdout.write(`${JSON.stringify({ runtime, clock: clock.name, cases })}\n`);
}

await main();
