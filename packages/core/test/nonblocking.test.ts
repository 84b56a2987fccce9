/**
 * Nonblocking calls (`nonblocking: true`): Promises of converted results, the call on libuv's pool, a queue that
 * waits instead of failing, `ordered`, `close()` while calls run. Real C that sleeps (test/fixtures/nonblocking.c).
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { CFunction, CString, JSCallback, configureNonblocking, dlopen, linkSymbols, nonblockingStats, viewSource } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

const path = fixture("nonblocking");
const decls = {
  nb_sleep_ms: { args: ["i32"], returns: "i32", nonblocking: true },
  nb_add: { args: ["i32", "i32"], returns: "i32", nonblocking: true },
  nb_fill_after: { args: ["ptr", "i32", "i32", "i32"], returns: "i32", nonblocking: true },
  nb_strlen_after: { args: ["cstring", "i32"], returns: "i64", nonblocking: true },
  nb_record: { args: ["i32", "i32"], returns: "i32", nonblocking: true },
  nb_identity_ptr: { args: ["ptr"], returns: "ptr", nonblocking: true },
  nb_u64_max: { returns: "u64", nonblocking: true },
  nb_hello: { returns: "cstring", nonblocking: true },
  nb_running_max: { returns: "i32" },
  nb_reset: { returns: "void" },
  nb_log_len: { returns: "i32" },
  nb_log_at: { args: ["i32"], returns: "i32" },
} as const;

const defaults = configureNonblocking();
afterEach(() => {
  configureNonblocking(defaults);
});

/** Opens the fixture; `ordered` is nb_record declared with ordered: true. */
function open() {
  const lib = dlopen(path, decls);
  const ordered = dlopen(path, { nb_record: { args: ["i32", "i32"], returns: "i32", nonblocking: true, ordered: true } });
  return { lib, s: lib.symbols, ordered: ordered.symbols.nb_record, close: () => (lib.close(), ordered.close()) };
}

/** Runs `body` in a new Node process (with `flags`); LIB is the fixture's path. */
function child(body: string, flags: string[] = [], env: Record<string, string | undefined> = {}): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", `const LIB = ${JSON.stringify(path)};\n${body}`], {
    encoding: "utf8",
    cwd: new URL("..", import.meta.url).pathname,
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe("nonblocking: true", () => {
  it("returns a Promise of the result, converted as a blocking call converts it", async () => {
    const { s, close } = open();
    const pending = s.nb_add(2, 40);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(42);
    expect(await s.nb_u64_max()).toBe(2n ** 64n - 1n);
    const hello = await s.nb_hello();
    expect(hello).toBeInstanceOf(CString);
    expect(String(hello)).toBe("hello");
    expect(await s.nb_identity_ptr(null)).toBeNull();
    expect(await s.nb_identity_ptr(0x1000)).toBe(0x1000);
    expect(await s.nb_strlen_after("x".repeat(1000), 1)).toBe(1000n);
    close();
  });

  it("converts arguments synchronously: bad arguments throw at the call, with the blocking call's error", () => {
    const { s, close } = open();
    const blocking = dlopen(path, { nb_add: { args: ["i32", "i32"], returns: "i32" }, nb_identity_ptr: { args: ["ptr"], returns: "ptr" } }).symbols;
    const cases: Array<[() => unknown, () => unknown]> = [
      [() => s.nb_add("1" as never, 2), () => blocking.nb_add("1" as never, 2)],
      [() => s.nb_add(Symbol() as never, 2), () => blocking.nb_add(Symbol() as never, 2)],
      [() => s.nb_identity_ptr("a string" as never), () => blocking.nb_identity_ptr("a string" as never)],
      [() => s.nb_identity_ptr({} as never), () => blocking.nb_identity_ptr({} as never)],
    ];
    for (const [nonblocking, sync] of cases) {
      let expected: unknown;
      try {
        sync();
      } catch (e) {
        expected = e;
      }
      expect(expected).toBeDefined();
      expect(nonblocking).toThrow(expect.objectContaining({ code: (expected as { code: string }).code, message: (expected as Error).message }));
    }
    close();
  });

  it("the JS thread runs while the call sleeps on the pool", async () => {
    const { s, close } = open();
    const events: string[] = [];
    const call = s.nb_sleep_ms(300).then(() => events.push("call"));
    await new Promise((r) => setTimeout(r, 20));
    events.push("timer");
    await call;
    expect(events).toEqual(["timer", "call"]);
    close();
  });

  it("100 000 calls issued at once all complete, never more than maxInFlight handed to koffi", async () => {
    const { s, close } = open();
    for (const maxInFlight of [256, 7]) {
      configureNonblocking({ maxInFlight });
      const before = nonblockingStats();
      expect(before.inFlight).toBe(0);
      const calls = Array.from({ length: 100_000 }, (_, i) => s.nb_add(i, 1));
      const stats = nonblockingStats();
      expect(stats.inFlight).toBe(maxInFlight);
      expect(stats.waiting).toBe(100_000 - maxInFlight);
      const results = await Promise.all(calls);
      expect(results.every((r, i) => r === i + 1)).toBe(true);
      expect(nonblockingStats()).toMatchObject({ inFlight: 0, waiting: 0 });
      expect(nonblockingStats().maxInFlightSeen).toBeLessThanOrEqual(256);
    }
    close();
  });

  it("ordered: true runs a symbol's calls one at a time, in submission order", async () => {
    const { s, ordered, close } = open();
    configureNonblocking({ maxInFlight: 8 });
    dlopen(path, { nb_reset: decls.nb_reset }).symbols.nb_reset();
    const sleeps = [40, 30, 20, 10, 0, 25, 5, 15];
    const results = await Promise.all(sleeps.map((ms, i) => ordered(i, ms)));
    expect(results).toEqual(sleeps.map((_, i) => i));
    expect(Array.from({ length: s.nb_log_len() }, (_, i) => s.nb_log_at(i))).toEqual(sleeps.map((_, i) => i));
    close();
  });

  it("works through CFunction and linkSymbols; viewSource shows the wrapper", async () => {
    const { s, close } = open();
    const address = s.nb_add.ptr;
    const f = new CFunction({ ptr: address, args: ["i32", "i32"], returns: "i32", nonblocking: true });
    expect(await f(3, 4)).toBe(7);
    f.close();
    expect(() => f(3, 4)).toThrow(expect.objectContaining({ code: "ERR_FFI_FUNCTION_CLOSED" }));
    const linked = linkSymbols({ add: { ptr: address, args: ["i32", "i32"], returns: "i32", nonblocking: true } });
    expect(await linked.symbols.add(5, 6)).toBe(11);
    linked.close();
    const [source] = viewSource({ nb_add: decls.nb_add });
    expect(source).toBe(s.nb_add.source);
    expect(source).toContain("return Q(T, [c0, c1]);");
    // .native stays koffi's blocking function.
    expect(s.nb_add.native(1, 1)).toBe(2);
    close();
  });

  it("hands libuv's pool twice its threads by default (at least koffi's 8 resident async pools), so no thread waits for the JS thread", () => {
    const body = `import { configureNonblocking } from "@ffi-kit/core"; console.log(configureNonblocking().maxInFlight);`;
    expect(child(body, [], { UV_THREADPOOL_SIZE: undefined }).stdout).toBe("8");
    expect(child(body, [], { UV_THREADPOOL_SIZE: "2" }).stdout).toBe("8");
    expect(child(body, [], { UV_THREADPOOL_SIZE: "16" }).stdout).toBe("32");
    expect(child(body, [], { UV_THREADPOOL_SIZE: "1000" }).stdout).toBe("256");
    expect(child(body, [], { UV_THREADPOOL_SIZE: "junk" }).stdout).toBe("8");
  });

  it("refuses bad declarations and settings", () => {
    const cases: Array<[() => unknown, string]> = [
      [() => dlopen(path, { nb_add: { args: ["i32", "i32"], returns: "i32", nonblocking: "yes" as never } }), "ERR_INVALID_ARG_TYPE"],
      [() => dlopen(path, { nb_add: { args: ["i32", "i32"], returns: "i32", ordered: true } }), "ERR_FFI_INVALID_SIGNATURE"],
      [() => dlopen(path, { nb_add: { args: ["i32", "..."], returns: "i32", nonblocking: true } }), "ERR_FFI_INVALID_SIGNATURE"],
      // koffi has no .async for variadic functions: refused with a message that says what to do instead.
      [() => dlopen(path, { nb_add: { args: ["i32", "..."], returns: "i32", nonblocking: true } }), "wrap the function in a C function with fixed arguments"],
      [() => new JSCallback(() => 0, { args: [], returns: "i32", nonblocking: true } as never), "ERR_FFI_UNSUPPORTED_TYPE"],
      [() => configureNonblocking({ maxInFlight: 0 }), "ERR_OUT_OF_RANGE"],
      [() => configureNonblocking({ maxInFlight: 257 }), "ERR_OUT_OF_RANGE"],
      [() => configureNonblocking({ maxInFlight: 1.5 }), "ERR_OUT_OF_RANGE"],
      [() => configureNonblocking({ maxInFlight: "8" as never }), "ERR_OUT_OF_RANGE"],
      [() => configureNonblocking(null as never), "ERR_INVALID_ARG_TYPE"],
    ];
    for (const [f, code] of cases) {
      if (code.startsWith("ERR_")) expect(f, String(f)).toThrow(expect.objectContaining({ code }));
      else expect(f, String(f)).toThrow(code);
    }
  });
});

describe("nonblocking calls and their memory, close(), threads and exit (each in its own process)", () => {
  const prelude = `import { dlopen, configureNonblocking, nonblockingStats, JSCallback } from "@ffi-kit/core";
    const lib = dlopen(LIB, {
      nb_sleep_ms: { args: ["i32"], returns: "i32", nonblocking: true },
      nb_fill_after: { args: ["ptr", "i32", "i32", "i32"], returns: "i32", nonblocking: true },
      nb_strlen_after: { args: ["cstring", "i32"], returns: "i64", nonblocking: true },
      nb_call_after: { args: ["i32", "function"], returns: "i32", nonblocking: true },
    });
    const s = lib.symbols;
  `;
  const ok = (stdout: string) => ({ status: 0, signal: null, stdout, stderr: "" });

  it("views passed stay alive while their calls wait and run (only the queue holds them), and are collectable after", () => {
    const r = child(
      `${prelude}
      configureNonblocking({ maxInFlight: 1 });
      let blockerDone = false;
      const blocker = s.nb_sleep_ms(1500).then(() => { blockerDone = true; });
      const refs = [];
      const calls = [];
      for (let i = 0; i < 20; i++) {
        let view = new Uint8Array(1 << 16);
        refs.push(new WeakRef(view));
        calls.push(s.nb_fill_after(view, view.length, i, 0));
        view = null;
        calls.push(s.nb_strlen_after("y".repeat(5000 + i), 0));
      }
      const alive = () => refs.filter((w) => w.deref() !== undefined).length;
      const collect = async () => { for (let i = 0; i < 10; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); } };
      await collect();
      const whileWaiting = alive();
      const early = blockerDone;
      await blocker;
      const results = await Promise.all(calls);
      await collect();
      console.log(early, whileWaiting, alive(), results.filter((x, i) => i % 2 === 0).every((n) => n === 1 << 16), results.filter((x, i) => i % 2 === 1).every((n, i) => n === BigInt(5000 + i)));`,
      ["--expose-gc"],
    );
    expect(r).toEqual(ok("false 20 0 true true"));
  });

  it("a view detached while its call waits is refused (the promise rejects), C never receives it", () => {
    const r = child(
      `${prelude}
      configureNonblocking({ maxInFlight: 1 });
      const busy = s.nb_sleep_ms(100);
      const view = new Uint8Array(64);
      const waiting = s.nb_fill_after(view, 64, 7, 0);
      structuredClone(view.buffer, { transfer: [view.buffer] });
      const outcome = await waiting.then((v) => "resolved " + v, (e) => e.code);
      console.log(await busy, outcome);`,
    );
    expect(r).toEqual(ok("100 ERR_INVALID_ARG_VALUE"));
  });

  it("close() lets calls made before it finish (the library stays loaded until the last); later calls throw", () => {
    const r = child(
      `${prelude}
      configureNonblocking({ maxInFlight: 2 });
      const calls = [1, 2, 3, 4, 5].map((i) => s.nb_sleep_ms(40 + i));
      lib.close();
      let late; try { s.nb_sleep_ms(1); } catch (e) { late = e.code; }
      console.log((await Promise.all(calls)).join(","), late, nonblockingStats().inFlight);`,
    );
    expect(r).toEqual(ok("41,42,43,44,45 ERR_FFI_LIBRARY_CLOSED 0"));
  });

  it("close({ rejectPending: true }) rejects the calls not started yet; running ones finish", () => {
    const r = child(
      `${prelude}
      configureNonblocking({ maxInFlight: 1 });
      const calls = [1, 2, 3].map((i) => s.nb_sleep_ms(50 + i).then(String, (e) => e.code));
      lib.close({ rejectPending: true });
      console.log((await Promise.all(calls)).join(","));`,
    );
    expect(r).toEqual(ok("51,ERR_FFI_LIBRARY_CLOSED,ERR_FFI_LIBRARY_CLOSED"));
  });

  it("a JSCallback (threadsafe or not) called from the pool's thread runs on the JS thread", () => {
    const r = child(
      `${prelude}
      const { isMainThread } = await import("node:worker_threads");
      let where;
      const cb = new JSCallback((ms) => { where = isMainThread; return ms * 2; }, { args: ["i32"], returns: "i32", threadsafe: true });
      const plain = new JSCallback((ms) => { where = where && isMainThread; return ms * 3; }, { args: ["i32"], returns: "i32" });
      const results = await Promise.all([s.nb_call_after(20, cb), s.nb_call_after(10, cb), s.nb_call_after(15, plain)]);
      cb.close();
      plain.close();
      console.log(results.join(","), where);`,
    );
    expect(r).toEqual(ok("41,21,46 true"));
  });

  it("a JSCallback that throws on the pool's thread: C gets the zero value, that call's Promise rejects with the error after it returns; no uncaught exception", () => {
    const r = child(
      `${prelude}
      const blocking = dlopen(LIB, { nb_call_after: { args: ["i32", "function"], returns: "i32" }, nb_last_callback_result: { returns: "i32" } }).symbols;
      let uncaught = 0;
      process.on("uncaughtException", () => uncaught++);
      const boom = new Error("boom");
      let returned;
      const thrower = new JSCallback(() => { throw boom; }, { args: ["i32"], returns: "i32" });
      const threadsafe = new JSCallback((ms) => { if (ms === 30) throw new TypeError("ts " + ms); return ms; }, { args: ["i32"], returns: "i32", threadsafe: true });
      const fine = new JSCallback((ms) => ms * 2, { args: ["i32"], returns: "i32" });
      const settle = (p) => p.then((v) => "ok " + v, (e) => (e === boom ? "boom" : e.name + " " + e.message));
      // Calls running at once: only the ones whose callback threw reject, each with its own error.
      const outcomes = await Promise.all([
        settle(s.nb_call_after(60, fine)),
        settle(s.nb_call_after(10, thrower)),
        settle(s.nb_call_after(30, threadsafe)),
        settle(s.nb_call_after(50, threadsafe)),
        settle(s.nb_sleep_ms(40)),
      ]);
      // What the throwing callback returned to C (the zero value): checked on a call of its own.
      const alone = await settle(s.nb_call_after(1, thrower));
      const zero = blocking.nb_last_callback_result();
      // The same callback through a blocking call: C got the zero value (0 + 1 would be returned), the error thrown after.
      let sync; try { returned = blocking.nb_call_after(1, thrower); } catch (e) { sync = e === boom; }
      await new Promise((r) => setTimeout(r, 50));
      // After all that, callbacks and calls still work, and nothing was left to throw later.
      const after = await s.nb_call_after(5, fine);
      thrower.close(); threadsafe.close(); fine.close();
      console.log(outcomes.join(","), alone, zero, sync, returned, after, uncaught);`,
    );
    expect(r).toEqual(ok("ok 121,boom,TypeError ts 30,ok 51,ok 40 boom 0 true undefined 11 0"));
  });

  it("a callback error while nonblocking calls run reaches only a call that was running when it was thrown", () => {
    const r = child(
      `${prelude}
      configureNonblocking({ maxInFlight: 4 });
      let n = 0;
      const cb = new JSCallback((ms) => { n++; if (n === 1) throw new RangeError("first call's callback"); return ms; }, { args: ["i32"], returns: "i32" });
      const settle = (p) => p.then((v) => "ok " + v, (e) => e.message);
      const first = settle(s.nb_call_after(20, cb));
      // Made after the throw: cannot have made that callback, never gets its error.
      const later = new Promise((r) => setTimeout(r, 40)).then(() => Promise.all([settle(s.nb_sleep_ms(1)), settle(s.nb_call_after(1, cb))]));
      console.log(await first, (await later).join(","));`,
    );
    expect(r).toEqual(ok("first call's callback ok 1,ok 2"));
  });

  it("a blocking call made right after a pool thread's callback threw does not throw that error as its own; the nonblocking call rejects", () => {
    const r = child(
      `${prelude}
      const blocking = dlopen(LIB, { nb_add: { args: ["i32", "i32"], returns: "i32" } }).symbols;
      let sync = [];
      const cb = new JSCallback(() => {
        // Runs before the nonblocking call completes: a blocking call in between.
        queueMicrotask(() => { try { sync.push(blocking.nb_add(1, 2)); } catch (e) { sync.push("threw " + e.message); } });
        setImmediate(() => { try { sync.push(blocking.nb_add(3, 4)); } catch (e) { sync.push("threw " + e.message); } });
        throw new Error("pool");
      }, { args: ["i32"], returns: "i32" });
      const out = await s.nb_call_after(5, cb).then(String, (e) => "rejected " + e.message);
      await new Promise((r) => setTimeout(r, 20));
      console.log(out, sync.join(","));`,
    );
    expect(r).toEqual(ok("rejected pool 3,7"));
  });

  it("a callback that throws several times during one nonblocking call: the call rejects with the first error, the others are dropped (as in a blocking call)", () => {
    const r = child(
      `${prelude}
      const both = {
        nb_call_times: dlopen(LIB, { nb_call_times: { args: ["i32", "function"], returns: "i32", nonblocking: true } }).symbols.nb_call_times,
        sync_times: dlopen(LIB, { nb_call_times: { args: ["i32", "function"], returns: "i32" } }).symbols.nb_call_times,
      };
      let uncaught = 0;
      process.on("uncaughtException", () => uncaught++);
      const cb = new JSCallback((i) => { throw new Error("k" + i); }, { args: ["i32"], returns: "i32" });
      const out = await both.nb_call_times(3, cb).then(String, (e) => e.message);
      let sync; try { both.sync_times(3, cb); } catch (e) { sync = e.message; }
      const next = await s.nb_sleep_ms(1);
      await new Promise((r) => setTimeout(r, 50));
      console.log(out, sync, next, uncaught);`,
    );
    expect(r).toEqual(ok("k0 k0 1 0"));
  });

  it("finding where a callback error came from leaves the user's Error settings as they were; with Error frozen it falls back to an uncaught exception, no crash", () => {
    const kept = child(
      `${prelude}
      const mine = (e, frames) => "mine:" + frames.length;
      Error.prepareStackTrace = mine;
      Error.stackTraceLimit = 3;
      const cb = new JSCallback(() => { throw new Error("pool"); }, { args: ["i32"], returns: "i32" });
      const out = await s.nb_call_after(1, cb).then(String, (e) => "rejected " + e.message);
      console.log(out, Error.prepareStackTrace === mine, Error.stackTraceLimit, new Error("x").stack);`,
    );
    expect(kept).toEqual(ok("rejected pool true 3 mine:1"));
    const frozen = child(
      `${prelude}
      const cb = new JSCallback(() => { throw new Error("pool"); }, { args: ["i32"], returns: "i32" });
      Object.freeze(Error);
      process.on("uncaughtException", (e) => console.log("uncaught", e.message));
      const out = await s.nb_call_after(1, cb).then(String, (e) => "rejected " + e.message);
      await new Promise((r) => setTimeout(r, 20));
      console.log(out);`,
    );
    expect(frozen).toEqual(ok("uncaught pool\n1"));
  });

  it("a callback that throws on a library's own thread while no nonblocking call runs is an uncaught exception", () => {
    const r = child(
      `${prelude}
      const own = dlopen(LIB, { nb_call_from_own_thread: { args: ["function", "i32"], returns: "i32" } }).symbols;
      const cb = new JSCallback((v) => { throw new Error("own thread " + v); }, { args: ["i32"], returns: "i32" });
      process.on("uncaughtException", (e) => { console.log("uncaught", e.message); process.exit(0); });
      own.nb_call_from_own_thread(cb, 7);
      setTimeout(() => console.log("not delivered"), 2000);`,
    );
    expect(r).toEqual(ok("uncaught own thread 7"));
  });

  it("a callback error that no call claims (no wrapper around the native call, no nonblocking call running) is still an uncaught exception", () => {
    const r = child(
      `${prelude}
      const cb = new JSCallback(() => { throw new Error("from nowhere"); }, { args: ["i32"], returns: "i32" });
      process.on("uncaughtException", (e) => { console.log("uncaught", e.message); process.exit(0); });
      // Called through koffi's bare function (.native), as a library's own event loop would call it: no call to reject.
      const { CFunction } = await import("@ffi-kit/core");
      const f = new CFunction({ ptr: cb.ptr, args: ["i32"], returns: "i32" });
      f.native(1);
      setTimeout(() => console.log("not delivered"), 200);`,
    );
    expect(r).toEqual(ok("uncaught from nowhere"));
  });

  it("works in worker_threads", () => {
    const r = child(`
      import { Worker } from "node:worker_threads";
      import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
      import { tmpdir } from "node:os";
      import { join } from "node:path";
      const core = new URL("./dist/index.js", "file://" + process.cwd() + "/").href;
      const dir = mkdtempSync(join(tmpdir(), "ffi-kit-nb-worker-"));
      const file = join(dir, "worker.mjs");
      writeFileSync(file, \`
        import { parentPort, workerData } from "node:worker_threads";
        import { dlopen } from \${JSON.stringify(core)};
        const lib = dlopen(workerData, { nb_add: { args: ["i32", "i32"], returns: "i32", nonblocking: true } });
        const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => lib.symbols.nb_add(i, workerData.length)));
        lib.close();
        parentPort.postMessage(results.every((r, i) => r === i + workerData.length));
      \`);
      const runs = await Promise.all([0, 1, 2].map(() => new Promise((resolve, reject) => {
        const w = new Worker(file, { workerData: LIB, execArgv: [] });
        w.once("message", resolve); w.once("error", reject);
      })));
      rmSync(dir, { recursive: true, force: true });
      console.log(runs.join(","));`);
    expect(r).toEqual(ok("true,true,true"));
  });

  it("a getter that closes the library while the arguments convert: the call throws, nothing is queued", () => {
    const r = child(
      `${prelude}
      const cb = new JSCallback(() => 0, { args: ["i32"], returns: "i32" });
      const real = cb.ptr;
      Object.defineProperty(cb, "ptr", { get() { lib.close(); return real; } });
      let outcome; try { s.nb_call_after(1, cb); outcome = "queued"; } catch (e) { outcome = e.code; }
      console.log(outcome, JSON.stringify(nonblockingStats()));`,
    );
    expect(r.stdout).toMatch(/^ERR_FFI_LIBRARY_CLOSED \{"inFlight":0,"waiting":0,/);
    expect(r.status).toBe(0);
  });

  it("exit while calls run: the process exits with its code, no crash", () => {
    for (let i = 0; i < 3; i++) {
      const r = child(
        `${prelude}
        configureNonblocking({ maxInFlight: 4 });
        for (let i = 0; i < 50; i++) s.nb_sleep_ms(200);
        setTimeout(() => { console.log("exiting"); process.exit(3); }, 30);`,
      );
      expect(r).toEqual({ status: 3, signal: null, stdout: "exiting", stderr: "" });
    }
  });
});
