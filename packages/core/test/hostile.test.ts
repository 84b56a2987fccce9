/**
 * Hostile input for every core entry that reaches native code: addresses that cannot be user memory, lengths the
 * runtime cannot create, user code (getters, proxies) running mid-call, forged view geometry, detached views,
 * closing or exiting mid-call, non-regular files. Each case runs in its own process: a crash fails that case only.
 * A case prints what happened (`ok <type>` or `<error class> <code>`); the process must then exit cleanly.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { runCase } from "./support/hostile-child.js";

type Case = readonly [name: string, expression: string, expected: string];

function check(body: string, expected: string, timeout?: number): void {
  const r = runCase(body, timeout);
  expect({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, signal: null, stdout: expected, stderr: "" });
}

const INVALID = "TypeError ERR_FFI_INVALID_POINTER";
const RANGE = "RangeError ERR_OUT_OF_RANGE";

// x86-64 with 4-level paging ends user space at 2^47; with 5-level (la57) at 2^56: both are refused from 2^56 up.
const addresses: Array<[string, string]> = [
  ["2**56", "2 ** 56"],
  ["2**53-8", "2 ** 53 - 8"],
  ["-1", "-1"],
  ["NaN", "NaN"],
  ["2**64", "2 ** 64"],
  ["2n**70n", "2n ** 70n"],
  ["kernel half 0xffff800000000000n", "0xffff800000000000n"],
  ["2n**63n", "2n ** 63n"],
  ["-1n", "-1n"],
  ["0", "0"],
];
const addressEntries: Array<[string, (a: string) => string]> = [
  ["toArrayBuffer(a, 0, 16)", (a) => `toArrayBuffer(${a}, 0, 16)`],
  ["toArrayBuffer(a)", (a) => `toArrayBuffer(${a})`],
  ["toBuffer(a, 0, 16)", (a) => `toBuffer(${a}, 0, 16)`],
  ["new CString(a)", (a) => `new CString(${a})`],
  ["new CString(a, 0, 4)", (a) => `new CString(${a}, 0, 4)`],
  ["new CFunction({ ptr: a })()", (a) => `new CFunction({ ptr: ${a}, returns: "i32" })()`],
  ["linkSymbols({ f: { ptr: a } })", (a) => `linkSymbols({ f: { ptr: ${a}, returns: "i32" } }).symbols.f()`],
];

describe("addresses that cannot be user memory: ERR_FFI_INVALID_POINTER (a TypeError), never a crash", () => {
  const cases: Case[] = [];
  for (const [entry, call] of addressEntries) for (const [label, a] of addresses) cases.push([`${entry} with ${label}`, call(a), INVALID]);
  // The machine's own limit: the first address past user space (2^47 here unless the CPU has 5-level paging).
  for (const [entry, call] of addressEntries) cases.push([`${entry} with USER_ADDRESS_LIMIT`, call("LIMIT"), INVALID]);
  it.each(cases)("%s", (_name, expression, expected) => {
    check(`console.log(outcome(() => ${expression}));`, expected);
  });

  // read.* takes numbers below 2^53 on its fast path (owned by the read module); these reach the shared check.
  const reads: Case[] = [];
  for (const [label, a] of [["2n**52n", "2n ** 52n"], ["kernel half bigint", "0xffff800000000000n"], ["-1", "-1"], ["NaN", "NaN"], ["2**64", "2 ** 64"], ["-1n", "-1n"]]) {
    for (const r of ["u8", "i32", "u64", "f64", "ptr"]) reads.push([`read.${r}(${label})`, `read.${r}(${a})`, INVALID]);
  }
  it.each(reads)("%s", (_name, expression, expected) => {
    check(`console.log(outcome(() => ${expression}));`, expected);
  });

  it("an address plus byteOffset past user space, or below 4096, is refused", () => {
    check(
      `console.log([outcome(() => toArrayBuffer(p, 2 ** 56, 4)), outcome(() => new CString(p, -p)), outcome(() => toBuffer(p, 2 ** 53))].join(","));`,
      [INVALID, INVALID, INVALID].join(","),
    );
  });

  it("a cstring result in the kernel half or the first page throws instead of reading it", () => {
    check(`console.log([outcome(() => H.kernel_half_string()), outcome(() => H.low_page_string())].join(","));`, [INVALID, INVALID].join(","));
  });

  it("ERR_FFI_INVALID_POINTER is a TypeError and still an FFIError with its code and name", () => {
    check(
      `try { new CString(16); } catch (e) { console.log([e instanceof TypeError, e instanceof FFIError, e.code, e.name, String(e).startsWith("FFIError [ERR_FFI_INVALID_POINTER]")].join(",")); }`,
      "true,true,ERR_FFI_INVALID_POINTER,FFIError,true",
    );
  });

  it("every pointer below 4096 throws, NULL included: new CString(0) is not an empty string", () => {
    check(`console.log([outcome(() => new CString(0)), outcome(() => new CString(0n)), outcome(() => new CString(4095, 0, 0))].join(","));`, [INVALID, INVALID, INVALID].join(","));
  });

  it("Symbol.toPrimitive and valueOf on a pointer object are never called: objects are not pointers", () => {
    check(
      `let called = false; const evil = { [Symbol.toPrimitive]() { called = true; return 2 ** 47; }, valueOf() { called = true; return 16; } };
       console.log([outcome(() => toArrayBuffer(evil, 0, 4)), outcome(() => new CString(evil)), outcome(() => new CFunction({ ptr: evil, returns: "i32" })), called].join(","));`,
      "TypeError ERR_INVALID_ARG_TYPE,TypeError ERR_INVALID_ARG_TYPE,TypeError ERR_INVALID_ARG_TYPE,false",
    );
  });
});

describe("lengths the runtime cannot create: ERR_OUT_OF_RANGE (a RangeError) before any native call", () => {
  const lengths: Array<[string, string, string]> = [
    ["2**32", "2 ** 32", RANGE],
    ["2**32+1", "2 ** 32 + 1", RANGE],
    ["2**33", "2 ** 33", RANGE],
    ["-1", "-1", RANGE],
    ["Infinity", "Infinity", RANGE],
    ["2n**40n", "2n ** 40n", RANGE],
    ["NaN", "NaN", "TypeError ERR_INVALID_ARG_TYPE"],
    ["1.5", "1.5", "TypeError ERR_INVALID_ARG_TYPE"],
  ];
  const cases: Case[] = [];
  for (const [label, n, expected] of lengths) {
    cases.push([`toArrayBuffer(p, 0, ${label})`, `toArrayBuffer(p, 0, ${n})`, expected]);
    cases.push([`toBuffer(p, 0, ${label})`, `toBuffer(p, 0, ${n})`, expected]);
    if (label !== "-1") cases.push([`new CString(p, 0, ${label})`, `new CString(p, 0, ${n})`, expected]);
  }
  it.each(cases)("%s", (_name, expression, expected) => {
    check(`console.log(outcome(() => ${expression}));`, expected);
  });

  it("a range whose end runs past user space is refused, though each number alone is fine", () => {
    check(`console.log(outcome(() => toArrayBuffer(LIMIT - 4096, 0, 8192)) + "," + outcome(() => toBuffer(LIMIT - 4096, 4095, 2)));`, [RANGE, RANGE].join(","));
  });
});

describe("forged geometry and detached views never reach C as NULL", () => {
  const cases: Case[] = [
    ["a detached Uint8Array with a forged own `length`", `H.fill_checked(Object.defineProperty(detached(new Uint8Array(16)), "length", { value: 16 }), 16)`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["a detached Uint8Array with a forged `byteLength`", `H.fill_checked(Object.defineProperty(detached(new Uint8Array(16)), "byteLength", { value: 16 }), 16)`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["a detached Uint8Array as a `buffer` argument with a forged length", `HB.fill_checked(Object.defineProperty(detached(new Uint8Array(16)), "length", { value: 16 }), 16)`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["a subclass whose `length` getter lies about a detached buffer", `H.fill_checked(detached(new (class extends Uint8Array { get length() { return 16; } get byteLength() { return 16; } })(16)), 16)`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["a detached DataView with a forged byteLength", `(() => { const v = new Uint8Array(16); const dv = new DataView(v.buffer); detached(v); return H.fill_checked(Object.defineProperty(dv, "byteLength", { value: 16 }), 16); })()`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["a detached ArrayBuffer with a forged byteLength", `H.fill_checked(Object.defineProperty(detached(new Uint8Array(16)).buffer, "byteLength", { value: 16 }), 16)`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["ptr() of a detached view never seen before, with a forged length", `ptr(Object.defineProperty(detached(new Uint8Array(16)), "length", { value: 16 }))`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["an object faking ArrayBuffer (prototype and Symbol.hasInstance) is not a buffer", `H.fill_checked(Object.create(ArrayBuffer.prototype), 16)`, "TypeError ERR_INVALID_ARG_TYPE"],
    ["ArrayBuffer.isView replaced by user code does not change what is a view", `(ArrayBuffer.isView = () => true, H.fill_checked({ length: 16 }, 16))`, "TypeError ERR_INVALID_ARG_TYPE"],
    ["a length getter that closes the library runs no user code mid-call", `(() => { let ran = false; const v = new (class extends Uint8Array { get length() { ran = true; hostile.close(); return 16; } })(16); const r = H.fill_checked(v, 16); return [r, ran, v[0]].join("/"); })()`, "ok 16/false/171"],
// The trap either detaches (then the proxy is refused as a pointer) or the engine refuses the transfer inside it
    // (Node 26: DataCloneError): either way C is never called; "ok -1" would mean C received NULL.
    ["a later argument's Proxy trap detaches an earlier argument's buffer", `(() => { const a = new Uint8Array(16); const pr = new Proxy({}, { getPrototypeOf() { detached(a); return Object.prototype; } }); const o = outcome(() => H.write_both(a, pr)); return o.startsWith("ok") ? o : "refused"; })()`, "ok refused"],
    ["a resizable ArrayBuffer shrunk to 0 after ptr()", `(() => { const ab = new ArrayBuffer(16, { maxByteLength: 64 }); const v = new Uint8Array(ab); ptr(v); ab.resize(0); return outcome(() => ptr(v)) + "/" + H.fill_checked(v, 0); })()`, "ok TypeError ERR_INVALID_ARG_TYPE/0"],
    ["a SharedArrayBuffer that grows after being passed is still its own memory", `(() => { const sab = new SharedArrayBuffer(8, { maxByteLength: 64 }); const r1 = H.fill_checked(sab, 8); sab.grow(64); const r2 = H.fill_checked(new Uint8Array(sab), 64); return [r1, r2, new Uint8Array(sab)[63]].join("/"); })()`, "ok 8/64/171"],
  ];
  it.each(cases)("%s", (_name, expression, expected) => {
    check(`console.log(outcome(() => ${expression}));`, expected);
  });
});

describe("callbacks: closing mid-call, options, exit while native threads call", () => {
  it("a JSCallback closed from inside its own invocation keeps working until the native call returns (qsort sorts fully)", () => {
    check(
      `const libc = dlopen("libc.so.6", { qsort: { args: ["ptr", "usize", "usize", "function"], returns: "void" } });
       const ints = new Int32Array([9, 3, 7, 1, 8, 2, 6, 4, 5, 0]);
       let calls = 0;
       const cmp = new JSCallback((a, b) => { if (calls++ === 0) cmp.close(); return read.i32(a) - read.i32(b); }, { args: ["ptr", "ptr"], returns: "i32" });
       libc.symbols.qsort(ints, ints.length, 4, cmp);
       console.log([cmp.ptr, calls > 9, [...ints].join("")].join(","));`,
      ",true,0123456789",
    );
  });

  it("once the native call has returned, the closed callback's old pointer gives C the zero value", () => {
    check(
      `let n = 0; const cb = new JSCallback((i) => { n++; if (i === 0) cb.close(); return 1; }, { args: ["i32"], returns: "i32" });
       const old = cb.ptr; const first = F.call_cb_n(old, 3);
       setImmediate(() => setImmediate(() => console.log([first, F.call_cb_n(old, 3), n].join(","))));`,
      "3,0,3",
    );
  });

  it("new JSCallback(fn, undefined) and non-object options throw a TypeError", () => {
    check(
      `const out = [undefined, null, 42, "str", true].map((o) => { try { new JSCallback(() => {}, o); return "ok"; } catch (e) { return (e instanceof TypeError) + ":" + /Expected object/.test(e.message) + ":" + /Expected an object/.test(e.message); } });
       console.log(out.join(","));`,
      Array(5).fill("true:true:true").join(","),
    );
  });

  it("exit while 8 native threads flood a threadsafe JSCallback (core alone) exits cleanly, 8 times out of 8", () => {
    // Without the exit guard about one exit in three crashed (SIGSEGV/SIGABRT in koffi's teardown).
    for (let run = 0; run < 8; run++) {
      check(
        `const t = dlopen(THREADS, { start_calls: { args: ["function", "i32", "i32"], returns: "void" } }).symbols;
         let n = 0;
         const cb = new JSCallback((id, i) => { n++; }, { args: ["i32", "i32"], returns: "void", threadsafe: true });
         t.start_calls(cb, 8, 1000000);
         setTimeout(() => { console.log("calls arrived", n > 0); }, 50);`,
        "calls arrived true",
      );
    }
  });

  it("the exit guard runs the exit listeners registered after it, and keeps process.exitCode", () => {
    const r = runCase(
      `const cb = new JSCallback(() => {}, { args: [], returns: "void", threadsafe: true });
       process.on("exit", (code) => console.log("late listener", code));
       process.exitCode = 7;`,
    );
    expect([r.status, r.signal, r.stdout, r.stderr]).toEqual([7, null, "late listener 7", ""]);
  });

  it("process.exit(3) from inside a callback that C called exits with 3, no crash", () => {
    const r = runCase(`const cb = new JSCallback((i) => { if (i === 1) process.exit(3); return i; }, { args: ["i32"], returns: "i32" }); F.call_cb_n(cb, 5);`);
    expect([r.status, r.signal, r.stderr]).toEqual([3, null, ""]);
  });

  it("closing the library while native threads still run its code keeps it mapped", () => {
    check(
      `const lib = dlopen(THREADS, { start_calls: { args: ["function", "i32", "i32"], returns: "void" }, join_calls: { returns: "void" } });
       let n = 0;
       const cb = new JSCallback(() => { n++; }, { args: ["i32", "i32"], returns: "void", threadsafe: true });
       lib.symbols.start_calls(cb, 4, 200000);
       lib.close();
       setTimeout(() => console.log("alive", n > 0), 100);`,
      "alive true",
    );
  });
});

describe("dlopen of things that are not regular files fails at once with ERR_DLOPEN_FAILED", () => {
  const dir = mkdtempSync(join(tmpdir(), "ffi-kit-hostile-"));
  const fifo = join(dir, "libfifo.so");
  execFileSync("mkfifo", [fifo]);
  const cases: Case[] = [
    ["a FIFO", JSON.stringify(fifo), "Error ERR_DLOPEN_FAILED"],
    ["/dev/zero", JSON.stringify("/dev/zero"), "Error ERR_DLOPEN_FAILED"],
    ["a directory", JSON.stringify(dir), "Error ERR_DLOPEN_FAILED"],
    ["a file: URL of a FIFO", `new URL(${JSON.stringify(`file://${fifo}`)})`, "Error ERR_DLOPEN_FAILED"],
  ];
  it.each(cases)("%s", (_name, path, expected) => {
    check(`console.log(outcome(() => dlopen(${path}, { noop: { returns: "void" } })));`, expected, 15_000);
  });
  it("a UNIX socket", () => {
    check(
      `import("node:net").then(({ createServer }) => { const s = createServer().listen(${JSON.stringify(join(dir, "sock.so"))}, () => { console.log(outcome(() => dlopen(${JSON.stringify(join(dir, "sock.so"))}, { noop: { returns: "void" } }))); s.close(); }); });`,
      "Error ERR_DLOPEN_FAILED",
      15_000,
    );
  });
  it("a relative path to a FIFO (found through the current directory)", () => {
    check(`process.chdir(${JSON.stringify(dir)}); console.log(outcome(() => dlopen("./libfifo.so", { noop: { returns: "void" } })));`, "Error ERR_DLOPEN_FAILED", 15_000);
  });
  // The FIFO must outlive the cases above.
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
});

describe("CString's plain properties are validated again before native reads", () => {
  it.each([
    ["ptr set to 16", `(() => { const s = new CString(p, 0, 0); s.ptr = 16; return s.arrayBuffer; })()`, INVALID],
    ["ptr set to the kernel half", `(() => { const s = new CString(p, 0, 0); s.ptr = 2 ** 63; return s.arrayBuffer; })()`, INVALID],
    ["byteLength set to 2**33", `(() => { const s = new CString(p, 0, 0); s.byteLength = 2 ** 33; return s.arrayBuffer; })()`, RANGE],
  ] as Case[])("%s", (_name, expression, expected) => {
    check(`console.log(outcome(() => ${expression}));`, expected);
  });
});

describe("messages carry the phrases Bun's users and tests match on", () => {
  it("viewSource, JSCallback, linkSymbols, return types, buffer arguments", () => {
    check(
      `const msg = (f) => { try { f(); return "no error"; } catch (e) { return e.message; } };
       const out = [
         /Expected an object/.test(msg(() => core.viewSource(null, true))),
         /Expected an object/.test(msg(() => core.viewSource({ f: 42 }))),
         /Expected an object/.test(msg(() => linkSymbols({ foo: 42 }))),
         /myFunction.*ptr.*(linkSymbols|CFunction)/.test(msg(() => linkSymbols({ myFunction: { args: [], returns: "int" } }))),
         msg(() => linkSymbols({ fn: { ptr: "not a number" } })).includes('you must provide a "ptr" field with the memory address of the native function.'),
         msg(() => new JSCallback(() => {}, { returns: "buffer" })).includes("Cannot return a buffer to JavaScript"),
         msg(() => new JSCallback(() => {}, { returns: "napi_env" })).includes("Cannot return napi_env to JavaScript"),
         msg(() => new JSCallback(() => {}, { returns: "not_a_real_type" })).includes("Unknown return type not_a_real_type"),
         msg(() => new JSCallback(() => {}, { args: ["not_a_real_type"] })).includes("Unknown type not_a_real_type"),
         /TypedArray or DataView/.test(msg(() => HB.fill_checked({}, 1))),
         typeof core.viewSource({ args: ["i32"], returns: "i32" }, true),
       ];
       console.log(out.join(","));`,
      "true,true,true,true,true,true,true,true,true,true,string",
    );
  });
});
