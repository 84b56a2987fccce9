/**
 * What the code generator must get right for any declaration: names that are JavaScript reserved words (or the
 * names generated code uses itself) bind, names and signatures koffi would misread are refused with a code, and
 * user code that runs while arguments are converted cannot make a call jump into a closed library. Each case runs
 * in its own child process, so a crash fails one test instead of the run.
 */
import { describe, expect, it } from "vitest";
import { runModule } from "./support/hostile-child.js";

const run = runModule;

/** Runs `body` (which sets `out`) in a child and returns the JSON it printed; fails on a crash or stderr. */
function outcome(body: string): unknown {
  const r = run(`
    import { dlopen, linkSymbols, CFunction, JSCallback, CString, ptr } from "@ffi-kit/core";
    const code = (f) => { try { return ["ok", f()]; } catch (e) { return [e.code ?? e.name, e.name]; } };
    let out;
    ${body}
    console.log(JSON.stringify(out, (k, v) => (typeof v === "bigint" ? String(v) + "n" : v)));
  `);
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: "" });
  return JSON.parse(r.stdout);
}

const RESERVED = ["delete", "eval", "class", "new", "function", "F", "arguments"];

describe("symbol names", () => {
  it("reserved words and the generator's own names bind in dlopen", () => {
    const got = outcome(`
      const decl = { args: ["i32"], returns: "i32" };
      const lib = dlopen(process.env.FIXTURE, Object.fromEntries(${JSON.stringify(RESERVED)}.map((n) => [n, decl])));
      out = Object.entries(lib.symbols).map(([n, f]) => [n, f(10), f.name]);
      lib.close();
    `);
    expect(got).toEqual(RESERVED.map((n, i) => [n, 11 + i, n]));
  });

  it("reserved words bind in linkSymbols and CFunction", () => {
    const got = outcome(`
      const lib = dlopen(process.env.FIXTURE, { delete: { args: ["i32"], returns: "i32" }, new: { args: ["i32"], returns: "i32" } });
      const linked = linkSymbols({
        delete: { ptr: lib.symbols.delete.ptr, args: ["i32"], returns: "i32" },
        class: { ptr: lib.symbols.new.ptr, args: ["i32"], returns: "i32" },
      });
      out = [linked.symbols.delete(1), linked.symbols.class(1)];
    `);
    expect(got).toEqual([2, 5]);
  });

  it("a symbol name with a NUL byte is refused (koffi would bind the name before the NUL)", () => {
    const got = outcome(`
      out = code(() => dlopen(process.env.FIXTURE, { "delete\\0junk": { args: ["i32"], returns: "i32" } }).symbols["delete\\0junk"](1));
    `);
    expect(got).toEqual(["ERR_INVALID_ARG_VALUE", "TypeError"]);
  });
});

describe("signatures koffi would refuse without a code", () => {
  it("more than 64 arguments: ERR_FFI_TOO_MANY_ARGUMENTS, in dlopen and CFunction", () => {
    const got = outcome(`
      const args = Array(65).fill("i32");
      const lib = dlopen(process.env.FIXTURE, { add_i32_via_pointer: { args: ["i32", "i32"], returns: "i32" } });
      out = [
        code(() => dlopen(process.env.FIXTURE, { add_i32_via_pointer: { args, returns: "i32" } })),
        code(() => new CFunction({ ptr: lib.symbols.add_i32_via_pointer.ptr, args, returns: "i32" })),
      ];
    `);
    expect(got).toEqual([
      ["ERR_FFI_TOO_MANY_ARGUMENTS", "FFIError"],
      ["ERR_FFI_TOO_MANY_ARGUMENTS", "FFIError"],
    ]);
  });

  it("a sparse args array: ERR_FFI_INVALID_SIGNATURE", () => {
    const got = outcome(`
      const args = ["i32", , "i32"];
      out = code(() => dlopen(process.env.FIXTURE, { add_i32_via_pointer: { args, returns: "i32" } }));
    `);
    expect(got).toEqual(["ERR_FFI_INVALID_SIGNATURE", "FFIError"]);
  });

  it("a function pointer of Infinity, 2^64, negative bigints and 2n**70n: ERR_FFI_INVALID_POINTER", () => {
    const got = outcome(`
      out = [Infinity, -Infinity, 2 ** 64, 2n ** 70n, -1n].map((p) => code(() => new CFunction({ ptr: p, args: [], returns: "i32" })()));
      out.push(code(() => linkSymbols({ f: { ptr: Infinity, args: [], returns: "i32" } })));
    `);
    expect(got).toEqual(Array(6).fill(["ERR_FFI_INVALID_POINTER", "FFIError"]));
  });
});

describe("user code running while arguments are converted", () => {
  it("a ptr getter on a JSCallback that closes the library: the call throws ERR_FFI_LIBRARY_CLOSED", () => {
    const got = outcome(`
      const lib = dlopen(process.env.FIXTURE, { call_cb_n: { args: ["function", "i32"], returns: "i32" } });
      const cb = new JSCallback((i) => i, { args: ["i32"], returns: "i32" });
      const real = cb.ptr;
      Object.defineProperty(cb, "ptr", { get() { lib.close(); return real; } });
      out = code(() => lib.symbols.call_cb_n(cb, 3));
    `);
    expect(got).toEqual(["ERR_FFI_LIBRARY_CLOSED", "FFIError"]);
  });

  it("a CString whose byteOffset getter closes the library", () => {
    const got = outcome(`
      const lib = dlopen(process.env.FIXTURE, { c_strlen: { args: ["ptr"], returns: "usize" }, get_hello: { returns: "cstring" } });
      const s = lib.symbols.get_hello();
      Object.defineProperty(s, "byteOffset", { get() { lib.close(); return 0; } });
      out = code(() => lib.symbols.c_strlen(s));
    `);
    expect(got).toEqual(["ERR_FFI_LIBRARY_CLOSED", "FFIError"]);
  });

  it("a TypedArray subclass whose length getter closes the library: the getter never runs (built-in length)", () => {
    const got = outcome(`
      const lib = dlopen(process.env.FIXTURE, { c_strlen: { args: ["ptr"], returns: "usize" } });
      let ran = false;
      class Sneaky extends Uint8Array { get length() { ran = true; lib.close(); return 4; } }
      const bytes = new Sneaky([104, 105, 0, 0]);
      out = [code(() => lib.symbols.c_strlen(bytes)), ran];
    `);
    expect(got).toEqual([["ok", "2n"], false]);
  });

  it("a function whose arguments are numbers only is unchanged: the guard is checked once, first", () => {
    const got = outcome(`
      const lib = dlopen(process.env.FIXTURE, { delete: { args: ["i32"], returns: "i32" } });
      out = [lib.symbols.delete.source.match(/G\\.closed/g).length, lib.symbols.delete(1)];
      lib.close();
      out.push(code(() => lib.symbols.delete(1)));
    `);
    expect(got).toEqual([1, 2, ["ERR_FFI_LIBRARY_CLOSED", "FFIError"]]);
  });
});

describe("generated code", () => {
  it("shows exactly the compiled text, and stack frames point at ffi-kit://<library>/<symbol>.js", () => {
    const got = outcome(`
      const lib = dlopen(process.env.FIXTURE, { call_cb_n: { args: ["function", "i32"], returns: "i32" } });
      let stack;
      const cb = new JSCallback(() => { stack = new Error().stack; return 0; }, { args: ["i32"], returns: "i32" });
      lib.symbols.call_cb_n(cb, 1);
      const f = lib.symbols.call_cb_n;
      out = [f.toString() === f.source, /ffi-kit:\\/\\/[^ ]*libffi[^ ]*\\/call_cb_n\\.js/.test(stack), /ffi-kit:\\/\\/JSCallback\\/invoke\\.js/.test(stack)];
    `);
    expect(got).toEqual([true, true, true]);
  });
});
