/**
 * The fast-call engine (V8 Fast API entries for scalar signatures): V8 really takes it once a wrapper is
 * optimised, every value converts exactly as through koffi (interpreted and optimised), closing and JS callbacks
 * behave as with koffi, and `FFI_KIT_ENGINE=koffi` turns it off. Each case runs in its own child process with the
 * engine chosen by the environment, so a crash fails one test instead of the run.
 */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { fixture } from "./support/fixtures.js";
import { fastAddon as addon, runEngineChild } from "./support/engine-child.js";

function run(engine: string | undefined, body: string, nodeArgs: string[] = []): unknown {
  return runEngineChild({
    engine,
    body,
    nodeArgs,
    chunk: 5000,
    env: { FIXTURE: fixture("fastcall"), FFI: fixture("ffi") },
    imports: `import { dlopen, JSCallback, ptr, viewSource } from "@ffi-kit/core";\nimport koffi from "koffi";`,
    prelude: `const code = (f) => { try { const v = f(); return ["ok", typeof v === "bigint" ? String(v) + "n" : Object.is(v, -0) ? "-0" : v]; } catch (e) { return [e.code ?? e.name, e.name]; } };`,
  });
}

const DECLS = `{
  noop: { args: [], returns: "void" },
  count_noop: { args: [], returns: "void" },
  noop_count: { args: [], returns: "u32" },
  mix3: { args: ["i32", "u32", "f64"], returns: "i32" },
  scale_f32: { args: ["f32", "f32"], returns: "f32" },
  low16: { args: ["u32"], returns: "u16" },
  neg_i8: { args: ["i8"], returns: "i8" },
  both: { args: ["i32", "i32"], returns: "bool" },
  byte_at: { args: ["ptr", "u32"], returns: "u32" },
  low_bits: { args: ["ptr", "u32"], returns: "u32" },
  call_stored_cb: { args: ["i32"], returns: "i32" },
}`;

describe("fast engine", () => {
  it("is built for this Node (the package build makes it)", () => {
    expect(existsSync(addon)).toBe(true);
  });

  it("V8 takes the fast entry once the wrapper is optimised; the wrapper says which engine it uses", () => {
    const out = run("fast", `
      const lib = dlopen(process.env.FIXTURE, ${DECLS});
      const s = lib.symbols;
      let x = 0;
      const step = (i) => { s.count_noop(); x = s.mix3(x & 1023, i, 0.5); };
      const chunks = untilFast(step, 2);
      const before = counters();
      for (let i = 0; i < 100000; i++) step(i);
      const after = counters();
      out = {
        chunks, fast: after[0] - before[0], slow: after[1] - before[1], calls: s.noop_count() - (chunks + 1) * 5000, x,
        source: s.mix3.source,
        ptrSource: s.byte_at.source,
      };
    `) as { chunks: number; fast: number; slow: number; calls: number; x: number; source: string; ptrSource: string };
    expect(out.chunks).toBeGreaterThanOrEqual(0);
    expect(out.calls).toBe(100000);
    // A whole chunk took the fast entry; every call takes one entry or the other.
    expect(out.fast + out.slow).toBe(200000);
    expect(out.fast).toBeGreaterThan(0);
    expect(out.source).toMatch(/\/\/ engine: fast \(V8 \d+\.\d+ Fast API\)/);
    expect(out.source).toContain("E.callbacks === 0 ? X(T, c0, c1, c2) : F(c0, c1, c2)");
    expect(out.ptrSource).toContain('E.callbacks === 0 && (p0 = typeof c0 === "number" ? c0 : A(c0)) >= 0 ? X(T, p0, c1) : F(c0, c1)');
  });

  it("is on by default; with FFI_KIT_ENGINE=koffi the wrapper is koffi's", () => {
    const source = (engine: string | undefined): string =>
      run(engine, `
        const lib = dlopen(process.env.FIXTURE, ${DECLS});
        out = lib.symbols.mix3.source;
      `) as string;
    expect(source(undefined)).toContain("X(T, c0, c1, c2)");
    const koffi = source("koffi");
    expect(koffi).not.toContain("X(T");
    expect(koffi).not.toContain("engine:");
    expect(koffi).toContain("const r = F(");
  });

  // Every input through each declaration, interpreted (first calls) and optimised (after a warm-up loop), with
  // each engine: the outcomes (values and error codes) must be the same.
  const VALUES = `[0, 1, -1, 7, 127, 128, 255, 256, -129, 65535, 65536, 2147483647, 2147483648, 4294967295, 4294967296,
    -2147483648, -2147483649, 1.5, -1.5, 0.49999999999999994, -0, NaN, Infinity, -Infinity, 1e300, -1e300, 2 ** 53, 3.4e38, 1e-45,
    "12", "", "x", true, false, null, undefined, 5n, -5n, 2n ** 70n, {}, [], [3], { valueOf() { return 9; } }, Symbol.iterator]`;
  const TABLE = `
    const lib = dlopen(process.env.FIXTURE, ${DECLS});
    const s = lib.symbols;
    const values = ${VALUES};
    const buf = new Uint8Array([10, 20, 30, 40]);
    const calls = {
      mix3: (v) => [s.mix3(v, 3, 0.5), s.mix3(1, v, 0.5), s.mix3(1, 3, v)],
      scale_f32: (v) => [s.scale_f32(v, 1), s.scale_f32(1.1, v)],
      low16: (v) => s.low16(v),
      neg_i8: (v) => s.neg_i8(v),
      both: (v) => [s.both(v, 1), s.both(1, v)],
      byte_at: (v) => [s.byte_at(buf, 2), s.byte_at(ptr(buf), 3)],
      low_bits: (v) => [s.low_bits(v, 0), s.low_bits(v, 32), s.low_bits(4096, v), s.low_bits(buf, 64) === s.low_bits(ptr(buf), 0)],
    };
    const pass = () => Object.fromEntries(Object.entries(calls).map(([name, f]) => [name, values.map((v) => code(() => f(v)))]));
    const interpreted = pass();
    for (let i = 0; i < 30000; i++) { s.mix3(i, i, i); s.scale_f32(i, 0.5); s.low16(i); s.neg_i8(i); s.both(i, 1); s.byte_at(buf, i & 3); s.low_bits(i, 0); }
    // A fixed loop is not enough on a busy machine (V8 optimises on a background thread): wait until a whole chunk
    // of these calls took the fast entry, so the pass below runs optimised wrappers.
    const ready = untilFast((i) => { s.mix3(i, i, i); s.scale_f32(i, 0.5); s.low16(i); s.neg_i8(i); s.both(i, 1); s.byte_at(buf, i & 3); s.low_bits(i, 0); }, 7);
    const optimised = pass();
    out = { interpreted, optimised, counters: counters(), ready };
  `;

  it("converts every value as koffi does, interpreted and optimised (hostile values included)", () => {
    const fast = run("fast", TABLE) as { interpreted: unknown; optimised: unknown; counters: [number, number]; ready: number };
    const koffi = run("koffi", TABLE) as { interpreted: unknown; optimised: unknown };
    expect(fast.ready).toBeGreaterThanOrEqual(0);
    expect(fast.counters[0]).toBeGreaterThan(0);
    expect(fast.counters[1]).toBeGreaterThan(0);
    expect(fast.interpreted).toEqual(koffi.interpreted);
    expect(fast.optimised).toEqual(koffi.optimised);
    expect(fast.optimised).toEqual(koffi.interpreted);
  });

  it("a call after close() throws ERR_FFI_LIBRARY_CLOSED, optimised or not", () => {
    const out = run("fast", `
      const lib = dlopen(process.env.FIXTURE, ${DECLS});
      const f = lib.symbols.mix3;
      let x = 0;
      for (let i = 0; i < 100000; i++) x = f(x & 1023, 1, 0);
      lib.close();
      const results = [];
      for (let i = 0; i < 3; i++) results.push(code(() => f(1, 2, 3)));
      out = { x, results };
    `) as { x: number; results: unknown[] };
    expect(out.results).toEqual(Array(3).fill(["ERR_FFI_LIBRARY_CLOSED", "FFIError"]));
  });

  it("a C function that calls a JSCallback goes through koffi while callbacks exist, and still works", () => {
    const out = run("fast", `
      const lib = dlopen(process.env.FIXTURE, { ...${DECLS}, set_stored_cb: { args: ["function"], returns: "void" } });
      const s = lib.symbols;
      let x = 0;
      const chunks = untilFast((i) => { x = s.call_stored_cb(i); }); // no callback stored yet: -1, fast
      const warm = counters();
      let seen = 0;
      const cb = new JSCallback((v) => { seen++; const junk = []; for (let j = 0; j < 50; j++) junk.push({ j }); return v * 2; }, { args: ["i32"], returns: "i32" });
      s.set_stored_cb(cb.ptr);
      let sum = 0;
      for (let i = 0; i < 50000; i++) sum += s.call_stored_cb(i & 1023);
      const during = counters();
      cb.close();
      out = { x, seen, sum, chunks, fastDuring: during[0] - warm[0] };
    `) as { x: number; seen: number; sum: number; chunks: number; fastDuring: number };
    expect(out.x).toBe(-1);
    expect(out.chunks).toBeGreaterThanOrEqual(0);
    expect(out.seen).toBe(50000);
    let expected = 0;
    for (let i = 0; i < 50000; i++) expected += (i & 1023) * 2;
    expect(out.sum).toBe(expected);
    expect(out.fastDuring).toBe(0);
  });

  it("a callback registered with koffi directly also sends calls through koffi", () => {
    const out = run("fast", `
      const lib = dlopen(process.env.FIXTURE, { call_stored_cb: { args: ["i32"], returns: "i32" }, set_stored_cb: { args: ["ptr"], returns: "void" } });
      const s = lib.symbols;
      const proto = koffi.proto("int32_t stored_cb(int32_t)");
      const handle = koffi.register((v) => v + 1, koffi.pointer(proto));
      s.set_stored_cb(Number(koffi.address(handle)));
      const before = counters();
      let sum = 0;
      for (let i = 0; i < 50000; i++) sum += s.call_stored_cb(1);
      const after = counters();
      koffi.unregister(handle);
      s.set_stored_cb(0);
      const chunks = untilFast(() => s.call_stored_cb(1));
      out = { sum, fastWhileRegistered: after[0] - before[0], chunks };
    `) as { sum: number; fastWhileRegistered: number; chunks: number };
    expect(out.sum).toBe(100000);
    expect(out.fastWhileRegistered).toBe(0);
    expect(out.chunks).toBeGreaterThanOrEqual(0);
  });

  it("under a runtime that is not Node (Bun, Deno) the addon is not loaded: koffi serves every call", () => {
    // The addon links against Node's own V8 symbols; Bun loads Node addons but has none of them, and its dynamic
    // linker ends the process at the first call into the addon. Here process.versions says Bun before core loads.
    const out = run("fast", `
      const lib = dlopen(process.env.FIXTURE, ${DECLS});
      let x = 0;
      for (let i = 0; i < 20000; i++) x = lib.symbols.mix3(x & 1023, 1, 0);
      out = { source: lib.symbols.mix3.source, entries: counters(), x };
    `, ["--import", "data:text/javascript,Object.defineProperty(process.versions, 'bun', { value: '1.4.5', enumerable: true })"]) as { source: string; entries: number[]; x: number };
    expect(out.entries).toEqual([0, 0]);
    expect(out.source).not.toContain("X(T");
    expect(out.source).not.toContain("engine:");
    expect(out.x).toBeGreaterThan(0);
  });

  it("a stored callback that C calls and that runs a full GC stays safe: calls stay on koffi while it is open, and come back to the fast entry once it is closed", () => {
    // Measured on Node 20 to 26: JavaScript run from inside a V8 fast call (a C function called through the fast
    // entry that calls a JSCallback) aborts on Node 20 and 22 ("Invoke in DisallowJavascriptExecutionScope") and
    // segfaults on Node 24 and 26 when that JavaScript runs a full GC. So while a callback is open, core calls
    // through koffi. A closed JSCallback's pointer (a thunk) returns 0 from native code, running no JavaScript: C
    // calling it from inside a fast call is safe, and calls take the fast entry again.
    const out = run("fast", `
      const lib = dlopen(process.env.FIXTURE, { ...${DECLS}, set_stored_cb: { args: ["ptr"], returns: "void" } });
      const s = lib.symbols;
      let seen = 0;
      const cb = new JSCallback((v) => { if ((++seen & 1023) === 0) gc(); return v + 1; }, { args: ["i32"], returns: "i32" });
      s.set_stored_cb(cb.ptr);
      const keep = (i) => { const o = { i, a: [i, i + 1] }; return s.call_stored_cb(i & 1023) + o.a[1] - i; };
      const before = counters();
      let sum = 0;
      for (let i = 0; i < 60000; i++) sum += keep(i);
      const during = counters();
      cb.close(); // the C side still holds the pointer: calls through it now return 0, through the fast entry
      let after = 0;
      // V8 re-optimises the wrapper for the branch it now takes (on a background thread): until a whole chunk is fast.
      const closedReady = untilFast(() => { after += s.call_stored_cb(5); });
      for (let i = 0; i < 30000; i++) { after += s.call_stored_cb(5); if ((i & 4095) === 0) gc(); }
      const c = counters();
      let expected = 0;
      for (let i = 0; i < 60000; i++) expected += (i & 1023) + 2;
      out = { ok: sum === expected, seen, after, closedReady, fastOpen: during[0] - before[0], fastClosed: c[0] - during[0], source: s.call_stored_cb.source };
    `, ["--expose-gc"]) as { ok: boolean; seen: number; after: number; closedReady: number; fastOpen: number; fastClosed: number; source: string };
    expect(out).toMatchObject({ ok: true, seen: 60000, after: 0, fastOpen: 0 });
    expect(out.closedReady).toBeGreaterThanOrEqual(0);
    expect(out.fastClosed).toBeGreaterThan(0);
    expect(out.source).toContain("E.callbacks === 0 ? X(T, c0) : F(c0)");
  });

  it("a TypedArray passed as a pointer takes the fast entry with its cached address; other views go through koffi", () => {
    const out = run("fast", `
      const lib = dlopen(process.env.FIXTURE, ${DECLS});
      const s = lib.symbols;
      const bytes = new Uint8Array([10, 20, 30, 40, 50, 60, 70, 80]);
      const sub = bytes.subarray(3);
      const big = new Uint8Array(4096); big[4095] = 9; // off-heap from the start
      let x = 0;
      const chunks = untilFast((i) => { x = s.byte_at(bytes, i & 7) + s.byte_at(sub, 0) + s.byte_at(big, 4095); }, 3);
      // The five calls are measured again (after more warm-up) while V8 had deoptimised the wrapper meanwhile.
      const five = () => [s.byte_at(bytes, 0), s.byte_at(bytes, 7), s.byte_at(sub, 0), s.byte_at(sub, 4), s.byte_at(big, 4095)];
      let before, got, mid;
      for (let k = 0; k < 50; k++) {
        before = counters();
        got = five();
        mid = counters();
        if (mid[0] - before[0] === 5) break;
        untilFast((i) => { x = s.byte_at(bytes, i & 7) + s.byte_at(sub, 0) + s.byte_at(big, 4095); five(); }, 8);
      }
      const dv = s.byte_at(new DataView(bytes.buffer, 2), 0);
      const ab = s.byte_at(bytes.buffer, 1);
      const detached = new Uint8Array(8); structuredClone(detached.buffer, { transfer: [detached.buffer] });
      const after = counters();
      out = { chunks, x, got, fastViews: mid[0] - before[0], slowOthers: after[0] - mid[0], dv, ab, detached: code(() => s.byte_at(detached, 0)), empty: code(() => s.byte_at(new Uint8Array(0), 0)) };
    `) as Record<string, unknown>;
    expect(out.chunks).toBeGreaterThanOrEqual(0);
    expect(out.got).toEqual([10, 80, 40, 80, 9]);
    expect(out.fastViews).toBe(5);
    expect(out.slowOthers).toBe(0);
    expect({ dv: out.dv, ab: out.ab }).toEqual({ dv: 30, ab: 20 });
    const koffi = run("koffi", `
      const s = dlopen(process.env.FIXTURE, ${DECLS}).symbols;
      const detached = new Uint8Array(8); structuredClone(detached.buffer, { transfer: [detached.buffer] });
      out = { detached: code(() => s.byte_at(detached, 0)), empty: code(() => s.byte_at(new Uint8Array(0), 0)) };
    `) as Record<string, unknown>;
    expect({ detached: out.detached, empty: out.empty }).toEqual(koffi);
    expect(koffi.detached).not.toEqual(["ok", expect.anything()]);
  });

  it("i64 and u64 returns come back as the same BigInts from the fast entry (Node 22 and later) as through koffi", () => {
    const body = `
      const s = dlopen(process.env.FFI, {
        returns_neg_42_int64_t: { args: [], returns: "i64" },
        returns_42_uint64_t: { args: [], returns: "u64" },
        returns_u64_max: { args: [], returns: "u64" },
        returns_i64_min: { args: [], returns: "i64" },
      }).symbols;
      const all = () => [s.returns_neg_42_int64_t(), s.returns_42_uint64_t(), s.returns_u64_max(), s.returns_i64_min()].map((v) => typeof v + ":" + String(v));
      const interpreted = all();
      const ready = untilFast(all, 4);
      const before = counters();
      let last;
      for (let i = 0; i < 60000; i++) last = all();
      const after = counters();
      out = { interpreted, optimised: last, ready, fast: after[0] - before[0], source: s.returns_u64_max.source, viewed: viewSource({ f: { args: [], returns: "u64" } })[0] };
    `;
    const fast = run("fast", body) as { interpreted: string[]; optimised: string[]; ready: number; fast: number; source: string; viewed: string };
    expect(fast.ready).toBeGreaterThanOrEqual(0);
    const koffi = run("koffi", body) as { interpreted: string[]; optimised: string[] };
    const expected = ["bigint:-42", "bigint:42", "bigint:18446744073709551615", "bigint:-9223372036854775808"];
    expect(koffi.interpreted).toEqual(expected);
    expect(koffi.optimised).toEqual(expected);
    expect(fast.interpreted).toEqual(expected);
    expect(fast.optimised).toEqual(expected);
    expect(fast.source).toContain("X(T)");
    expect(fast.fast).toBeGreaterThan(0);
    if (Number(process.versions.node.split(".")[0]) >= 22) {
      expect(fast.source).not.toContain("L[0]"); // V8 12 and later return the BigInt itself
    } else {
      // V8 11 has no BigInt results in its Fast API: the entry returns a double (NaN: the value is in the slot).
      expect(fast.source).toContain('return (r !== r ? L[0] : (typeof r === "bigint" ? r : $BigInt(r)));');
    }
    // viewSource shows what runs.
    expect(fast.viewed).toBe(fast.source.replace("function returns_u64_max(", "function f("));
  });

  // 64-bit integers: safe-integer numbers take the fast entry (as doubles), BigInts and other numbers koffi; a
  // result that is not a safe integer comes back as NaN from the entry and the BigInt from the slot.
  const DECLS64 = `{
    id_i64: { args: ["i64_fast"], returns: "i64_fast" },
    id_u64: { args: ["u64_fast"], returns: "u64_fast" },
    add_i64: { args: ["i64_fast", "i64_fast"], returns: "i64_fast" },
    add_u64: { args: ["u64_fast", "u64_fast"], returns: "u64_fast" },
    mix_i64: { args: ["i32", "i64_fast", "f64"], returns: "i64_fast" },
    i64_to_f64: { args: ["i64"], returns: "f64" },
    shl_add: { args: ["i64_fast", "i32", "i64_fast"], returns: "i64_fast" },
  }`;
  const DECLS64_BIG = `{
    id_i64: { args: ["i64"], returns: "i64" },
    id_u64: { args: ["u64"], returns: "u64" },
    add_i64: { args: ["i64", "u64"], returns: "i64" },
    shl_add: { args: ["i64", "i32", "i64"], returns: "i64" },
  }`;
  const VALUES64 = `[0, -0, 1, -1, 42, -42, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64,
    1.5, -1.5, 0.49999999999999994, NaN, Infinity, -Infinity, 1e300, -1e300, Number.MIN_VALUE,
    0n, -1n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) + 1n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 70n + 3n, -(2n ** 70n),
    "12", "", true, false, null, undefined, {}, [], { valueOf() { return 9; } }, Symbol.iterator]`;
  const TABLE64 = `
    const s = dlopen(process.env.FIXTURE, ${DECLS64}).symbols;
    const b = dlopen(process.env.FIXTURE, ${DECLS64_BIG}).symbols;
    const values = ${VALUES64};
    const calls = {
      id_i64: (v) => s.id_i64(v),
      id_u64: (v) => s.id_u64(v),
      add_i64: (v) => [s.add_i64(v, 1), s.add_i64(-1, v), s.add_i64(v, 2 ** 53 - 1), s.add_i64(v, -(2 ** 53 - 1)), s.add_i64(v, -(2 ** 53) + 1)],
      add_u64: (v) => [s.add_u64(v, 1), s.add_u64(-1, v), s.add_u64(v, 2 ** 53 - 1), s.add_u64(v, 0)],
      mix_i64: (v) => [s.mix_i64(1, v, 2), s.mix_i64(v, 2 ** 53 - 2, 0.5), s.mix_i64(1, 2, v)],
      i64_to_f64: (v) => s.i64_to_f64(v),
      big_id_i64: (v) => b.id_i64(v),
      big_id_u64: (v) => b.id_u64(v),
      big_add: (v) => [b.add_i64(v, 1), b.add_i64(1, v), b.add_i64(v, -1)],
    };
    const enc = (v) => (Array.isArray(v) ? v.map(enc) : typeof v === "bigint" ? String(v) + "n" : Object.is(v, -0) ? "-0" : v);
    const pass = () => Object.fromEntries(Object.entries(calls).map(([name, f]) => [name, values.map((v) => code(() => enc(f(v))))]));
    const c0 = counters();
    const interpreted = pass();
    const c1 = counters();
    for (let i = 0; i < 30000; i++) { s.id_i64(i); s.id_u64(-i); s.add_i64(i, 2 ** 53 - 1); s.add_u64(i, -1); s.mix_i64(i, i, 0.5); s.i64_to_f64(i); b.id_i64(i); b.id_u64(-i); b.add_i64(i, 2 ** 53); }
    // Until a whole chunk of the safe-integer calls took the fast entry (optimised wrappers), however busy the machine.
    const ready = untilFast((i) => { s.id_i64(i); s.id_u64(-i); s.add_i64(i, 2 ** 53 - 1); s.add_u64(i, -1); s.mix_i64(i, i, 0.5); s.i64_to_f64(i); }, 6);
    const c2 = counters();
    const optimised = pass();
    const c3 = counters();
    out = { interpreted, optimised, ready, slowFirst: c1[1] - c0[1], fastWarm: c2[0] - c1[0], fastLast: c3[0] - c2[0] };
  `;

  it("64-bit integer arguments and returns convert every value as koffi does, interpreted and optimised", () => {
    const fast = run("fast", TABLE64) as { interpreted: Record<string, unknown[]>; optimised: unknown; ready: number; slowFirst: number; fastWarm: number; fastLast: number };
    const koffi = run("koffi", TABLE64) as { interpreted: Record<string, unknown[]>; optimised: unknown };
    expect(fast.ready).toBeGreaterThanOrEqual(0);
    // Both entries served calls: the slow one before V8 optimised the wrappers, the fast one after.
    expect(fast.slowFirst).toBeGreaterThan(0);
    expect(fast.fastWarm).toBeGreaterThan(0);
    expect(fast.fastLast).toBeGreaterThan(0);
    expect(fast.interpreted).toEqual(koffi.interpreted);
    expect(fast.optimised).toEqual(koffi.optimised);
    expect(fast.optimised).toEqual(koffi.interpreted);
    // bun:ffi's rules (the conformance test holds the koffi path to Bun's recorded table): i64_fast/u64_fast give
    // a number for a safe integer and a BigInt otherwise; numbers and BigInts wrap modulo 2^64; i64/u64 always
    // give a BigInt; anything but a number or a BigInt throws.
    const at = (name: string, v: number): unknown => fast.interpreted[name]![v];
    expect([at("id_i64", 8), at("id_i64", 9), at("id_i64", 10), at("id_i64", 1)]).toEqual([["ok", 9007199254740991], ["ok", -9007199254740991], ["ok", "9007199254740992n"], ["ok", 0]]);
    expect([at("id_u64", 3), at("id_u64", 9), at("id_i64", 37), at("id_u64", 37)]).toEqual([["ok", "18446744073709551615n"], ["ok", "18437736874454810625n"], ["ok", -1], ["ok", "18446744073709551615n"]]);
    expect(at("add_i64", 8)).toEqual(["ok", ["9007199254740992n", 9007199254740990, "18014398509481982n", 0, 0]]);
    expect([at("big_id_i64", 4), at("big_id_u64", 3), at("id_i64", 41)]).toEqual([["ok", "42n"], ["ok", "18446744073709551615n"], ["ERR_INVALID_ARG_TYPE", "TypeError"]]);
  });

  it("the fast entry's 64-bit edges: each result that is not a safe integer comes from the slot, signed and unsigned", () => {
    const body = `
      const s = dlopen(process.env.FIXTURE, ${DECLS64}).symbols;
      const b = dlopen(process.env.FIXTURE, ${DECLS64_BIG}).symbols;
      const M = 2 ** 53 - 1;
      // Every operand a safe integer (so the fast entry takes the call); results across every edge.
      const cases = [
        () => s.add_i64(0, 0), () => s.add_i64(-1, 0), () => s.add_i64(M, 0), () => s.add_i64(-M, 0), () => s.add_i64(M, 1),
        () => s.add_i64(-M, -1), () => s.add_i64(M, 2), () => s.add_i64(-M, -2), () => s.add_i64(M, M), () => s.add_i64(-M, -M),
        () => s.add_u64(0, 0), () => s.add_u64(M, 0), () => s.add_u64(M, 1), () => s.add_u64(-1, 0), () => s.add_u64(-1, -M),
        () => s.add_u64(-M, 0), () => s.add_u64(-(2 ** 52), -(2 ** 52)), () => s.add_u64(2 ** 52, 2 ** 52),
        () => b.id_i64(-1), () => b.id_u64(-1), () => b.id_i64(M), () => b.add_i64(M, M), () => b.add_i64(-M, -M),
      ];
      const all = () => cases.map((f) => code(f));
      const interpreted = all();
      // INT64_MIN, INT64_MAX, UINT64_MAX and the 2^53 edges, from safe operands: (a << n) + b in C.
      const u = dlopen(process.env.FIXTURE, { shl_add: { args: ["u64_fast", "i32", "u64_fast"], returns: "u64_fast" } }).symbols;
      const ub = dlopen(process.env.FIXTURE, { shl_add: { args: ["u64", "i32", "u64"], returns: "u64" } }).symbols;
      const edges = () => [
        s.shl_add(1, 63, -1), s.shl_add(1, 63, 0), s.shl_add(1, 53, 0), s.shl_add(-1, 53, 0), s.shl_add(1, 53, -1), s.shl_add(-1, 53, 1), s.shl_add(1, 53, 1), s.shl_add(-1, 53, -1),
        u.shl_add(-1, 0, 0), u.shl_add(1, 63, 0), u.shl_add(1, 53, -1), u.shl_add(1, 53, 0), u.shl_add(-1, 63, 0),
        b.shl_add(1, 63, -1), b.shl_add(1, 63, 0), b.shl_add(1, 53, 0), b.shl_add(0, 0, 0), ub.shl_add(-1, 0, 0), ub.shl_add(1, 63, 0), ub.shl_add(0, 0, 0),
      ];
      const edgeValues0 = edges().map((v) => typeof v + ":" + String(v));
      for (let i = 0; i < 2000; i++) { all(); edges(); }
      // Until a whole chunk took the fast entry (with the engine off, untilFast returns 0 at once: no fast calls to count).
      const chunks = untilFast((i) => { all(); edges(); }, cases.length + 20);
      const before = counters();
      const optimised = all();
      const edgeValues = edges().map((v) => typeof v + ":" + String(v));
      const after = counters();
      out = { interpreted, optimised, chunks, edgeValues0, edgeValues, fast: after[0] - before[0], slow: after[1] - before[1], source: s.add_u64.source };
    `;
    const fast = run("fast", body) as { interpreted: unknown[]; optimised: unknown[]; chunks: number; edgeValues0: string[]; edgeValues: string[]; fast: number; slow: number; source: string };
    const koffi = run("koffi", body) as { interpreted: unknown[]; optimised: unknown[]; edgeValues: string[] };
    // A whole chunk of these calls took the fast entry (untilFast), and so did calls of the last pass.
    expect(fast.chunks).toBeGreaterThanOrEqual(0);
    expect(fast.fast + fast.slow).toBe(43);
    expect(fast.fast).toBeGreaterThan(0);
    expect(fast.interpreted).toEqual(koffi.interpreted);
    expect(fast.optimised).toEqual(koffi.interpreted);
    expect(fast.edgeValues0).toEqual(koffi.edgeValues);
    expect(fast.edgeValues).toEqual(koffi.edgeValues);
    const S = 9007199254740992;
    expect(fast.edgeValues).toEqual([
      "bigint:9223372036854775807", "bigint:-9223372036854775808", `bigint:${S}`, `bigint:-${S}`, `number:${S - 1}`, `number:-${S - 1}`, `bigint:${BigInt(S) + 1n}`, `bigint:-${BigInt(S) + 1n}`,
      "bigint:18446744073709551615", "bigint:9223372036854775808", `number:${S - 1}`, `bigint:${S}`, "bigint:9223372036854775808",
      "bigint:9223372036854775807", "bigint:-9223372036854775808", `bigint:${S}`, "bigint:0", "bigint:18446744073709551615", "bigint:9223372036854775808", "bigint:0",
    ]);
    const M = 9007199254740991;
    expect(fast.interpreted).toEqual([
      ["ok", 0], ["ok", -1], ["ok", M], ["ok", -M], ["ok", "9007199254740992n"],
      ["ok", "-9007199254740992n"], ["ok", "9007199254740993n"], ["ok", "-9007199254740993n"], ["ok", "18014398509481982n"], ["ok", "-18014398509481982n"],
      ["ok", 0], ["ok", M], ["ok", "9007199254740992n"], ["ok", "18446744073709551615n"], ["ok", "18437736874454810624n"],
      ["ok", "18437736874454810625n"], ["ok", "18437736874454810624n"], ["ok", "9007199254740992n"],
      ["ok", "-1n"], ["ok", "18446744073709551615n"], ["ok", "9007199254740991n"], ["ok", "18014398509481982n"], ["ok", "-18014398509481982n"],
    ]);
    // The entry is named in the source: declarations of one symbol with different entries (here shl_add as
    // i64_fast and u64_fast, i64 and u64) have different texts, so V8 does not share their call feedback (which
    // kept most of these calls off the fast path on Node 26 when it did).
    expect(fast.source).toMatch(/\/\/ engine: fast \(V8 \d+\.\d+ Fast API\) entry Nqq;/);
    expect(fast.source).toContain('E.callbacks === 0 && typeof c0 === "number" && typeof c1 === "number" ? X(T, c0, c1) : F(c0, c1)');
    expect(fast.source).toContain("return (r !== r ? L[0] : ");
  });

  it("each thread has its own slot: a worker and the main thread take the BigInt path at once", () => {
    const out = run("fast", `
      const { Worker } = await import("node:worker_threads");
      const ready = new SharedArrayBuffer(12);
      // Both threads run this (SIGN 1 here, -1 in the worker): every result is a BigInt read from the slot. Then,
      // in turn: the worker writes its slot (through a call), the main thread writes its own, and the worker reads
      // its slot again (it must still hold the worker's value; a slot shared by the threads would hold the main
      // thread's), with each side's slot read straight from the addon it loaded.
      const loop = \`
        const s = dlopen(process.env.FIXTURE, { add_i64: { args: ["i64_fast", "i64_fast"], returns: "i64_fast" }, add_u64: { args: ["u64_fast", "u64_fast"], returns: "u64_fast" } }).symbols;
        let bad = 0;
        // Both threads start together: each says it is ready, then waits for the other.
        Atomics.add(READY, 0, 1); Atomics.notify(READY, 0);
        while (Atomics.load(READY, 0) < 2) Atomics.wait(READY, 0, 1, 50);
        for (let i = 0; i < 300000; i++) {
          const k = 1 + (i % 1000);
          if (s.add_i64(SIGN * (2 ** 53 - 1), SIGN * k) !== BigInt(SIGN * (2 ** 53 - 1)) + BigInt(SIGN * k)) bad++;
          if (SIGN > 0 ? s.add_u64(-1, -k) !== 2n ** 64n - 1n - BigInt(k) : s.add_u64(2 ** 53 - 1, k) !== 2n ** 53n - 1n + BigInt(k)) bad++;
        }
        const wait = (i) => { while (Atomics.load(READY, i) === 0) Atomics.wait(READY, i, 0, 50); };
        const signal = (i) => { Atomics.store(READY, i, 1); Atomics.notify(READY, i); };
        const slot = () => String(new BigInt64Array(REQUIRE(process.env.ADDON).slot)[0]);
        let wrote;
        if (SIGN < 0) { wrote = String(s.add_i64(2 ** 53 - 1, 1)); signal(1); wait(2); }
        else { wait(1); wrote = String(s.add_i64(-(2 ** 53 - 1), -5)); signal(2); }
        return { bad, wrote, slot: slot() };
      \`;
      const w = new Worker(
        'Promise.all([import("node:worker_threads"), import("@ffi-kit/core"), import("node:module")]).then(([{ parentPort, workerData }, { dlopen }, { createRequire }]) => parentPort.postMessage(new Function("dlopen", "SIGN", "READY", "REQUIRE", ' + JSON.stringify(loop) + ')(dlopen, -1, new Int32Array(workerData), createRequire(process.cwd() + "/"))));',
        { eval: true, workerData: ready },
      );
      const workerDone = new Promise((resolve, reject) => { w.on("message", resolve); w.on("error", reject); });
      const main = new Function("dlopen", "SIGN", "READY", "REQUIRE", loop)(dlopen, 1, new Int32Array(ready), require);
      const worker = await workerDone;
      out = { main, worker, fast: counters()[0] };
    `) as { main: unknown; worker: unknown; fast: number };
    expect(out.main).toEqual({ bad: 0, wrote: "-9007199254740996", slot: "-9007199254740996" });
    expect(out.worker).toEqual({ bad: 0, wrote: "9007199254740992", slot: "9007199254740992" });
    expect(out.fast).toBeGreaterThan(0);
  });
});
