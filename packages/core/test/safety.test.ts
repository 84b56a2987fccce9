/**
 * "Never crash the process": each scenario runs in a child process, so that a regression shows up as a failed
 * assertion on its exit code and signal instead of killing the test runner.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fixture } from "./support/fixtures.js";
import { runModule } from "./support/hostile-child.js";

const run = runModule;

describe("never crash the process", () => {
  it("closing a library from inside a callback that its own code called: unload waits until C has returned", () => {
    const r = run(`
      import { dlopen, JSCallback } from "@ffi-kit/core";
      const lib = dlopen(process.env.FIXTURE, { call_cb_n: { args: ["function", "i32"], returns: "i32" } });
      const cb = new JSCallback((i) => { if (i === 2) lib.close(); return i; }, { args: ["i32"], returns: "i32" });
      const sum = lib.symbols.call_cb_n(cb, 5);
      let after;
      try { lib.symbols.call_cb_n(cb, 1); } catch (e) { after = e.code; }
      setTimeout(() => console.log(JSON.stringify({ sum, after })), 20);
    `);
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual({ sum: 10, after: "ERR_FFI_LIBRARY_CLOSED" });
  });

  it("every pointer below 4096 given to read.*, toArrayBuffer, toBuffer, CString is refused", () => {
    const r = run(`
      import { read, toArrayBuffer, toBuffer, CString } from "@ffi-kit/core";
      const codes = new Set();
      for (let p = 1; p < 4096; p += 7) {
        for (const f of [...Object.values(read), (x) => toArrayBuffer(x, 0, 1), (x) => toBuffer(x), (x) => new CString(x), (x) => new CString(x, 0, 3)]) {
          try { f(p); codes.add("no error"); } catch (e) { codes.add(e.code); }
        }
      }
      console.log([...codes].join(","));
    `);
    expect([r.status, r.signal, r.stdout.trim()]).toEqual([0, null, "ERR_FFI_INVALID_POINTER"]);
  });

  it("koffi's traps are never reached: NULL views, NULL decodes, strings as pointers, empty library paths", () => {
    const r = run(`
      import { dlopen, toArrayBuffer, CString, read, ptr } from "@ffi-kit/core";
      const out = [];
      const attempt = (f) => { try { f(); out.push("ok"); } catch (e) { out.push(e.code); } };
      attempt(() => toArrayBuffer(0, 0, 16));           // koffi.view(NULL) aborts Node
      attempt(() => toArrayBuffer(null, 0, 16));
      attempt(() => read.i32(0));                        // koffi.decode.int(NULL) segfaults
      attempt(() => new CString(0, 0, 16));              // NULL is refused like any pointer below 4096
      attempt(() => dlopen("", { noop: {} }));           // koffi.load("") opens the main program
      const lib = dlopen(process.env.FIXTURE, { c_strlen: { args: ["ptr"], returns: "usize" } });
      attempt(() => lib.symbols.c_strlen("not a pointer")); // koffi would make a temporary C string
      attempt(() => ptr(new Uint8Array(0)));
      console.log(out.join(","));
    `);
    expect([r.status, r.signal]).toEqual([0, null]);
    expect(r.stdout.trim()).toBe(
      ["ERR_FFI_INVALID_POINTER", "ERR_INVALID_ARG_TYPE", "ERR_FFI_INVALID_POINTER", "ERR_FFI_INVALID_POINTER", "ERR_INVALID_ARG_VALUE", "ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_TYPE"].join(","),
    );
  });

  it("more callbacks than koffi can hold: a clear ERR_FFI_CALLBACK_LIMIT, and closed ones make room again", () => {
    const r = run(`
      import { JSCallback, dlopen } from "@ffi-kit/core";
      const lib = dlopen(process.env.FIXTURE, { cb_identity_int32_t: { args: ["function"], returns: "i32" } });
      const open = [];
      let code;
      try { for (let i = 0; i < 9000; i++) open.push(new JSCallback(() => i, { returns: "i32" })); } catch (e) { code = e.code; }
      const opened = open.length;
      for (const cb of open.splice(0, 100)) cb.close();
      const again = new JSCallback(() => 77, { returns: "i32" });
      console.log(JSON.stringify({ code, opened, value: lib.symbols.cb_identity_int32_t(again), last: lib.symbols.cb_identity_int32_t(open[open.length - 1]) }));
    `);
    expect([r.status, r.signal, r.stderr]).toEqual([0, null, ""]);
    const out = JSON.parse(r.stdout);
    expect(out.code).toBe("ERR_FFI_CALLBACK_LIMIT");
    expect(out.opened).toBeGreaterThan(8000);
    expect(out.value).toBe(77);
    expect(out.last).toBe(out.opened - 1);
  });

  it("a callback that throws on a foreign thread: the thread gets the zero value, the error is an uncaught exception", () => {
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `
        import { JSCallback, dlopen } from "@ffi-kit/core";
        const t = dlopen(process.env.THREADS, {
          start_single: { args: ["function", "i32"], returns: "void" },
          single_is_done: { returns: "i32" },
          join_single: { returns: "i32" },
        }).symbols;
        process.on("uncaughtException", (e) => console.log("uncaught: " + e.message));
        const cb = new JSCallback(() => { throw new Error("from a foreign thread"); }, { args: ["i32"], returns: "i32", threadsafe: true });
        t.start_single(cb, 5);
        const poll = setInterval(() => {
          if (t.single_is_done() === 1) { clearInterval(poll); setTimeout(() => console.log("thread got " + t.join_single()), 10); }
        }, 1);
      `,
      ],
      { encoding: "utf8", env: { ...process.env, THREADS: fixture("threads") }, cwd: new URL("..", import.meta.url).pathname, timeout: 60_000 },
    );
    expect([r.status, r.signal, r.stderr]).toEqual([0, null, ""]);
    expect(r.stdout.trim().split("\n")).toEqual(["uncaught: from a foreign thread", "thread got 0"]);
  });

  it("an old pointer of a closed callback called from C after heavy churn never crashes", () => {
    const r = run(`
      import { JSCallback, dlopen } from "@ffi-kit/core";
      const lib = dlopen(process.env.FIXTURE, { call_cb_n: { args: ["function", "i32"], returns: "i32" } });
      const olds = [];
      for (let i = 0; i < 3000; i++) { const cb = new JSCallback((x) => x + i, { args: ["i32"], returns: "i32" }); olds.push(cb.ptr); cb.close(); }
      let sum = 0;
      for (const p of olds) sum += lib.symbols.call_cb_n(p, 2);
      console.log(sum);
    `);
    expect([r.status, r.signal, r.stdout.trim()]).toEqual([0, null, "0"]);
  });
});
